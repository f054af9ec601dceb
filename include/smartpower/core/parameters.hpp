// Typed parameter handles over the key registry: a number of a Scenario named by its
// dotted key path ("model.rho", "actors.TUR.budget", "relations.KAZ.RUS.stocks.trade"),
// resolved and checked once against the registry and the scenario's ids, then read and
// set directly on Scenario values, with no TOML text per point. RunPlans is a sweep as
// data, one row of values per run, in the spirit of FLAME GPU 2's RunPlanVector.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "smartpower/core/keys.hpp"
#include "smartpower/core/scenario.hpp"

namespace smartpower {

// One number of a scenario. Array entries (levers, actors, events, moves) are addressed
// by their id, events and moves also by a 0-based index, as in [overrides]. A symmetric
// relation (border, distance) is set on both sides.
class Parameter {
 public:
  // Throws InputError naming the path: not a key of the registry (with the closest one),
  // a key that is not a number (a string, a flag), or an id the scenario does not have.
  Parameter(const Scenario& scenario, std::string_view path);

  const std::string& path() const { return path_; }
  const Key& key() const { return *key_; }
  double get(const Scenario& scenario) const;
  // Throws InputError when `value` is outside the key's range ("'actors.TUR.budget' =
  // -1 is out of range: expected a number in [0, 1e+12]"); rules across keys (decay *
  // dt <= 1, ...) are validate()'s, which Model runs.
  void set(Scenario& scenario, double value) const;

 private:
  enum class Kind;
  std::string path_;
  const Key* key_ = nullptr;
  Kind kind_;
  int a_ = -1, b_ = -1, c_ = -1;  // indices the path resolved to (actor, partner, lever, ...)
  double& ref(Scenario& scenario) const;
  // The symmetric dyad table a kind names (set on both sides); null for other kinds.
  static std::vector<double> Scenario::*symmetric_table(Kind kind);
};

// A sweep as data: a base scenario, the parameters it varies, and one row of values per
// run plan. Each scenario(i) is the base with row i's values set.
class RunPlans {
 public:
  RunPlans(Scenario base, const std::vector<std::string>& paths);

  const Scenario& base() const { return base_; }
  const std::vector<Parameter>& parameters() const { return params_; }
  std::size_t size() const { return rows_.size(); }
  const std::vector<double>& values(std::size_t i) const { return rows_.at(i); }
  const std::vector<std::vector<double>>& rows() const { return rows_; }

  // Appends one plan: one value per parameter, range-checked now (InputError).
  RunPlans& add(const std::vector<double>& values);
  // Appends `count` plans with parameter `path` evenly spaced from lo to hi (both
  // included) and every other parameter at its base value (RunPlanVector's
  // setPropertyLerpRange).
  RunPlans& add_range(std::string_view path, double lo, double hi, int count);
  // The base with plan i's values set.
  Scenario scenario(std::size_t i) const;

 private:
  Scenario base_;
  std::vector<Parameter> params_;
  std::vector<std::vector<double>> rows_;
};

// A free parameter of calibration and screening, with its box:
// [[calibration.parameters]] path = "levers.trade.weight", lo = 0.2, hi = 3.0, log = false
struct CalibrationParameter {
  std::string path;
  double lo = 0, hi = 1;
  double start = 0;  // the value in the scenario
  bool log = false;  // search on a log scale (positive bounds)
  // The search space is the unit cube: u = (v - lo) / (hi - lo), or the same on
  // logarithms for a log parameter; from_unit clamps u to [0, 1].
  double to_unit(double v) const;
  double from_unit(double u) const;
};

}  // namespace smartpower
