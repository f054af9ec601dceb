// The typed library in one include: load or build a Scenario, validate it, run an
// ensemble, compare a what-if, sweep parameters through typed handles, check claims on it
// and calibrate it (a point fit or an ABC posterior).
//
//   #include <smartpower/smartpower.hpp>
//   smartpower::ValidScenario base = smartpower::load_scenario("scenarios/baseline.toml");
//   smartpower::Model model(base);  // checked once, as read (InputError); a Scenario
//                                   // built in code is checked here
//   smartpower::EnsembleOptions options;
//   options.runs = 100;
//   smartpower::EnsembleResult result = smartpower::run_ensemble(model, options);
//
// examples/whatif.cpp and examples/sweep.cpp are short complete programs.
#pragma once

#include "smartpower/analysis/abc.hpp"
#include "smartpower/analysis/calibration.hpp"
#include "smartpower/analysis/claims.hpp"
#include "smartpower/analysis/compare.hpp"
#include "smartpower/analysis/lenses.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/core/keys.hpp"
#include "smartpower/io/load.hpp"
#include "smartpower/core/parameters.hpp"
#include "smartpower/core/scenario.hpp"
#include "smartpower/core/simulation.hpp"
#include "smartpower/core/version.hpp"
#include "smartpower/analysis/sweep.hpp"
