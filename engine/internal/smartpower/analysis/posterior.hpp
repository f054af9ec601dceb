// Parameter uncertainty from a posterior (calibrate --method abc --out posterior.csv):
// each run of an ensemble takes one weighted particle, drawn reproducibly from the master
// seed and the run index alone, so run r uses the same particle whatever the thread or
// rank count and on both sides of a compare. Runs are grouped by particle; each group
// runs with its own Model but the runs' original indices (so their noise streams are
// those of a plain ensemble), and the per-run finals are merged back in run order.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "smartpower/core/ensemble.hpp"

namespace smartpower {

struct Posterior {
  std::string file;
  std::vector<std::string> paths;  // dotted parameter paths (the columns after weight, distance)
  std::vector<double> weights;     // per particle (>= 0, sum > 0)
  std::vector<double> values;      // particles x paths
  int size() const { return static_cast<int>(weights.size()); }
  double value(int particle, std::size_t path) const { return values[static_cast<std::size_t>(particle) * paths.size() + path]; }
};

// Reads a posterior CSV (header `weight,distance,<path>...`, one row per particle).
// Throws InputError with file:line for an empty file, a bad header, a path `scenario`
// does not hold as a number, a malformed number, or a negative or non-finite weight.
Posterior load_posterior(const std::string& file, const toml::table& scenario);

// The particle of draw d: chosen by weight from a stream of (seed, d) alone.
int posterior_draw(const Posterior& p, std::uint64_t seed, std::uint64_t draw);
// The particle of each run 0..runs-1: run r uses draw r (draws = 0) or r mod draws.
std::vector<int> posterior_particles(const Posterior& p, std::uint64_t seed, int runs, int draws);

// The weighted q-quantile of column `path` (q = 0: the smallest value, 1: the largest).
double posterior_quantile(const Posterior& p, std::size_t path, double q);

// Sets particle k's values in a scenario document (as calibration sets parameters). A
// column the document does not hold (an actor a what-if removes) is skipped.
void apply_particle(toml::table& doc, const Posterior& p, int k);

// What the intervals include: "decision noise only" or
// "decision noise and parameters (posterior FILE, N draws)".
std::string uncertainty_label(const Posterior* p, int runs, int draws);

// Runs an ensemble in which run r uses model_of(particle_of_run[r]) and keeps the seed
// of run r: groups of runs by particle (in order of their first run), finals merged in run
// order. With one particle the result is that of run_ensemble, byte for byte. Series
// statistics are merged over groups (Chan et al., in group order). on_series is called
// once per run with the run's original index; progress counts runs over all groups.
EnsembleResult run_grouped_ensemble(const std::vector<int>& particle_of_run,
                                    const std::function<std::shared_ptr<const Model>(int)>& model_of,
                                    const EnsembleOptions& options);

// Particle k's scenario: `doc` with particle k's values set (apply_particle), built and
// checked. `doc` is patched in place: every particle sets the same paths, so one working
// copy of a document serves all particles in turn. An invalid particle is an InputError
// naming its row of the posterior file.
ValidScenario particle_scenario(const Posterior& p, toml::table& doc, int k);

// Several ensembles paired by particle (compare's base, what-if and attribution subsets):
// side s's run r uses particle particle_of_run[r] and the seed of run r, as
// run_grouped_ensemble would give each side alone, byte for byte (finals only: no series
// statistics, no per-run series). Each particle's runs are one task: run(worker, particle,
// side_run) builds that particle's model of each side and calls side_run(side, model) for
// each side, which runs the particle's runs on it on this thread, so a particle's models
// are built once, can derive from each other, and are gone before the next particle.
// Tasks run on up to options.threads threads (worker in [0, threads): state a thread
// keeps between particles) and are merged in particle order on the calling thread: the
// same bytes for any thread count, and on every MPI rank (each computes them all).
// progress(done, total) counts particles.
using SideRun = std::function<void(int side, const Model& model)>;
std::vector<EnsembleResult> run_paired_posterior(const std::vector<int>& particle_of_run, int sides,
                                                 const std::function<void(int worker, int particle, const SideRun&)>& run,
                                                 const EnsembleOptions& options);

// A posterior bound to one scenario document: builds (and keeps) one Model per particle.
class PosteriorModels {
 public:
  // `modify` (optional) is applied to each particle's Scenario before its Model is built.
  PosteriorModels(const Posterior& p, const toml::table& doc, std::function<void(Scenario&)> modify = {});
  // The models of `parent` with `modify` applied to a copy of each scenario (no rebuild).
  PosteriorModels(PosteriorModels& parent, std::function<void(Scenario&)> modify);
  std::shared_ptr<const Model> operator()(int particle);

 private:
  const Posterior& p_;
  PosteriorModels* parent_ = nullptr;
  std::shared_ptr<toml::table> doc_;
  std::function<void(Scenario&)> modify_;
  std::vector<std::shared_ptr<const Model>> models_;
};

}  // namespace smartpower
