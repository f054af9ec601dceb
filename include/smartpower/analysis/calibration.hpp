// Calibration: fit the free parameters a scenario declares in [calibration] so that
// every claim holds with margin (pattern-oriented modelling), with NLopt: a global
// search (CRS2) then a local polish (BOBYQA), from several seeded starting points.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "smartpower/io/checkpoint.hpp"
#include "smartpower/analysis/claims.hpp"
#include "smartpower/core/parameters.hpp"

namespace smartpower {

// CalibrationParameter (a free parameter and its box): smartpower/core/parameters.hpp.

// Reads [[calibration.parameters]]. Throws InputError naming the parameter and its bound
// when a bound (with every other parameter at its start) makes the scenario invalid.
std::vector<CalibrationParameter> calibration_parameters(const toml::table& scenario);

struct CalibrationProgress {
  int start = 0, starts = 0, evaluation = 0;
  double objective = 0, best = 0, seconds = 0;
};

struct CalibrationOptions {
  int starts = 4;
  int evaluations = 3000;  // per start
  int runs = 4;            // noisy runs per evaluation
  int threads = 1;
  std::uint64_t seed = 1;
  double seconds = 0;      // wall-clock cap (0 = none); a cap makes results depend on speed
  // Every evaluation is appended to `checkpoint` (if set). With `resume`, evaluations
  // already in it are replayed from the file instead of recomputed: the search retraces
  // its deterministic path to where it stopped and goes on, so the result is
  // byte-identical to an uninterrupted run.
  //
  // The checkpoint starts with a header holding hashes of what an evaluation depends on
  // (the resolved scenario, the claims file, runs, seed): a resume against anything else
  // is refused, naming what differs. A file that is not a smartpower calibrate checkpoint,
  // one in use by another process, and an input (the scenario, its extends chain, the
  // claims file, `inputs`) are never written. The checkpoint is never deleted here: the
  // caller removes it with remove_checkpoint(result.checkpoint, "calibrate") once the
  // calibrated scenario is written.
  std::string checkpoint;
  bool resume = false;
  std::vector<std::string> inputs;  // further files that must never be the checkpoint
  const std::atomic<bool>* stop = nullptr;
  std::function<void(const CalibrationProgress&)> progress;
};

struct CalibrationResult {
  std::vector<CalibrationParameter> parameters;
  std::vector<double> best;
  double objective = 0;
  int evaluations = 0;
  int replayed = 0;  // evaluations taken from the checkpoint
  double seconds = 0;
  ClaimReport report;  // claims on the best parameters
  CheckpointRef checkpoint;  // the checkpoint this run wrote (invalid if none)
};

// Sets the parameters at `values` in a copy of the scenario document.
void set_parameters(toml::table& doc, const std::vector<CalibrationParameter>& params, const std::vector<double>& values);

CalibrationResult calibrate(const std::string& scenario_file, const ClaimSet& claims, const CalibrationOptions& options);

// Writes a scenario that extends `scenario_file` and overrides the fitted parameters,
// with the command that reproduces it in a comment.
void write_calibrated(const std::string& out_path, const std::string& scenario_file, const CalibrationResult& result,
                      const std::string& command);

}  // namespace smartpower
