// Internal: the numeric fields of the scenario structs, each with its registry key
// (smartpower/core/keys.hpp): read by the TOML reader, checked by validate(), and set by
// Parameter handles (smartpower/core/parameters.hpp), from one table per struct.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "smartpower/core/keys.hpp"
#include "smartpower/core/scenario.hpp"

namespace smartpower::detail {

// The numeric fields read from a table of the registry's keys (smartpower/core/keys.hpp),
// which gives each its name, default and range.
template <class Struct>
struct NumberField {
  const Key& key;
  double Struct::*field;
};

inline const std::vector<NumberField<ModelParams>>& model_fields() {
  static const std::vector<NumberField<ModelParams>> fields = {
      {scenario_key("model.rho"), &ModelParams::rho},
      {scenario_key("model.alpha"), &ModelParams::alpha},
      {scenario_key("model.identity_share"), &ModelParams::identity_share},
      {scenario_key("model.soft_floor"), &ModelParams::soft_floor},
      {scenario_key("model.affinity_exponent"), &ModelParams::affinity_exponent},
      {scenario_key("model.need_exponent"), &ModelParams::need_exponent},
      {scenario_key("model.proximity_floor"), &ModelParams::proximity_floor},
      {scenario_key("model.threat_base"), &ModelParams::threat_base},
      {scenario_key("model.threat_soft_damping"), &ModelParams::threat_soft_damping},
      {scenario_key("model.threat_affinity_damping"), &ModelParams::threat_affinity_damping},
      {scenario_key("model.alignment_rate"), &ModelParams::alignment_rate},
      {scenario_key("model.alignment_bias"), &ModelParams::alignment_bias},
      {scenario_key("model.w_identity"), &ModelParams::w_identity},
      {scenario_key("model.w_exchange"), &ModelParams::w_exchange},
      {scenario_key("model.w_interdependence"), &ModelParams::w_interdependence},
      {scenario_key("model.w_threat"), &ModelParams::w_threat},
      {scenario_key("model.w_counter"), &ModelParams::w_counter},
      {scenario_key("model.noise"), &ModelParams::noise},
  };
  return fields;
}

inline const std::vector<NumberField<Lever>>& lever_fields() {
  static const std::vector<NumberField<Lever>> fields = {
      {scenario_key("levers.<id>.weight"), &Lever::weight},
      {scenario_key("levers.<id>.decay"), &Lever::decay},
      {scenario_key("levers.<id>.returns"), &Lever::returns},
      {scenario_key("levers.<id>.reciprocity"), &Lever::reciprocity},
      {scenario_key("levers.<id>.threat"), &Lever::threat},
      {scenario_key("levers.<id>.unit_scale"), &Lever::unit_scale},
      {scenario_key("levers.<id>.flow_scale"), &Lever::flow_scale},
      {scenario_key("levers.<id>.mass_exponent"), &Lever::mass_exponent},
      {scenario_key("levers.<id>.mass_scale"), &Lever::mass_scale},
      {scenario_key("levers.<id>.mass_asymmetry"), &Lever::mass_asymmetry},
      {scenario_key("levers.<id>.distance_exponent"), &Lever::distance_exponent},
      {scenario_key("levers.<id>.opening"), &Lever::opening},
      {scenario_key("levers.<id>.price_exponent"), &Lever::price_exponent},
  };
  return fields;
}

inline const std::vector<NumberField<Strategy>>& strategy_fields() {
  static const std::vector<NumberField<Strategy>> fields = {
      {scenario_key("actors.<id>.strategy.diversify"), &Strategy::diversify},
      {scenario_key("actors.<id>.strategy.counter_threat"), &Strategy::counter_threat},
      {scenario_key("actors.<id>.strategy.affinity"), &Strategy::affinity},
      {scenario_key("actors.<id>.strategy.smart_mix"), &Strategy::smart_mix},
      {scenario_key("actors.<id>.strategy.sphere"), &Strategy::sphere},
      {scenario_key("actors.<id>.strategy.expansion"), &Strategy::expansion},
  };
  return fields;
}

// The rules of [scenario] across keys (end after start, dt within the horizon, a whole
// number of steps within the limit), written once for the TOML reader (which points at the
// key's line) and validate(): the first broken one as (key, message), or none.
std::optional<std::pair<const char*, std::string>> horizon_problem(const ScenarioInfo& info, const Limits& limits);

}  // namespace smartpower::detail
