// Internal: calibration on a scenario file and its resolved document (what `smartpower
// calibrate` does: the box is the file's [calibration], the checkpoint is keyed to the
// resolved file, and the result is written back as a file that extends the source, so
// the user's file keeps its comments and layout). The typed API is calibrate(Scenario,
// parameters, ...) in smartpower/analysis/calibration.hpp.
#pragma once

#include <string>
#include <vector>

#include <toml++/toml.h>

#include "smartpower/analysis/calibration.hpp"
#include "smartpower/analysis/claims_toml.hpp"
#include "smartpower/io/document.hpp"

namespace smartpower {

// Reads [[calibration.parameters]]. Throws InputError naming the parameter and its bound
// when a bound (with every other parameter at its start) makes the scenario invalid.
std::vector<CalibrationParameter> calibration_parameters(const toml::table& scenario);

// Sets the parameters at `values` in a copy of the scenario document.
void set_parameters(toml::table& doc, const std::vector<CalibrationParameter>& params, const std::vector<double>& values);

// A Scenario and a box given in code, ready for a search: the scenario validated, its
// document (the variants' base, the checkpoint's identity), and the box checked as a
// file's is (each path a number of the scenario, lo < hi, a positive log box, both bounds
// valid; each start the scenario's value clamped to the box). InputError names the
// parameter.
struct ScenarioBox {
  ValidScenario scenario;
  Document document;
  std::vector<CalibrationParameter> parameters;
};
ScenarioBox scenario_box(const Scenario& scenario, std::vector<CalibrationParameter> parameters);
// A copy of `scenario` with the parameters set to `values` through typed handles.
Scenario with_parameters(const Scenario& scenario, const std::vector<CalibrationParameter>& parameters,
                         const std::vector<double>& values);

// calibrate() on the scenario of `scenario_file` and its [calibration] box.
CalibrationResult calibrate(const std::string& scenario_file, const ClaimSet& claims, const CalibrationOptions& options);

// Writes a scenario that extends `scenario_file` and overrides the fitted parameters,
// with the command that reproduces it in a comment.
void write_calibrated(const std::string& out_path, const std::string& scenario_file, const CalibrationResult& result,
                      const std::string& command);

}  // namespace smartpower
