// Calibration: fit free parameters of a scenario, each with its box, so that every claim
// holds with margin (pattern-oriented modelling), with NLopt: a global search (CRS2) then
// a local polish (BOBYQA), from several seeded starting points.
//
//   smartpower::Scenario scenario = ...;  // loaded, or built in code
//   std::vector<smartpower::CalibrationParameter> box = {{"model.alpha", 0.2, 0.8}};
//   smartpower::CalibrationResult fit = smartpower::calibrate(scenario, box, claims, options);
//
// A file's own box ([[calibration.parameters]]) is load_calibration_parameters(path). The
// same on a scenario file (what `smartpower calibrate` does, its checkpoint keyed to the
// file) and the calibrated scenario written back as a file that extends the source:
// smartpower/analysis/calibration_toml.hpp (internal).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "smartpower/analysis/claims.hpp"
#include "smartpower/core/parameters.hpp"
#include "smartpower/core/scenario.hpp"
#include "smartpower/io/checkpoint.hpp"

namespace smartpower {

// CalibrationParameter (a free parameter and its box): smartpower/core/parameters.hpp.

// The [[calibration.parameters]] of a scenario file (after its `extends` chain), each start
// the value the scenario has. Throws InputError naming file, line and key: a path that
// names no number of the scenario, lo >= hi, a log box that is not positive, a bound that
// (with every other parameter at its start) makes the scenario invalid.
std::vector<CalibrationParameter> load_calibration_parameters(const std::string& path);

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

// Fits `parameters` (each a number of the scenario by its key path, with its box; `start`
// is ignored: the search starts at the scenario's value, clamped to the box) so that the
// claims hold on the scenario. Throws InputError on bad options, on an invalid scenario
// (the reader's messages), on a parameter the scenario does not have or whose bounds make
// it invalid, and where a point makes a variant invalid; Interrupted when `stop` is set.
// For the scenario of a file and its box, the numbers `smartpower calibrate` gives.
CalibrationResult calibrate(const Scenario& scenario, const std::vector<CalibrationParameter>& parameters,
                            const ClaimSet& claims, const CalibrationOptions& options);

}  // namespace smartpower
