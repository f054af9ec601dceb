// Internal: claims on a resolved TOML document (what `smartpower claims` does with a
// file, and what a posterior needs: each particle is a patch of the document), and the
// plan calibration evaluates many times. The typed API is evaluate_claims(Scenario) in
// smartpower/analysis/claims.hpp.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include <toml++/toml.h>

#include "smartpower/analysis/claims.hpp"
#include "smartpower/core/parameters.hpp"
#include "smartpower/io/document.hpp"

namespace smartpower {

// Runs the scenario document (already resolved) and every variant the claims need with
// common random numbers, and evaluates every claim.
ClaimReport evaluate_claims(const toml::table& scenario, const ClaimSet& claims, const ClaimOptions& options);

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

}  // namespace smartpower
