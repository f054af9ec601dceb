// One scenario under each of its theory lenses, side by side: every lens's scenario run
// as an ensemble with the same master seed, so where the lenses disagree the difference
// is the theory's, not the noise's (`smartpower lenses`). The scenarios come from
// load_lenses (smartpower/io/load.hpp) or are built in code.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "smartpower/core/ensemble.hpp"
#include "smartpower/core/simulation.hpp"
#include "smartpower/io/load.hpp"

namespace smartpower {

struct LensesOptions {
  int runs = 50;
  std::optional<std::uint64_t> seed;  // none: each lens's [scenario] seed
  int threads = 1;
  const std::atomic<bool>* stop = nullptr;  // set to stop early (throws Interrupted)
};

struct LensEnsemble {
  std::string name;  // "" for the scenario's own parameters
  std::string description;
  std::shared_ptr<const Model> model;
  EnsembleResult result;  // the finals of every run (no per-instant statistics)
};

// Runs every lens's scenario, in order.
std::vector<LensEnsemble> run_lenses(std::vector<LensScenario> lenses, const LensesOptions& options);

}  // namespace smartpower
