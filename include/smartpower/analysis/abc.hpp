// Posterior calibration: approximate Bayesian computation by sequential Monte Carlo
// (ABC-SMC, the adaptive SMC sampler with MCMC moves of Del Moral, Doucet & Jasra 2012,
// Stat. Comput. 22(5)). Each generation the tolerance becomes the alpha-quantile of the
// particles' distances, those above it drop out, the survivors are resampled back to N
// and each makes Metropolis-Hastings random-walk moves (covariance 2.38^2/d times the
// population's) that stay inside the prior box and within the tolerance. The weights stay
// equal, so the effective sample size stays N in any dimension (importance weights over a
// kernel mixture, Beaumont et al. 2009, degenerate to one particle in 27 dimensions).
//
// Instead of one point that fits (calibration.hpp), it samples the set of parameter
// values consistent with the claims and data: an equally weighted population of particles whose
// distance (the point fit's objective: claims' margin shortfalls plus data misfit, over
// noisy runs) is within a tolerance that shrinks from one generation to the next. By
// default every proposal is scored on the same runs (common random numbers, as the point
// fit: the distance is a deterministic function of the parameters); with `own_noise` each
// proposal is simulated with noise of its own (seed, generation, move, particle), the ABC
// posterior of a stochastic model, which degenerates once the tolerance falls below the
// distance's noise (docs/calibration.md).
//
// The same on a scenario file and its [calibration] box (what `smartpower calibrate
// --method abc` does): smartpower/analysis/abc_toml.hpp (internal).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "smartpower/analysis/calibration.hpp"
#include "smartpower/analysis/claims.hpp"
#include "smartpower/core/scenario.hpp"
#include "smartpower/io/checkpoint.hpp"

namespace smartpower {

struct AbcProgress {
  int generation = 0;
  double tolerance = 0;      // this generation's (infinite in generation 0)
  int accepted = 0;          // MH moves accepted so far in this generation (generation 0: N)
  int particles = 0;         // proposals this generation makes (N, or N x moves)
  long long proposals = 0;   // proposals made so far in this generation
  long long evaluations = 0; // distance evaluations in all (parameter sets)
  long long simulations = 0; // model runs in all
  double seconds = 0;
  bool generation_done = false;
};

struct AbcOptions {
  int particles = 500;       // per generation (>= 2)
  int generations = 8;       // generation 0 (the prior) included
  // Budget of model runs (0 = none). One distance evaluation is `runs` runs of the
  // scenario and of every claims variant. Checked before each batch of proposals: a
  // generation the budget cuts short is dropped and the previous one is the result.
  long long simulations = 0;
  double alpha = 0.5;        // next tolerance = alpha-quantile of this generation's distances
  int moves = 5;             // Metropolis-Hastings moves of every particle per generation (docs/calibration.md: 5 spreads the resampled duplicates)
  // Stop after a generation whose MH acceptance rate falls below this.
  double min_acceptance = 0.01;
  // The tolerance never falls below this (0 = no floor): the generation that reaches it
  // runs at it and is the last. Set it to the distance a correct model has from noisy data
  // (docs/calibration.md, "Coverage over many truths"): below it the posterior fits the
  // data's own noise and its intervals are too narrow.
  double min_tolerance = 0;
  // Generations that stay at --min-tolerance after the first that reaches it (0: that one
  // is the last). Each makes `moves` MH moves from a covariance re-estimated on the
  // population; nothing drops out, since every particle is within the tolerance. They
  // spread the duplicates resampling left (more distinct particles); on the flagship 12 of
  // them did not move the marginals (docs/calibration.md, "Do two runs agree?").
  int settle = 0;
  int runs = 4;              // noisy runs per distance evaluation
  // false: every proposal on the same runs (master seed `seed`); true: each proposal's
  // runs from a master seed of its own (seed, generation, move, particle).
  bool own_noise = false;
  // The distance is the point fit's objective with the claims' and checks' shortfalls
  // multiplied by this: sum_c w * shortfall_c + data misfit (1: the objective itself;
  // above 1 the claims count as constraints the data misfit cannot buy off).
  double claims_weight = 1.0;
  int threads = 1;
  std::uint64_t seed = 1;
  // After each generation its particles are appended to `checkpoint` (if set). With
  // `resume`, the generations in it are read back and the sampler goes on from the last:
  // every random number derives from (seed, generation, move, particle index), so
  // the result is byte-identical to an uninterrupted run. Same safety rules as the
  // point calibration's checkpoint (checkpoint.hpp); never deleted here.
  std::string checkpoint;
  bool resume = false;
  std::vector<std::string> inputs;  // further files that must never be the checkpoint
  const std::atomic<bool>* stop = nullptr;
  std::function<void(const AbcProgress&)> progress;  // called on the calling thread
};

struct AbcParticle {
  std::vector<double> values;  // one per parameter, in the scenario's units
  double weight = 0;           // normalised: the population's weights sum to 1 (all 1/N)
  double distance = 0;
};

struct AbcGeneration {
  double tolerance = 0;
  long long proposals = 0;  // MH proposals (N x moves; generation 0: the N prior draws)
  int accepted = 0;         // MH proposals accepted (generation 0: N)
  double acceptance() const { return proposals ? static_cast<double>(accepted) / static_cast<double>(proposals) : 0; }
};

struct AbcResult {
  std::vector<CalibrationParameter> parameters;
  std::vector<AbcParticle> particles;       // the last complete generation
  std::vector<AbcGeneration> generations;   // every complete generation, from 0
  long long evaluations = 0;                // distance evaluations (abandoned generation included)
  long long simulations = 0;                // model runs (evaluations x runs x models)
  int models = 1;                           // the scenario and the claims variants it runs
  int replayed_generations = 0;             // read from the checkpoint
  double seconds = 0;                       // wall clock of this process (not of replayed work)
  long long computed_simulations = 0;       // model runs this process computed
  std::string stopped;                      // why sampling ended, in words
  CheckpointRef checkpoint;
  // The particle with the smallest distance (first in index order among equals).
  std::size_t best() const;
  // Distinct parameter sets in the final population (resampling duplicates survivors
  // until a move separates them; far below N, the sample is poorly mixed).
  std::size_t distinct() const;
  // Effective sample size of the final population, (sum w)^2 / sum w^2 (N when equal).
  double ess() const;
};

// ABC-SMC over `parameters` of the scenario (each a number by its key path, with its
// box, checked as calibrate() checks them), uniform priors on their bounds (uniform in the
// logarithm where `log = true`). Throws InputError on bad options or an invalid scenario
// or box, Interrupted when `stop` is set (the checkpoint keeps every complete generation).
AbcResult calibrate_abc(const Scenario& scenario, const std::vector<CalibrationParameter>& parameters,
                        const ClaimSet& claims, const AbcOptions& options);

// Per parameter: prior bounds, posterior mean and 5/50/95 % weighted quantiles, and the
// shrinkage: the 90 % interval's width over the prior's (on the log scale for log
// parameters), 1 = the data say nothing about it.
struct PosteriorSummary {
  std::string path;
  double lo = 0, hi = 0;
  bool log = false;
  double mean = 0, q05 = 0, q50 = 0, q95 = 0;
  double width_ratio = 1;
};
std::vector<PosteriorSummary> summarize_posterior(const AbcResult& result);

// Weighted quantile of values (weights need not be normalised): the smallest value whose
// cumulative weight reaches q of the total.
double weighted_quantile(std::vector<std::pair<double, double>> value_weight, double q);

// The posterior as CSV: header `weight,distance,<path>...`, one row per particle, numbers
// in shortest round-trip form. Written whole or not at all (write_atomically).
void write_posterior(const std::string& path, const AbcResult& result, const std::vector<std::string>& inputs = {});

// The best particle as a CalibrationResult, claims evaluated on the scenario with its
// values (`claims_options`): a point that `calibrate` can start from.
CalibrationResult best_particle(const Scenario& scenario, const ClaimSet& claims, const AbcResult& result,
                                const ClaimOptions& claims_options);

}  // namespace smartpower
