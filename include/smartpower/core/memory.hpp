// Peak memory: one estimator per command and the memory there is, so that work that
// would not fit is refused before it starts (exit 2, with the figures) instead of
// ending in std::bad_alloc or the kernel's OOM killer minutes later.
//
// Every command goes through ensembles (run_ensemble), so every estimate is built from
// the same parts: the model (the scenario's tables), the batch state of every worker
// thread (layout size x lanes), the per-run finals, the series statistics, the chunks in
// flight, and what the command keeps on top (summary JSON, sweep rows, comparison
// subsets, report bands, claim probes). The ensemble part follows run_ensemble's own
// plan (plan_ensemble), so the two cannot drift apart. Measured against peak RSS in
// tests/test_memory.cpp and scripts/memory-check.sh (within a factor of 2).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "smartpower/core/ensemble.hpp"

namespace smartpower {

// The sizes that decide a scenario's memory, known before its Model is built.
struct ModelShape {
  int actors = 2;
  int levers = 1;
  int steps = 1;
  long long moves = 0;
  long long events = 0;
};
ModelShape shape_of(const Model& model);
ModelShape shape_of(const Scenario& scenario);

// An estimate: named parts (what, bytes) that add up to the peak.
struct MemoryEstimate {
  std::string what = "this run";  // "this run", "this sweep", ... (starts the message)
  std::string shape;              // "2,000 actors x 2 levers"
  std::string hint;               // what to change, e.g. "use fewer runs or --series none"
  std::vector<std::pair<std::string, double>> parts;
  double total() const;
  void add(std::string part, double bytes);
  // "15.2 GiB at peak (2,000 actors x 2 levers: 7.6 MiB per run state x 256 lanes x 2
  // threads = 3.8 GiB, ...)"
  std::string describe() const;
};

// How much memory this process may use in all: MemAvailable (/proc/meminfo) plus what
// the process already holds, further limited by RLIMIT_AS, RLIMIT_DATA and the cgroup's
// memory.max (less what the rest of the cgroup uses). SMARTPOWER_MEMORY_LIMIT=BYTES
// (suffixes K, M, G, T allowed: 512M, 2G) replaces the figure: tests and users fake or
// cap it.
struct AvailableMemory {
  double bytes = 0;
  std::string source;  // "MemAvailable", "RLIMIT_AS", "cgroup memory.max", "SMARTPOWER_MEMORY_LIMIT"
};
AvailableMemory available_memory();

// Throws InputError "this run needs about X at peak (...); Y is available (source); hint"
// when the estimate exceeds what is available.
void require_memory(const MemoryEstimate& estimate);

// "512 bytes", "7.6 KiB", "7.6 MiB", "15.2 GiB".
std::string format_bytes(double bytes);
// 2000 -> "2,000".
std::string format_count(double n);

// ---- The parts.
// A process with a small scenario loaded (code, libraries, the parser): a constant.
double process_base_bytes();
// The model: the scenario's own tables (stocks, alignment, borders, distances, partner
// biases: N x N each) and the compiled schedules (capabilities and budgets per step).
double model_bytes(const ModelShape& s);
// One run's metric vector (the layout: 3N + 9N^2 + 6KN^2 doubles).
double run_state_bytes(const ModelShape& s);
// One BatchSimulator of `capacity` runs (its state, workspace and lanes).
double batch_bytes(const ModelShape& s, int capacity);
// What run_ensemble allocates for these options (the model itself not included).
void add_ensemble(MemoryEstimate& e, const ModelShape& s, const EnsembleOptions& options,
                  const std::string& label = "");

// The least any command needs: the model and one run's state (build_scenario checks it
// as soon as it knows the actors, levers and steps).
MemoryEstimate estimate_model(const ModelShape& s);

// ---- One estimator per command. Each includes the process, the model(s) and the
// ensemble(s) it holds at once.
// One ensemble of `options` on a model of this shape, as run_ensemble checks it before it
// allocates (the process, the model and the ensemble).
MemoryEstimate estimate_ensemble(const ModelShape& s, const EnsembleOptions& options);
// `run` (and `lenses` per lens): series "all", "mean" or "none".
MemoryEstimate estimate_run(const ModelShape& s, int runs, int threads, const std::string& series);
// `bench` (series "mean" or "none", the chunk as given or 0 for the default).
MemoryEstimate estimate_bench(const ModelShape& s, long long runs, int threads, int chunk, const std::string& series);
// `compare`: base and what-if ensembles (with statistics) kept, then one subset ensemble
// at a time for the attribution (`subsets` of them, their column means kept).
MemoryEstimate estimate_compare(const ModelShape& base, const ModelShape& whatif, int runs, int threads, int subsets);
// `sweep` (and `sensitivity`: points = trajectories x (parameters + 1)): `workers`
// points in flight (each its own model and ensemble), every point's row kept
// (`outcomes` 0: the default columns).
MemoryEstimate estimate_sweep(const ModelShape& s, long long points, int runs, int threads, std::size_t outcomes,
                              std::size_t parameters);
// `claims` (and each evaluation of `calibrate`): `variants` ensembles one after another,
// keeping `probes` values per run in all.
MemoryEstimate estimate_claims(const ModelShape& s, int variants, int runs, int threads, std::size_t probes);
// `report`: one ensemble with statistics and per-run bands of `band_columns` metrics.
MemoryEstimate estimate_report(const ModelShape& s, int runs, int threads, std::size_t band_columns);

}  // namespace smartpower
