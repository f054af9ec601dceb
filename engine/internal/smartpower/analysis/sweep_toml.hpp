// Internal: sweeps and screening over a resolved TOML document (what `smartpower sweep`
// and `smartpower sensitivity` do with a file). The document is read once into RunPlans
// (every point set through typed handles); it stays for what is about documents: the
// checkpoint's identity, and a posterior, whose particles patch the document before the
// point's values are set. The typed API is run_sweep(RunPlans) in
// smartpower/analysis/sweep.hpp.
#pragma once

#include <toml++/toml.h>

#include "smartpower/analysis/calibration_toml.hpp"
#include "smartpower/analysis/sweep.hpp"

namespace smartpower {

// Checks that `spec.path` names a number the scenario accepts (a key already in the
// document, or a valid key that takes its default) and that LO and HI are valid values
// for it. Throws InputError with the closest valid name ("did you mean ...") or the
// validator's range message.
void check_set_spec(const toml::table& resolved, const SetSpec& spec);

// Runs every point (a row of values, one per path) of `points` on clones of `resolved`
// (which must be a valid scenario). An InputError or NumericalError at a point names
// the point and its values. Default outcomes: default_sweep_outcomes.
SweepResult run_sweep(const toml::table& resolved, const std::vector<std::string>& paths,
                      const std::vector<std::vector<double>>& points, const SweepOptions& options);

// Morris screening of `parameters` (usually calibration_parameters(resolved)).
MorrisResult run_morris(const toml::table& resolved, const std::vector<CalibrationParameter>& parameters,
                        const MorrisOptions& options);

}  // namespace smartpower
