// The typed library in one include: load or build a Scenario, validate it, run an
// ensemble, compare a what-if, sweep parameters through typed handles.
//
//   #include <smartpower/smartpower.hpp>
//   smartpower::Scenario base = smartpower::load_scenario("scenarios/baseline.toml");
//   smartpower::Model model(base);  // validates (InputError)
//   smartpower::EnsembleOptions options;
//   options.runs = 100;
//   smartpower::EnsembleResult result = smartpower::run_ensemble(model, options);
//
// examples/whatif.cpp and examples/sweep.cpp are short complete programs.
#pragma once

#include "smartpower/compare.hpp"
#include "smartpower/ensemble.hpp"
#include "smartpower/error.hpp"
#include "smartpower/keys.hpp"
#include "smartpower/load.hpp"
#include "smartpower/parameters.hpp"
#include "smartpower/scenario.hpp"
#include "smartpower/simulation.hpp"
#include "smartpower/sweep.hpp"
