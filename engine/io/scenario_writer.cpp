// A Scenario as a resolved document: the reverse of the TOML reader (scenario_reader.cpp),
// for the analyses that patch documents (claim variants are patches of the scenario under
// test), so that they take a Scenario built or edited in code as they take a file.
#include <cmath>
#include <cstdint>

#include "smartpower/io/document.hpp"
#include "smartpower/core/keys.hpp"
#include "core/scenario_fields.hpp"

namespace smartpower {

namespace {

toml::array points(const std::vector<std::pair<double, double>>& in) {
  toml::array out;
  for (const auto& [t, v] : in) out.push_back(toml::array{t, v});
  return out;
}

template <class Struct>
toml::table numbers(const Struct& s, const std::vector<detail::NumberField<Struct>>& fields) {
  toml::table out;
  for (const auto& f : fields) out.insert_or_assign(f.key.name(), s.*(f.field));
  return out;
}

// { name = value } over a list of names (identity dimensions, lever or actor ids).
toml::table by_name(const std::vector<std::string>& names, const std::vector<double>& values) {
  toml::table out;
  for (std::size_t i = 0; i < names.size(); ++i) out.insert_or_assign(names[i], values[i]);
  return out;
}

}  // namespace

std::shared_ptr<toml::table> scenario_document(const Scenario& scenario) {
  const ValidScenario valid(scenario);  // checked, its empty tables filled
  const Scenario& sc = valid.scenario();
  const int N = sc.n_actors(), K = sc.n_levers();
  std::vector<std::string> actor_ids, lever_ids;
  for (const Actor& a : sc.actors) actor_ids.push_back(a.id);
  for (const Lever& l : sc.levers) lever_ids.push_back(l.id);
  auto root = std::make_shared<toml::table>();

  toml::table info{{"name", sc.info.name},
                   {"description", sc.info.description},
                   {"start", sc.info.start},
                   {"end", sc.info.end},
                   {"dt", sc.info.dt},
                   {"seed", static_cast<std::int64_t>(sc.info.seed)},
                   {"price_reference", sc.info.price_reference}};
  if (!sc.info.price.empty()) info.insert("price", points(sc.info.price));
  root->insert("scenario", std::move(info));
  root->insert("model", numbers(sc.params, detail::model_fields()));

  toml::array levers;
  for (const Lever& l : sc.levers) {
    toml::table t = numbers(l, detail::lever_fields());
    t.insert("id", l.id);
    t.insert("kind", to_string(l.kind));
    t.insert("capability", to_string(l.capability));
    t.insert("unit", l.unit);
    t.insert("description", l.description);
    levers.push_back(std::move(t));
  }
  root->insert("levers", std::move(levers));

  toml::array actors;
  for (const Actor& a : sc.actors) {
    toml::table t{{"id", a.id}, {"name", a.name}, {"budget", a.budget}, {"temperature", a.temperature}, {"noise", a.noise}};
    t.insert("capabilities", toml::table{{"economy", a.capabilities.economy},
                                         {"military", a.capabilities.military},
                                         {"population", a.capabilities.population}});
    t.insert("growth", toml::table{{"economy", a.growth.economy},
                                   {"military", a.growth.military},
                                   {"population", a.growth.population},
                                   {"budget", a.budget_growth}});
    toml::table path;
    const char* names[3] = {"economy", "military", "population"};
    for (int x = 0; x < 3; ++x) {
      if (!a.path[x].empty()) path.insert(names[x], points(a.path[x]));
    }
    if (!path.empty()) t.insert("path", std::move(path));
    t.insert("strategy", numbers(a.strategy, detail::strategy_fields()));
    t.insert("identity", by_name(sc.identity_dims, a.identity));
    t.insert("lever_bias", by_name(lever_ids, a.lever_bias));
    t.insert("partner_bias", by_name(actor_ids, a.partner_bias));
    actors.push_back(std::move(t));
  }
  root->insert("actors", std::move(actors));

  // Every dyad; the symmetric values on one side only (the reader gives them to both), so
  // that a patch may set them on either side.
  toml::table relations;
  for (int i = 0; i < N; ++i) {
    toml::table of_i;
    for (int j = 0; j < N; ++j) {
      if (i == j) continue;
      const std::size_t ij = static_cast<std::size_t>(i) * N + j;
      toml::table dyad{{"alignment", sc.alignment0[ij]}};
      if (i < j) {
        dyad.insert("border", sc.border[ij]);
        dyad.insert("distance", sc.distance[ij]);
        dyad.insert("opened", sc.opened[ij]);
        dyad.insert("price_exposure", sc.exposure[ij]);
      }
      toml::table stocks;
      for (int k = 0; k < K; ++k) stocks.insert(lever_ids[k], sc.stocks0[(static_cast<std::size_t>(k) * N + i) * N + j]);
      dyad.insert("stocks", std::move(stocks));
      of_i.insert(actor_ids[j], std::move(dyad));
    }
    relations.insert(actor_ids[i], std::move(of_i));
  }
  root->insert("relations", std::move(relations));

  toml::array events;
  for (const Event& e : sc.events) {
    toml::table t{{"label", e.label},         {"source", e.source},       {"time", e.time},
                  {"actor", actor_ids[e.actor]}, {"target", actor_ids[e.target]}, {"stock", e.stock},
                  {"alignment", e.alignment}, {"mutual", e.mutual},      {"enabled", e.enabled}};
    if (!e.id.empty()) t.insert("id", e.id);
    if (e.lever >= 0) t.insert("lever", lever_ids[e.lever]);
    events.push_back(std::move(t));
  }
  if (!events.empty()) root->insert("events", std::move(events));

  toml::array moves;
  for (const Move& m : sc.moves) {
    toml::table t{{"label", m.label},
                  {"source", m.source},
                  {"actor", actor_ids[m.actor]},
                  {"target", m.target < 0 ? std::string("*") : actor_ids[m.target]},
                  {"lever", m.lever < 0 ? std::string("*") : lever_ids[m.lever]},
                  {"from", m.from},
                  {"scale", m.scale},
                  {"effort", m.effort},
                  {"enabled", m.enabled}};
    if (!m.id.empty()) t.insert("id", m.id);
    if (std::isfinite(m.to)) t.insert("to", m.to);  // none: to the end, the last instant included
    moves.push_back(std::move(t));
  }
  if (!moves.empty()) root->insert("moves", std::move(moves));

  toml::array expect;
  for (const Expectation& x : sc.expectations) {
    expect.push_back(toml::table{
        {"metric", x.metric}, {"effect", x.raises ? "raises" : "lowers"}, {"at", x.at}, {"reason", x.reason}});
  }
  if (!expect.empty()) root->insert("expect", std::move(expect));
  return root;
}

}  // namespace smartpower
