// Ensembles: R runs of one Model on T threads, bounded in memory, byte-identical for any
// thread count. Runs are cut into fixed chunks of consecutive run indices; each chunk's
// partial statistics are merged in chunk order, so floating-point sums never depend on
// which thread finished first.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "smartpower/simulation.hpp"

namespace smartpower {

struct EnsembleOptions {
  int runs = 1;
  std::uint64_t seed = 1;
  int threads = 1;
  int chunk = 16;        // runs per chunk (part of the result's definition: keep fixed)
  int record_every = 1;  // record every n-th step (and always the last)
  // Keep these metric columns of every run's final instant (default: actor and dyad
  // metrics, see outcome_columns()).
  std::vector<std::size_t> final_columns;
  bool series_stats = true;  // mean and standard deviation of every metric per instant
  // Called in run order with each chunk's per-run series (runs x instants x metrics),
  // so per-run output streams to disk without holding the whole ensemble.
  std::function<void(int first_run, int count, std::span<const double> series)> on_series;
  // Called on the calling thread as runs complete (done, total).
  std::function<void(int, int)> progress;
  const std::atomic<bool>* stop = nullptr;  // set to stop early (throws Interrupted)
};

struct EnsembleResult {
  int runs = 0;
  std::vector<double> times;                // recorded instants
  std::vector<std::size_t> final_columns;   // metric indices kept per run
  std::vector<double> finals;               // runs x final_columns
  std::vector<double> mean, sd;             // instants x metrics (if series_stats)

  double final_value(int run, std::size_t col) const { return finals[static_cast<std::size_t>(run) * final_columns.size() + col]; }
};

// Actor and dyad metrics (everything but the per-lever families).
std::vector<std::size_t> outcome_columns(const MetricLayout& layout);
// Recorded instants for a step count and stride.
std::vector<int> recorded_steps(int steps, int record_every);

EnsembleResult run_ensemble(const Model& model, const EnsembleOptions& options);

// Quantile (linear interpolation between order statistics, "type 7") of `values`,
// which it partially sorts.
double quantile(std::vector<double>& values, double q);

struct Stats {
  double mean = 0, sd = 0, q05 = 0, q50 = 0, q95 = 0;
};
// Statistics of final column `col` over runs.
Stats final_stats(const EnsembleResult& r, std::size_t col);

}  // namespace smartpower
