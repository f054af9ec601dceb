// How a scenario *runs*: Model (the Scenario compiled into dense per-step tables, shared
// read-only by every run) and Simulator (one run's state and workspace, reused across
// runs; the step loop allocates nothing). The equations are docs/model.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "smartpower/scenario.hpp"

namespace smartpower {

// Every recorded quantity is an entry of one flat vector, laid out by family.
enum class Shape { actor, dyad, dyad_lever };

enum class Metric : int {
  balance, hhi, budget,                                                       // actor
  dependence, soft, hard, smart, soft_share, alignment, threat, affinity, counter,  // dyad
  stock, influence, lever_dependence, effort, real, volume,                   // dyad x lever
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
  explicit Model(Scenario scenario);

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
  std::vector<double> caps_, budget_, sim_;
  std::vector<int> event_start_, event_idx_, move_start_, move_idx_;
};

// Receives the metric vector at each recorded instant of a run.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void record(int instant, double time, std::span<const double> metrics) = 0;
};

// Seed of run `run` of an ensemble with master seed `seed`: independent of thread count.
std::uint64_t run_seed(std::uint64_t seed, std::uint64_t run);

// One run. Construct once, reset() per run; run() steps from start to end.
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
  void apply_events(int n);
  void derive(int n);
  void decide(int n);
  void update();
  void check_finite(int n) const;
  double logistic_noise();

  const Model& m_;
  const MetricLayout& L_;
  std::vector<double> x_;        // metrics; stock and alignment entries are the state
  std::vector<double> rs_;       // soft receptivity N*N
  std::vector<double> rh_;       // hard receptivity per capability 4*N*N
  std::vector<double> util_;     // K*(N-1) utilities of one actor
  std::vector<double> gpow_;     // K*N*N stock^gamma for threat
  std::vector<int> top_threat_;  // N
  std::array<std::uint64_t, 4> rng_{};
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
