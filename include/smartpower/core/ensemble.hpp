// Ensembles: R runs of one Model on T threads, bounded in memory, byte-identical for any
// thread count. Runs are cut into fixed chunks of consecutive run indices; a chunk is one
// BatchSimulator batch (its runs stepped together, vectorised across runs). Each chunk's
// partial statistics (mean and sum of squared deviations per instant and metric) are
// merged in chunk order (Chan et al.), so floating-point sums never depend on which
// thread finished first. Run r's seed is run_seed(seed, r), whatever the chunk.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "smartpower/core/simulation.hpp"

namespace smartpower {

struct EnsembleOptions {
  int runs = 1;
  std::uint64_t seed = 1;
  int threads = 1;
  // Runs per chunk (= per batch), at most as many as keep a batch's state under 256 MiB
  // (at least 8). The series statistics are merged per chunk, so their last bits depend on
  // it: part of the result's definition, keep it fixed. The finals do not depend on it.
  int chunk = 128;
  int record_every = 1;  // record every n-th step (and always the last)
  // Keep these metric columns of every run's final instant (default: actor and dyad
  // metrics, see outcome_columns()).
  std::vector<std::size_t> final_columns;
  bool series_stats = true;  // mean and standard deviation of every metric per instant
  // Called in run order with each chunk's per-run series (runs x instants x columns),
  // so per-run output streams to disk without holding the whole ensemble.
  std::function<void(int first_run, int count, std::span<const double> series)> on_series;
  // The metric entries the per-run series keep, in this order (default: all of them, in
  // MetricLayout order). A claims check reads a handful of entries: keeping only those
  // spares copying and holding the rest.
  std::vector<std::size_t> series_columns;
  // With on_series and without series_stats: the steps whose series the caller reads
  // (a claims check's probes). The other recorded instants are stepped unrecorded and
  // their rows of the series are 0; the last step is always recorded. Empty: every one.
  std::vector<int> series_steps;
  // Called on the calling thread as runs complete (done, total).
  std::function<void(int, int)> progress;
  const std::atomic<bool>* stop = nullptr;  // set to stop early (throws Interrupted)
  // If set (size `runs`): run r is seeded as run run_ids[r] of the master seed, so a
  // subset of an ensemble's runs keeps their streams (posterior groups, posterior.hpp).
  std::vector<std::uint64_t> run_ids;
};

struct EnsembleResult {
  int runs = 0;
  std::vector<double> times;               // recorded instants
  std::vector<std::size_t> final_columns;  // metric indices kept per run
  std::vector<double> finals;              // runs x final_columns
  std::vector<double> mean, sd;            // instants x metrics (if series_stats)

  double final_value(int run, std::size_t col) const {
    return finals[static_cast<std::size_t>(run) * final_columns.size() + col];
  }
};

// Actor and dyad metrics (everything but the per-lever families).
std::vector<std::size_t> outcome_columns(const MetricLayout& layout);
// Recorded instants for a step count and stride.
std::vector<int> recorded_steps(int steps, int record_every);

// Refuses (InputError, exit 2) an ensemble whose peak memory would exceed what is
// available (smartpower/core/memory.hpp), before allocating anything; a std::bad_alloc that
// happens anyway becomes a std::runtime_error saying "out of memory" (exit 3). Threads
// that the system refuses to create are done without (same results).
EnsembleResult run_ensemble(const Model& model, const EnsembleOptions& options);

// How run_ensemble cuts and schedules an ensemble (the memory estimate uses the same).
struct EnsemblePlan {
  int runs = 1;
  int chunk = 1;  // runs per batch
  int n_chunks = 1;
  int threads = 1;        // worker threads (at most the chunks this rank owns)
  int max_in_flight = 2;  // chunks computed but not yet merged
  std::size_t metrics = 0, instants = 0, series_columns = 0, final_columns = 0;
  bool stats = true, series = false;
  // Chunk buffers alive at once (in flight, plus the one being merged).
  int buffers() const { return std::min(n_chunks, max_in_flight + 1); }
  // Bytes of one chunk buffer (statistics and per-run series of one full chunk), as the
  // schedule counts them, and as allocated (a chunk holds at most `runs` runs).
  std::size_t chunk_bytes() const;
  std::size_t buffer_bytes() const;
};
// `metrics` = the layout's size, `outcome_columns` = outcome_columns(layout).size().
EnsemblePlan plan_ensemble(std::size_t metrics, std::size_t outcome_columns, int steps, const EnsembleOptions& options,
                           int ranks = 1, int rank = 0);

// Quantile (linear interpolation between order statistics, "type 7") of `values`,
// which it partially sorts.
double quantile(std::vector<double>& values, double q);

struct Stats {
  double mean = 0, sd = 0, q05 = 0, q50 = 0, q95 = 0;
};
// Statistics of final column `col` over runs.
Stats final_stats(const EnsembleResult& r, std::size_t col);

// ---- Scale-out over processes (MPI). Built with -DSMARTPOWER_MPI=ON and launched with
// `mpirun -np P`, run_ensemble() splits the chunks over the ranks (chunk c on rank
// c mod P, each rank using its own threads), and every rank receives every chunk in chunk
// order and merges it exactly as a single process does: the result is the same, byte for
// byte, on every rank and for any P. Without MPI (or without mpirun) there is one rank.
struct Cluster {
  int rank = 0;
  int size = 1;
};
// True when the library was built with -DSMARTPOWER_MPI=ON.
bool built_with_mpi();
// This process's rank and the number of ranks (initialises MPI on first use when the
// process was started by mpirun).
Cluster cluster();
// Runs fn(i, out) for the items i this rank owns (i mod size == rank), out holding
// item_size doubles, and returns every item's values in item order on every rank (sweep
// points, calibration starts). Inside fn, run_ensemble stays on this process.
std::vector<double> distributed_map(int items, std::size_t item_size,
                                    const std::function<void(int, std::span<double>)>& fn);
// Rank 0's value on every rank (e.g. a clock reading, so that every rank stops a
// time-limited search after the same evaluation).
double broadcast_from_root(double value);

namespace detail {
// True when run_ensemble should distribute (several ranks, not inside distributed_map).
bool distribute_ensembles();
// MPI_Bcast of raw bytes from `root` (any size).
void broadcast_bytes(void* data, std::size_t bytes, int root);
// While one lives, run_ensemble on this thread stays on this process (as inside
// distributed_map): for worker threads that evaluate items of a distributed map.
struct LocalEnsembles {
  LocalEnsembles();
  ~LocalEnsembles();
  LocalEnsembles(const LocalEnsembles&) = delete;
  LocalEnsembles& operator=(const LocalEnsembles&) = delete;
};
}  // namespace detail

}  // namespace smartpower
