// Generated scenarios of any size, for benchmarks and scaling tests: N actors and K
// levers with seeded, plausible parameters (no real countries: actors are A001, A002, ...,
// levers L01, L02, ...). The text is an ordinary scenario file, so it goes through the
// same loader and validation as any other.
#pragma once

#include <cstdint>
#include <string>

#include "smartpower/core/scenario.hpp"

namespace smartpower {

struct GeneratorOptions {
  int actors = 4;           // N >= 2
  int levers = 8;           // K >= 1: alternately soft and hard
  int steps = 120;          // quarterly steps (dt = 0.25) from 2000
  std::uint64_t seed = 1;   // parameters and the scenario's own seed
  double noise = 0.3;       // every actor's utility noise
};

// The scenario as TOML text (what `smartpower bench --actors N --levers K` runs).
std::string generate_scenario_toml(const GeneratorOptions& options);
// The same, loaded and validated. Throws InputError for N < 2, K < 1 or steps < 1.
ValidScenario generate_scenario(const GeneratorOptions& options);

}  // namespace smartpower
