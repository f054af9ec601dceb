// What-if analysis: a base scenario against a what-if with common random numbers,
// paired changes with intervals, a Shapley attribution of every change to the moves
// and events the what-if adds, and plain sentences a student can read.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "smartpower/core/ensemble.hpp"

namespace smartpower {

// A posterior (internal: smartpower/analysis/posterior.hpp reads one against a scenario document);
// only the document entry points (compare_toml.hpp) take one.
struct Posterior;

struct CompareOptions {
  int runs = 100;
  std::uint64_t seed = 0;  // 0: the base scenario's seed
  int threads = 1;
  std::string focus;         // actor the sentences are about ("" = the first actor)
  int max_exact_causes = 6;  // exact Shapley up to this many causes, then one-at-a-time
  const std::atomic<bool>* stop = nullptr;
  std::function<void(int, int)> progress;  // ensembles done, total
  // Parameter uncertainty (posterior.hpp): run r of every ensemble, on both sides, uses
  // the particle drawn for run r (draws = 0: one draw per run, else r mod draws).
  const Posterior* posterior = nullptr;
  int draws = 0;
};

// A move or event present in the what-if and not in the base.
struct Cause {
  std::string kind;  // "move" or "event"
  std::string label, source;
  std::string actor, target, lever;  // "*" for all
  int index = -1;                    // in the what-if scenario's moves or events
};

// One outcome (metric, actor, partner) in both scenarios at the comparison time.
struct Change {
  Metric metric = Metric::balance;
  std::string actor, partner;       // partner "" for actor metrics
  Stats base, whatif, diff;         // diff: paired what-if minus base, over runs
  double same_sign = 0;             // share of runs whose difference has the sign of the mean
  std::vector<double> attribution;  // per cause (then "other differences" last), sums to diff.mean
};

// One [[expect]] of the what-if (a sign from IR theory) against the paired change at the
// comparison time. A report, not a claim: compare does not fail when it is not met.
struct ExpectationResult {
  std::string metric;  // the outcome selector, e.g. "dependence[KAZ,RUS]"
  bool raises = true;  // expected effect: raises (true) or lowers
  double at = 0;       // the year the file names
  std::string reason;
  bool evaluated = false;  // false: `at` is not the comparison time (diff and same_sign unset)
  Stats diff;              // paired what-if minus base over runs; q05/q95 = the 95 % interval
  double same_sign = 0;    // share of runs whose difference has the expected sign
  // "as expected (clear)": mean of the expected sign and the 95 % interval excludes 0;
  // "as expected (within noise)": mean of the expected sign, interval includes 0;
  // "opposite": mean of the other sign; "no effect": mean exactly 0;
  // "not evaluated": see `evaluated`.
  std::string verdict;
  bool as_expected() const { return verdict.rfind("as expected", 0) == 0; }
};

struct Comparison {
  std::string base_name, whatif_name;
  double time = 0;             // comparison time (the what-if's end)
  bool base_extended = false;  // the base was run on to the what-if's end
  int runs = 0;
  std::uint64_t seed = 0;
  std::vector<Cause> causes;
  bool exact_shapley = true;
  std::vector<Change> changes;  // sorted: largest relative change first
  std::vector<std::string> sentences;
  std::vector<ExpectationResult> expectations;  // the what-if's [[expect]], in file order
  std::string focus;
  std::string uncertainty = "decision noise only";  // what the intervals include
  std::string posterior_file;                       // "" without a posterior
  int draws = 0;                                    // distinct posterior draws
  // Full ensembles, for reports that draw time series (with a posterior: finals only, no
  // per-instant mean/sd).
  std::shared_ptr<const Model> base_model, whatif_model;
  EnsembleResult base, whatif;
};

// The comparison of a what-if with its base, both Scenario values (read from files, built or edited in code): the base runs
// on (or stops) at the what-if's end; both are validated (InputError). Without documents
// there is no posterior: options.posterior must be null.
Comparison compare_scenarios(const Scenario& base, const Scenario& whatif, const CompareOptions& options);

// Of two scenario documents (with a posterior: each particle patches them) and as
// compare.json: smartpower/analysis/compare_toml.hpp (internal).

}  // namespace smartpower
