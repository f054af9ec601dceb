// `smartpower calibrate --method abc`: the posterior calibration's command-line side.
#pragma once

#include <string>

#include "commands.hpp"

namespace smartpower::cli {

struct AbcArgs {
  std::string file, claims, out, best, checkpoint;
  int particles = 500, generations = 8, runs = 4, threads = 1, moves = 5;  // defaults: AbcOptions
  long long simulations = 0, seed = 1;
  double alpha = 0.5, min_acceptance = 0.01, claims_weight = 1.0, min_tolerance = 0;
  int settle = 0;
  bool resume = false, quiet = false, own_noise = false;
};

// Writes the posterior CSV (and the best particle as a scenario with --best), prints the
// posterior summary. Returns the exit code.
int run_abc_calibration(const Context& ctx, const AbcArgs& a);

}  // namespace smartpower::cli
