// Internal: ABC-SMC on a scenario file and its [calibration] box (what `smartpower
// calibrate --method abc` does; the checkpoint is keyed to the resolved file). The typed
// API is calibrate_abc(Scenario, parameters, ...) in smartpower/analysis/abc.hpp.
#pragma once

#include <string>

#include "smartpower/analysis/abc.hpp"
#include "smartpower/analysis/calibration_toml.hpp"

namespace smartpower {

// calibrate_abc() on the scenario of `scenario_file` and its [[calibration.parameters]].
AbcResult calibrate_abc(const std::string& scenario_file, const ClaimSet& claims, const AbcOptions& options);

// best_particle() on the scenario of `scenario_file`, so that write_calibrated() can
// write it as a scenario that `calibrate --method point` starts from.
CalibrationResult best_particle(const std::string& scenario_file, const ClaimSet& claims, const AbcResult& result,
                                const ClaimOptions& claims_options);

}  // namespace smartpower
