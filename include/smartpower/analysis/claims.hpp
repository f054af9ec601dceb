// Pattern-oriented checks: the article's claims as machine checks on model output
// (scenarios/claims.toml), evaluated over one run or a noisy ensemble, and the
// calibration objective built from them.
#pragma once

#include <atomic>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "smartpower/core/error.hpp"

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
  std::map<std::string, std::shared_ptr<toml::table>> variants;
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

// Runs the scenario document (already resolved) and every variant the claims need with
// common random numbers, and evaluates every claim.
ClaimReport evaluate_claims(const toml::table& scenario, const ClaimSet& claims, const ClaimOptions& options);

struct CalibrationParameter;

// The claims planned once against a scenario, for many evaluations (calibration): every
// variant the checks read, compiled once to a typed Scenario, and the probes each check
// reads. An evaluation sets the free parameters on copies of those Scenarios through typed
// handles (smartpower/core/parameters.hpp) and runs them, with no TOML tree per
// evaluation. A variant that sets a free parameter itself keeps its own value, as when
// its patch is applied after the parameters to the document.
class ClaimPlan {
 public:
  // Throws InputError as evaluate_claims does for a variant or a check. `claims` must
  // outlive the plan. `noise` is ClaimOptions::noise (which evaluate() then ignores).
  ClaimPlan(const toml::table& scenario, const ClaimSet& claims,
            const std::vector<CalibrationParameter>& parameters = {}, bool noise = true);
  ~ClaimPlan();
  ClaimPlan(const ClaimPlan&) = delete;
  ClaimPlan& operator=(const ClaimPlan&) = delete;

  // The report of evaluate_claims on the scenario with the parameters set to `values` (one
  // per parameter, none for the scenario as it is), number for number; InputError where
  // those values make a variant invalid. Values and options.posterior together are
  // refused (std::invalid_argument). Safe to call from several threads at once.
  ClaimReport evaluate(std::span<const double> values, const ClaimOptions& options) const;
  // Models one evaluation runs: the scenario and every variant a check reads.
  int models() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

const char* to_string(CheckKind k);

}  // namespace smartpower
