// How a scenario *runs*: Model (the Scenario compiled into dense per-step tables, shared
// read-only by every run), BatchSimulator (R runs stepped together, vectorised across
// runs) and Simulator (one run); the step loop allocates nothing. The equations are
// docs/model.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "smartpower/core/scenario.hpp"

namespace smartpower {

// Every recorded quantity is an entry of one flat vector, laid out by family.
enum class Shape { actor, dyad, dyad_lever };

enum class Metric : int {
  balance, hhi, budget,                                                       // actor
  dependence, soft, hard, smart, soft_share, alignment, threat, affinity, counter,  // dyad
  stock, influence, lever_dependence, effort, real, volume, flow,             // dyad x lever
  count_
};
constexpr int kMetricCount = static_cast<int>(Metric::count_);

struct MetricInfo {
  const char* name;
  Shape shape;
  const char* meaning;  // what (actor, partner, lever) mean for this metric
};
const MetricInfo& metric_info(Metric m);
// Metric by name, or -1.
int metric_by_name(std::string_view name);
// Whether lever-metric m has entries for lever lv: real and volume only with a unit_scale,
// flow only with a flow_scale (every other lever metric always).
inline bool lever_metric_on(Metric m, const Lever& lv) {
  if (m == Metric::real || m == Metric::volume) return lv.unit_scale > 0;
  if (m == Metric::flow) return lv.flow_scale > 0;
  return true;
}

class MetricLayout {
 public:
  MetricLayout() = default;
  MetricLayout(int n_actors, int n_levers);
  std::size_t size() const { return size_; }
  std::size_t offset(Metric m) const { return offset_[static_cast<int>(m)]; }
  // Flat index of metric m for actor i, partner j, lever k (unused indices ignored).
  std::size_t index(Metric m, int i, int j = 0, int k = 0) const {
    const std::size_t o = offset_[static_cast<int>(m)];
    switch (metric_info(m).shape) {
      case Shape::actor: return o + i;
      case Shape::dyad: return o + static_cast<std::size_t>(i) * n_ + j;
      default: return o + (static_cast<std::size_t>(k) * n_ + i) * n_ + j;
    }
  }
  int n_actors() const { return n_; }
  int n_levers() const { return k_; }

 private:
  int n_ = 0, k_ = 0;
  std::array<std::size_t, kMetricCount> offset_{};
  std::size_t size_ = 0;
};

// The scenario compiled for running: dense schedules that every run shares.
class Model {
 public:
  // Validates the scenario first (validate(): InputError) and fills its empty tables
  // (fill_defaults()). Counts are not capped here (the reader caps a file's, a caller may
  // raise those caps); memory is still checked.
  explicit Model(Scenario scenario);
  // A scenario checked already (load_scenario's, or ValidScenario(scenario)): not again.
  explicit Model(ValidScenario scenario);

  // This model with moves and events (indices into the scenario's) switched off, as a
  // Model of the scenario with those `enabled = false` would be: the tables are copied,
  // not recomputed (they do not depend on moves or events), and only the schedules of
  // moves and events are rebuilt. compare's attribution subsets.
  Model with_disabled(std::span<const int> moves, std::span<const int> events) const;

  const Scenario& scenario() const { return sc_; }
  const MetricLayout& layout() const { return layout_; }
  int n_actors() const { return n_; }
  int n_levers() const { return k_; }
  int steps() const { return t_; }
  double time_at(int step) const { return sc_.info.time_at(step); }

  // Capability x of actor i at step n (x: 0 economy, 1 military, 2 population).
  double capability(int n, int i, int x) const { return caps_[(static_cast<std::size_t>(n) * n_ + i) * 3 + x]; }
  double budget(int n, int i) const { return budget_[static_cast<std::size_t>(n) * n_ + i]; }
  double similarity(int i, int j) const { return sim_[static_cast<std::size_t>(i) * n_ + j]; }
  // Gravity factor g[k](i,j) at step n (docs/model.md eq. 14); 1 when no lever uses gravity.
  bool has_gravity() const { return !gravity_.empty(); }
  double gravity(int n, int k, int i, int j) const {
    return gravity_.empty() ? 1.0 : gravity_[((static_cast<std::size_t>(n) * k_ + k) * n_ + i) * n_ + j];
  }
  // Events applied at step n, and moves active at step n (indices into the scenario).
  std::span<const int> events_at(int n) const {
    return {event_idx_.data() + event_start_[n], event_idx_.data() + event_start_[n + 1]};
  }
  std::span<const int> moves_at(int n) const {
    return {move_idx_.data() + move_start_[n], move_idx_.data() + move_start_[n + 1]};
  }

 private:
  Scenario sc_;
  int n_, k_, t_;
  MetricLayout layout_;
  std::vector<double> caps_, budget_, sim_, gravity_;
  std::vector<int> event_start_, event_idx_, move_start_, move_idx_;
  void schedule();  // event_* and move_* from the scenario's enabled events and moves
};

// Receives the metric vector at each recorded instant of a run.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void record(int instant, double time, std::span<const double> metrics) = 0;
};

// Seed of run `run` of an ensemble with master seed `seed`: independent of thread count.
std::uint64_t run_seed(std::uint64_t seed, std::uint64_t run);

class BatchSimulator;

// Lanes a BatchSimulator of `capacity` runs allocates per metric entry: 1 or 2 as asked,
// otherwise rounded up to a multiple of 8, the width of the widest vector unit the kernels
// are compiled for (8 doubles with AVX-512). A batch of 3 to 7 lanes would run every
// loop in its scalar tail there: 4 runs cost twice as long as 8. Spare lanes repeat real
// runs and are ignored, so no number depends on it.
std::size_t batch_lanes(int capacity);

// Receives a whole batch at each recorded instant; read lanes with BatchSimulator::lanes().
class BatchObserver {
 public:
  virtual ~BatchObserver() = default;
  virtual void record(int step, double time, const BatchSimulator& batch) = 0;
  // An observer that reduces every live entry of every run at each instant it records
  // (ensemble statistics do) may say so: the batch then skips its own pass over the
  // state at those instants, asks saw_finite() after record(), and scans the state only
  // when the answer is false. Other observers are called only with finite values.
  virtual bool checks_finite() const { return false; }
  virtual bool saw_finite() const { return true; }
  // Whether the observer wants step `step`, one of run()'s recorded instants (the last is
  // always recorded): the steps it declines are stepped as unrecorded ones, without the
  // record-only metrics and with the cheaper finiteness check; the numbers do not change.
  virtual bool records(int /*step*/) const { return true; }
};

// R runs of one Model stepped together (docs/performance.md). State is laid out
// structure-of-arrays: every metric entry q holds one contiguous vector of `stride()`
// lanes, one lane per run, so each equation is an inner loop over runs that the compiler
// vectorises (AVX-512, AVX2 or SSE2, picked at run time). Runs never interact: lane r's
// numbers are bit-for-bit those of the same seed stepped alone, whatever the batch size.
// Construct once with a capacity, reset() per batch; the step loop allocates nothing.
class BatchSimulator {
 public:
  BatchSimulator(const Model& model, int capacity);
  ~BatchSimulator();
  BatchSimulator(const BatchSimulator&) = delete;
  BatchSimulator& operator=(const BatchSimulator&) = delete;

  // Starts runs.size() <= capacity runs, lane r seeded with seeds[r].
  void reset(std::span<const std::uint64_t> seeds);
  // Steps the whole horizon, calling observer (if any) at steps 0, every, 2*every, ...
  // and always at the last one. Throws NumericalError on NaN/inf in any run: every
  // metric is checked at the recorded instants (and the last); at the others, the
  // state, the efforts and the dyad metrics, through which any non-finite value would
  // reach the state. Metrics the model never reads again (lever_dependence, real,
  // volume, flow) are computed, and influences kept, only at recorded instants and the last.
  void run(BatchObserver* observer, int record_every = 1);

  const Model& model() const;
  int runs() const { return runs_; }        // lanes in use
  int capacity() const { return capacity_; }
  std::size_t stride() const { return stride_; }  // lanes allocated per entry
  // The lanes of metric entry q (MetricLayout index): lanes(q)[r] is run r's value.
  const double* lanes(std::size_t q) const { return x_ + q * stride_; }
  double value(std::size_t q, int run) const { return x_[q * stride_ + run]; }
  // Ranges [begin, end) of the metric entries that can be non-zero; the others (i == j
  // entries, real/volume of levers without a unit_scale, flow without a flow_scale) are 0 in every run at every instant.
  const std::vector<std::pair<std::size_t, std::size_t>>& live() const;
  // Run r's whole metric vector (MetricLayout order) into out (size layout().size()).
  void gather(int run, std::span<double> out) const;

  struct Work;  // engine-internal state and workspace

 private:
  std::unique_ptr<Work> w_;
  const double* x_ = nullptr;
  int runs_ = 0, capacity_ = 0;
  std::size_t stride_ = 0;
};

// One run. Construct once, reset() per run; run() steps from start to end. A batch of
// one: the same code and the same numbers as that run inside any ensemble.
class Simulator {
 public:
  explicit Simulator(const Model& model);
  void reset(std::uint64_t seed);
  // Steps the whole horizon, calling observer (if any) at instants 0, every, 2*every, ...
  // and always at the last one. Throws NumericalError on NaN/inf.
  void run(Observer* observer, int record_every = 1);
  // The metric vector of the current instant.
  std::span<const double> metrics() const { return x_; }

 private:
  BatchSimulator batch_;
  std::vector<double> x_;  // lane 0 gathered
};

// Pure helpers of the model, exposed for tests (docs/model.md numbers in brackets).
double ces(double hard, double soft, double alpha, double rho);  // [8]
double hhi(std::span<const double> shares);                       // [10]
double balance_index(double hhi, int partners);                   // [10]
// Softmax of utilities/temperature into `out`, scaled to sum to `budget`.
void softmax_allocate(std::span<const double> utilities, double temperature, double budget, std::span<double> out);
double decay_step(double stock, double decay, double dt, double effort);  // [15]
double alignment_step(double a, double z, double rate, double dt);         // [16]

}  // namespace smartpower
