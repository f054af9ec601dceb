// What-if toolkit: parameter sweeps (full grids or Latin hypercubes over any numeric
// key by dotted path) and Morris elementary-effects screening of the free parameters a
// scenario's [calibration] declares. Pure functions over RunPlans, or over a resolved
// Document (sweep_toml.hpp), read once into the same RunPlans: every point is the base
// Scenario with the parameters set through typed handles (Parameter: no TOML per point),
// validated by Model and run as an ensemble (run_ensemble) with the same master seed, so
// points differ only by their parameters (common random numbers). Results never depend
// on the thread count. docs/sweep.md has the commands and the definitions.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "smartpower/io/checkpoint.hpp"
#include "smartpower/core/parameters.hpp"
#include "smartpower/core/simulation.hpp"

namespace smartpower {

// A posterior (internal: smartpower/analysis/posterior.hpp reads one against a scenario document);
// only the document entry points (sweep_toml.hpp) take one.
struct Posterior;

// ---- Parameter ranges -------------------------------------------------------------

// One `--set PATH=LO:HI:STEP` (or PATH=LO:HI, or PATH=VALUE for a fixed value).
struct SetSpec {
  std::string text;  // as given, for messages
  std::string path;  // dotted path, e.g. "model.rho", "actors.TUR.budget"
  double lo = 0, hi = 0, step = 0;
  bool has_step = false;
  int decimals = -1;  // decimal places of LO and STEP as written (-1: not decimal)
};

// Parses PATH=LO:HI:STEP, PATH=LO:HI or PATH=VALUE. Throws InputError naming the spec
// and what was expected (missing '=', empty path, a token that is not a number,
// LO > HI, STEP <= 0).
SetSpec parse_set_spec(std::string_view text);

// check_set_spec (a spec against a scenario document): smartpower/analysis/sweep_toml.hpp.

// The values of one grid axis: LO, LO+STEP, ... up to HI (HI included when it is on
// the grid, to 1e-9 steps). Values are snapped to the decimals the spec was written
// with, so 0.1:0.5:0.1 gives exactly 0.1, 0.2, 0.3, 0.4, 0.5. LO == HI gives one value.
std::vector<double> grid_values(const SetSpec& spec);

// The cartesian product of every axis, as nested loops in the order given: the first
// spec varies slowest, the last fastest. Throws InputError if a spec lacks STEP or if
// there would be more than `max_points` points.
std::vector<std::vector<double>> grid_points(const std::vector<SetSpec>& specs, std::size_t max_points = 1'000'000);

// A Latin hypercube of n points in [0, 1)^dims: in every dimension each of the n
// strata [s/n, (s+1)/n) holds exactly one point. Seeded from a fixed splitmix64 stream,
// so the design is identical on every platform and standard library.
std::vector<std::vector<double>> latin_hypercube(std::size_t n, std::size_t dims, std::uint64_t seed);

// latin_hypercube mapped linearly onto each spec's [LO, HI] (STEP is ignored).
std::vector<std::vector<double>> lhs_points(const std::vector<SetSpec>& specs, std::size_t n, std::uint64_t seed,
                                            std::size_t max_points = 1'000'000);

// ---- Outcomes -----------------------------------------------------------------------

// A final-instant outcome: a metric selector ("balance[KAZ]", "dependence[KAZ,RUS]",
// "effort[KAZ,TUR,*]": '*' sums over partners or levers) and the flat metric indices
// it sums.
struct Outcome {
  std::string name;
  std::vector<std::size_t> indices;
};

// Resolves a selector against a model's actors and levers; InputError on a bad one
// (with the closest metric, actor or lever name).
Outcome resolve_outcome(std::string_view selector, const Model& model);
// balance[i] of every actor, then dependence, alignment and threat [i,j] of every
// ordered pair i != j.
std::vector<Outcome> default_sweep_outcomes(const Model& model);
// balance[i] of every actor, then dependence[first actor, j] of every partner.
std::vector<Outcome> default_morris_outcomes(const Model& model);

// ---- Evaluating points ----------------------------------------------------------------

struct SweepOptions {
  int runs = 1;                        // noisy runs per point
  std::optional<std::uint64_t> seed;   // master seed of every point (default: each point's [scenario] seed)
  int threads = 1;                     // results do not depend on it
  std::vector<std::string> outputs;    // outcome selectors (empty: the command's default set)
  std::function<void(long long done, long long total)> progress;  // runs done, on the calling thread
  const std::atomic<bool>* stop = nullptr;                        // throws Interrupted when set
  // Each finished point is appended to `checkpoint` (if set). With `resume`, points in it
  // are taken from it (exact values) and only the rest run: the final result is
  // byte-identical to an uninterrupted sweep. The checkpoint's header carries hashes of
  // the resolved scenario (lens included), the points, paths, outcomes, runs and seed: a
  // checkpoint of a different sweep is refused (InputError naming what differs), and so
  // is a file that is not a smartpower sweep checkpoint, one in use by another process,
  // and one that is any of `inputs` (by device and inode). The checkpoint is never
  // deleted here: the caller removes it with remove_checkpoint(result.checkpoint, "sweep")
  // once the results are safely written.
  std::string checkpoint;
  bool resume = false;
  std::vector<std::string> inputs;  // files that must never be the checkpoint (scenario, extends chain)
  // Parameter uncertainty (posterior.hpp): run r of every point takes the particle drawn
  // for run r from (seed, r mod draws), then the point's own values on top (a swept path
  // that is also a posterior column keeps the point's value). draws = 0: one per run.
  const Posterior* posterior = nullptr;
  int draws = 0;
};

struct OutcomeStats {
  double mean = 0, q05 = 0, q95 = 0;  // over runs (all equal with one run)
};

struct SweepRow {
  std::size_t point = 0;
  std::vector<double> values;          // one per parameter
  std::vector<OutcomeStats> outcomes;  // one per outcome
};

struct SweepResult {
  std::vector<std::string> parameters;  // dotted paths
  std::vector<std::string> outcomes;    // selectors
  int runs = 1;
  std::uint64_t seed = 0;
  std::vector<SweepRow> rows;
  CheckpointRef checkpoint;  // the checkpoint this sweep wrote (invalid if none)
  std::string uncertainty;   // what q05..q95 include (uncertainty_label)
};

// The typed sweep: run plan i is plans.scenario(i), the base with its values set through
// Parameter handles (no TOML per point), validated by Model and run with the same master
// seed. For the same paths and values it gives run_sweep's numbers above, to the bit.
// Keeps no checkpoint (options.checkpoint must be empty).
SweepResult run_sweep(const RunPlans& plans, const SweepOptions& options);

// One tidy CSV row per point: point, every parameter (its path as column name), then
// per outcome its mean (column named by the selector) and, with runs > 1, NAME.q05 and
// NAME.q95. Numbers are shortest round-trip text; names with ',' are quoted (RFC 4180).
void write_sweep_csv(std::ostream& out, const SweepResult& result);

// ---- Morris elementary effects (Morris 1991; mu* of Campolongo et al. 2007) -------------

struct MorrisDesign {
  int factors = 0, trajectories = 0, levels = 4;
  double delta = 0;  // levels / (2 (levels - 1)), in unit coordinates
  // trajectories * (factors + 1) rows of unit coordinates on the grid {0, 1/(p-1), ..., 1};
  // row t*(k+1)+m+1 differs from row t*(k+1)+m in factor changed[t*(k+1)+m+1] only, by +-delta.
  std::vector<std::vector<double>> unit;
  std::vector<int> changed;  // per row; -1 for the first row of a trajectory
};

// Random one-at-a-time trajectories on a `levels`-level grid (levels even, >= 2).
// With candidates > trajectories, that many are drawn and the `trajectories` most
// spread out are kept (Campolongo et al. 2007's design, chosen greedily). Seeded.
MorrisDesign morris_design(int factors, int trajectories, int levels, std::uint64_t seed, int candidates = 0);

struct MorrisEffect {
  double mu_star = 0;  // mean |EE|: overall influence
  double mu = 0;       // mean EE: sign of a monotone effect
  double sigma = 0;    // sd of EE (n - 1): non-linearity or interactions
};

// Elementary effects EE = (y_after - y_before) / (u_after - u_before), in outcome units
// per whole parameter range, from `y` (design rows x outcomes). Returns
// [outcome][factor].
std::vector<std::vector<MorrisEffect>> morris_effects(const MorrisDesign& design,
                                                      const std::vector<std::vector<double>>& y);

// Unit coordinate -> parameter value (log scale when p.log); 0 and 1 give lo and hi exactly.
double parameter_value(const CalibrationParameter& p, double unit);

struct MorrisOptions {
  int trajectories = 10;
  int levels = 4;
  int candidates = 0;                  // > trajectories: Campolongo's spread-out selection
  int runs = 1;                        // noisy runs per design point (their mean is the outcome)
  std::optional<std::uint64_t> seed;   // design and runs (default: [scenario] seed)
  int threads = 1;
  std::vector<std::string> outputs;    // outcome selectors (empty: default_morris_outcomes)
  std::function<void(long long done, long long total)> progress;
  const std::atomic<bool>* stop = nullptr;
  // Screening within a posterior (posterior.hpp): a factor that is a posterior column
  // moves over the posterior's marginal instead of its prior range (unit coordinate u ->
  // the weighted u-quantile of the particles: 0 the smallest, 1 the largest), and run r
  // of every design point takes the particle drawn for run r for the posterior's other
  // columns. Effects are then per whole posterior range.
  const Posterior* posterior = nullptr;
  int draws = 0;
};

struct MorrisResult {
  std::vector<CalibrationParameter> parameters;
  std::vector<std::string> outcomes;
  MorrisDesign design;
  std::uint64_t seed = 0;
  int runs = 1;
  std::vector<std::vector<MorrisEffect>> effects;  // [outcome][parameter]
  std::vector<bool> on_posterior;  // per parameter: moved over the posterior's marginal (lo, hi = its min, max)
  std::string uncertainty;         // what the runs include (uncertainty_label)
};

// run_sweep and run_morris over a scenario document: smartpower/analysis/sweep_toml.hpp.

// Parameter indices of one outcome ranked by mu* (largest first; ties keep file order).
std::vector<std::size_t> rank_by_mu_star(const std::vector<MorrisEffect>& effects);

// outcome,rank,parameter,lo,hi,log,mu_star,mu,sigma: one row per (outcome, parameter),
// ranked by mu* within each outcome.
void write_morris_csv(std::ostream& out, const MorrisResult& result);

}  // namespace smartpower
