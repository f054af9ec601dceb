// Pattern-oriented checks: the article's claims as machine checks on model output
// (scenarios/claims.toml), evaluated on a Scenario over one run or a noisy ensemble, and
// the calibration objective built from them (calibration.hpp, abc.hpp).
//
//   smartpower::ClaimSet claims = smartpower::load_claims("scenarios/claims.toml");
//   smartpower::ClaimOptions options;
//   options.runs = 24;
//   smartpower::ClaimReport report = smartpower::evaluate_claims(scenario, claims, options);
//
// The same on a scenario document (what `smartpower claims` does with a file) and the
// plan calibration evaluates many times: smartpower/analysis/claims_toml.hpp (internal).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "smartpower/core/error.hpp"
#include "smartpower/core/scenario.hpp"

namespace smartpower {

enum class CheckKind { range, trend, monotone, compare, counterfactual, data, interior_mix };

// A metric selector such as "dependence[KAZ,RUS]", "volume[KAZ,TUR,trade]" or
// "effort[KAZ,TUR,*]" ("*" sums over partners or levers), read in a variant.
struct Operand {
  std::string selector;
  std::string variant;  // "" = the scenario itself
};

struct Check {
  CheckKind kind = CheckKind::range;
  SourcePos pos;
  Operand a;  // metric / left / baseline side
  Operand b;  // right / variant side (compare, counterfactual)
  // Times: `at` (one instant) or `over` (every recorded instant in [t0, t1]); trend
  // uses from/to; monotone and data use explicit times.
  std::vector<double> times;
  bool window = false;
  double t0 = 0, t1 = 0;
  double lo = -std::numeric_limits<double>::infinity();  // range: min
  double hi = std::numeric_limits<double>::infinity();   // range: max
  bool greater = true;     // compare: a > b; trend/monotone: rises; counterfactual: raises
  double min_change = 0;   // trend/monotone: required relative change
  std::vector<double> observed;  // data
  double tolerance = 0.1;        // data: relative
  double average = 0;            // data: average each point over [year, year + average); range: over consecutive windows of [t0, t1]
  bool log_error = false;        // data: error = |ln(model / observed)| instead of relative
  // data: `per` divides the metric by this selector (same variant, same instants), e.g. a
  // partner's share of the sum over partners; kept in b.selector ("" = none).
  std::string describe;          // human-readable form for reports
};

struct Claim {
  std::string id, name, text, section;
  double share = -1;  // share of runs that must pass (-1: the file's default)
  // `on = "mean"`: the claim is evaluated once, on the ensemble mean of every value its
  // checks read (the model's expected path), instead of run by run; the share of runs in
  // which it holds is still measured and reported (`pass_share`).
  bool on_mean = false;
  std::vector<Check> checks;
};

// A claim variant's patch of the scenario, applied like an extending file (values,
// tables, [overrides], remove_actors); read from the claims file's [variants.NAME].
struct ScenarioPatch;

struct ClaimSet {
  std::string path;
  double share = 0.9;          // [settings] share
  double target_margin = 0.02; // [settings] margin: calibration asks every claim for this
  // [settings] data_margin: what calibration asks of data checks, whose margin is
  // (tolerance - error) / tolerance: 0.5 aims at errors within half the tolerance, so
  // noisy runs still land inside it.
  double data_margin = 0.5;
  std::vector<Claim> claims;
  // Variant patches by name, applied to the scenario like an extending file.
  std::map<std::string, std::shared_ptr<const ScenarioPatch>> variants;
  std::map<std::string, std::string> variant_descriptions;
};

ClaimSet load_claims(const std::string& path);
// The same from text already in memory (`path` names it in messages); for tests and fuzzing.
ClaimSet load_claims_from_string(std::string_view text, const std::string& path);

struct Posterior;

struct ClaimOptions {
  int runs = 1;
  std::uint64_t seed = 0;  // 0: the scenario's seed
  int threads = 1;
  bool noise = true;       // false: model.noise = 0 (smooth calibration objective)
  // The objective counts each claim's shortfall this many times against the data misfit
  // (1: the plain objective; calibrate --method abc --claims-weight).
  double shortfall_weight = 1.0;
  const std::atomic<bool>* stop = nullptr;
  // Parameter uncertainty (posterior.hpp): run r of the scenario and of every variant
  // uses the particle drawn for run r (the particle first, then the variant's patch).
  const Posterior* posterior = nullptr;
  int draws = 0;
};

struct CheckOutcome {
  double margin = 0;       // relative margin in run 0 (>= 0 passes)
  std::string measured;    // values seen in run 0, for the report
};

struct ClaimOutcome {
  // The claim itself (shared, so a report outlives the ClaimSet it came from).
  std::shared_ptr<const Claim> claim;
  bool pass = false;
  double pass_share = 0;     // share of runs in which every check held
  double required_share = 0;
  // on the mean (Claim::on_mean): pass, margin and shortfall are those of the ensemble
  // mean; pass_share stays the share of runs, for information.
  bool on_mean = false;
  double margin = 0;         // median over runs of the claim's smallest check margin
  double shortfall = 0;      // mean over runs of max(0, target - margin): the objective term
  std::vector<CheckOutcome> checks;  // run 0, or the ensemble mean (on_mean)
};

struct ClaimReport {
  std::vector<ClaimOutcome> claims;
  double objective = 0;  // sum of shortfalls plus data misfit
  int passed() const;
};

// Runs the scenario and every variant the claims need with common random numbers, and
// evaluates every claim. The scenario is validated first (InputError, the reader's
// messages); a variant or a check it cannot hold is an InputError naming the claim or the
// variant. Gives the numbers `smartpower claims` gives for the scenario's file.
ClaimReport evaluate_claims(const Scenario& scenario, const ClaimSet& claims, const ClaimOptions& options);

const char* to_string(CheckKind k);

}  // namespace smartpower
