// The TOML reader of a scenario: a resolved TOML document -> Scenario. Each key's default
// and range come from the key registry (smartpower/core/keys.hpp), where they are declared
// once; validate() (core/scenario.cpp) makes the same checks on a Scenario built in code.
#include <algorithm>
#include <limits>
#include <cmath>
#include <map>
#include <tuple>

#include "smartpower/io/document.hpp"
#include "smartpower/core/keys.hpp"
#include "smartpower/core/memory.hpp"
#include "smartpower/core/messages.hpp"
#include "smartpower/core/scenario.hpp"
#include "core/scenario_fields.hpp"
#include "io/toml_reader.hpp"

namespace smartpower {
using detail::TableReader;
using detail::NumberField;
using detail::model_fields;
using detail::lever_fields;
using detail::strategy_fields;

namespace {

// Where to point when a whole table is missing: the first value that has a position
// (a merged root table has none of its own).
SourcePos fallback_pos(const toml::table& root) {
  SourcePos pos = position_of(root);
  if (!pos.file.empty()) return pos;
  for (auto&& [k, v] : root) {
    SourcePos p = position_of(k);
    if (!p.file.empty()) return SourcePos{p.file, 0, 0};
    p = position_of(v);
    if (!p.file.empty()) return SourcePos{p.file, 0, 0};
  }
  return pos;
}

template <class Struct>
void read_numbers(TableReader& r, Struct& out, const std::vector<NumberField<Struct>>& fields) {
  for (const auto& f : fields) out.*(f.field) = r.number(f.key);
}

// The allowed values of a choice key, in the registry's order.
std::vector<std::string> choices_of(const Key& key) {
  std::vector<std::string> out;
  std::string_view rest = key.choices;
  for (;;) {
    const auto bar = rest.find('|');
    out.emplace_back(rest.substr(0, bar));
    if (bar == std::string_view::npos) return out;
    rest.remove_prefix(bar + 1);
  }
}

Capability parse_capability(const std::string& s) {
  if (s == "economy") return Capability::economy;
  if (s == "military") return Capability::military;
  if (s == "population") return Capability::population;
  return Capability::none;
}

// Resolves an id against a list, with a "did you mean" when it does not exist.
int resolve_id(TableReader& r, std::string_view key, const std::string& id,
               const std::vector<std::string>& ids, const char* what, bool allow_star) {
  if (allow_star && id == "*") return -1;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == id) return static_cast<int>(i);
  }
  std::string msg = key == id ? "\"" + id + "\" is not a known " + std::string(what)
                              : "'" + std::string(key) + "' = \"" + id + "\" is not a known " + what;
  const auto near = closest_match(id, ids);
  if (!near.empty()) {
    msg += "; did you mean \"" + near + "\"?";
  } else {
    std::string list;
    for (const auto& i : ids) list += (list.empty() ? "" : ", ") + i;
    msg += "; known: " + list + (allow_star ? ", or \"*\" for all" : "");
  }
  r.fail(r.table().get(key), msg);
}

void check_id_syntax(TableReader& r, const std::string& id, std::vector<std::string>& seen, const char* what) {
  if (id.empty() || id.find_first_of(". ,[]\"") != std::string::npos) {
    r.fail_key("id", "must be a non-empty " + std::string(what) + " id without dots, spaces, commas or brackets");
  }
  if (std::find(seen.begin(), seen.end(), id) != seen.end()) {
    r.fail_key("id", "\"" + id + "\" is defined twice");
  }
  seen.push_back(id);
}

// An event or a move: its label names it in messages, its optional id must be unique
// among its kind. The reader of the rest of the entry.
TableReader labelled_entry(const toml::table& t, const char* what, std::string& label, std::string& id,
                           std::vector<std::string>& ids) {
  TableReader r(t, what);
  label = r.required_string("label");
  TableReader named(t, std::string(what) + " '" + label + "'");
  named.node("label");
  id = named.string("id", "");
  if (!id.empty()) check_id_syntax(named, id, ids, what);
  return named;
}

// `actor` and `target` of an event or a move: known actors, not the same one (a move's
// target may be "*", every partner: -1).
std::pair<int, int> read_dyad(TableReader& r, const std::vector<std::string>& actor_ids, bool target_star) {
  const int actor = resolve_id(r, "actor", r.required_string("actor"), actor_ids, "actor", false);
  const int target = resolve_id(r, "target", r.required_string("target"), actor_ids, "actor", target_star);
  if (target == actor) r.fail_key("target", "must differ from 'actor'");
  return {actor, target};
}

// [[TIME, VALUE], ...] points (a capability path, the price index): a non-empty array,
// finite times that increase, values in (0, 1e12].
void read_points(const TableReader& c, const toml::node& n, std::vector<std::pair<double, double>>& out) {
  const auto* arr = n.as_array();
  if (!arr || arr->empty()) c.fail(&n, "must be a non-empty array of [TIME, VALUE] points");
  for (const auto& el : *arr) {
    const auto* pair = el.as_array();
    bool ok1 = false, ok2 = false;
    if (!pair || pair->size() != 2) c.fail(&el, "each point must be [TIME, VALUE]");
    const double t = detail::number_value(*pair->get(0), ok1), v = detail::number_value(*pair->get(1), ok2);
    if (!ok1 || !ok2 || !std::isfinite(t) || !(v > 0) || !(v <= 1e12)) {
      c.fail(&el, "each point must be [TIME, VALUE] with a finite time and a value in (0, 1e12]");
    }
    if (!out.empty() && !(t > out.back().first)) c.fail(&el, "the times must increase from point to point");
    out.emplace_back(t, v);
  }
}

Scenario read_scenario(const toml::table& root, const Limits& limits) {
  Scenario sc;
  TableReader top(root, "scenario file");
  top.string("extends", "");  // already resolved; tolerated in a resolved dump

  // [scenario]
  const toml::table* info_t = top.table("scenario");
  if (!info_t) {
    std::string msg = "missing the [scenario] table (name, start, end, dt, seed)";
    if (root.get("claims") || root.get("variants")) {
      msg += "; this looks like a claims file (it has [[claims]] or [variants]): give it with --claims";
    }
    throw InputError(fallback_pos(root), msg);
  }
  {
    TableReader r(*info_t, "[scenario]");
    sc.info.name = r.required_string("name");
    sc.info.description = r.string("description", "");
    r.string("lens", "");  // recorded by apply_lens
    sc.info.start = r.required_number(scenario_key("scenario.start"));
    sc.info.end = r.required_number(scenario_key("scenario.end"));
    sc.info.dt = r.number(scenario_key("scenario.dt"));
    constexpr const Key& seed = scenario_key("scenario.seed");
    sc.info.seed = static_cast<std::uint64_t>(r.integer(seed.name(), static_cast<std::int64_t>(seed.fallback),
                                                        static_cast<std::int64_t>(seed.range.lo),
                                                        std::numeric_limits<std::int64_t>::max()));
    if (const auto problem = detail::horizon_problem(sc.info, limits)) r.fail_key(problem->first, problem->second);
    if (const toml::node* n = r.node("price")) read_points(r, *n, sc.info.price);
    sc.info.price_reference = r.number(scenario_key("scenario.price_reference"));
    r.finish();
  }

  // [model]
  if (const toml::table* m = top.table("model")) {
    TableReader r(*m, "[model]");
    read_numbers(r, sc.params, model_fields());
    r.finish();
  }
  if (sc.params.alignment_rate * sc.info.dt > 1) {
    const toml::node* at = get_path(root, "model.alignment_rate");
    throw InputError(at ? position_of(*at) : fallback_pos(root),
                     "[model]: 'alignment_rate' * dt must be <= 1 (the update would overshoot): " +
                         format_significant(sc.params.alignment_rate) + " * " + format_significant(sc.info.dt));
  }

  // [[levers]]
  const toml::array* levers = top.array_of_tables("levers");
  if (!levers || levers->empty()) throw InputError(fallback_pos(root), "scenario file: needs at least one [[levers]] entry");
  if (static_cast<int>(levers->size()) > limits.max_levers) {
    top.fail(levers, "has " + std::to_string(levers->size()) + " levers; the limit is " + std::to_string(limits.max_levers));
  }
  std::vector<std::string> lever_ids;
  for (const auto& el : *levers) {
    TableReader r(*el.as_table(), "lever");
    Lever lv;
    lv.id = r.required_string("id");
    check_id_syntax(r, lv.id, lever_ids, "lever");
    TableReader named(*el.as_table(), "lever '" + lv.id + "'");
    named.node("id");
    lv.kind = named.choice("kind", "", choices_of(scenario_key("levers.<id>.kind"))) == "soft" ? LeverKind::soft
                                                                                             : LeverKind::hard;
    read_numbers(named, lv, lever_fields());
    // The default depends on the kind (the registry says so in words).
    lv.capability = parse_capability(named.choice("capability", lv.kind == LeverKind::hard ? "economy" : "none",
                                                  choices_of(scenario_key("levers.<id>.capability"))));
    lv.unit = named.string("unit", "");
    lv.description = named.string("description", "");
    if (lv.decay * sc.info.dt > 1) named.fail_key("decay", "times dt must be <= 1 (a stock cannot lose more than itself in a step)");
    if (!lv.unit.empty() && lv.unit_scale == 0 && lv.flow_scale == 0) named.fail_key("unit", "needs a positive 'unit_scale' or 'flow_scale'");
    named.finish();
    sc.levers.push_back(std::move(lv));
  }
  const int K = sc.n_levers();

  // [[actors]]
  const toml::array* actors = top.array_of_tables("actors");
  if (!actors || actors->size() < 2) {
    throw InputError(actors && !actors->empty() ? position_of(*actors->get(0)) : fallback_pos(root),
                     "scenario file: needs at least two [[actors]] entries");
  }
  if (static_cast<int>(actors->size()) > limits.max_actors) {
    top.fail(actors, "has " + std::to_string(actors->size()) + " actors; the limit is " + std::to_string(limits.max_actors));
  }
  // Refused before the N x N tables are allocated if they could not fit (smartpower/core/memory.hpp).
  require_memory(estimate_model({static_cast<int>(actors->size()), K, sc.info.steps()}));
  // Ids first: partner_bias may name an actor listed later.
  std::vector<std::string> actor_ids_all;
  for (const auto& el : *actors) {
    TableReader r(*el.as_table(), "actor");
    actor_ids_all.push_back(r.required_string("id"));
  }
  // Identity dimensions: the union over actors, in order of first appearance.
  for (const auto& el : *actors) {
    if (const auto* idt = el.as_table()->get_as<toml::table>("identity")) {
      std::vector<std::pair<int, std::string>> keys;  // sorted by line for file order
      for (auto&& [k, v] : *idt) keys.emplace_back(static_cast<int>(k.source().begin.line * 10000 + k.source().begin.column), std::string(k.str()));
      std::stable_sort(keys.begin(), keys.end());
      for (auto& [line, name] : keys) {
        if (std::find(sc.identity_dims.begin(), sc.identity_dims.end(), name) == sc.identity_dims.end()) {
          sc.identity_dims.push_back(name);
        }
      }
    }
  }
  std::vector<std::string> actor_ids;
  const int N = static_cast<int>(actors->size());
  for (const auto& el : *actors) {
    TableReader r0(*el.as_table(), "actor");
    Actor a;
    a.id = r0.required_string("id");
    check_id_syntax(r0, a.id, actor_ids, "actor");
    TableReader r(*el.as_table(), "actor '" + a.id + "'");
    r.node("id");
    a.name = r.string("name", a.id);
    a.budget = r.number(scenario_key("actors.<id>.budget"));
    a.temperature = r.number(scenario_key("actors.<id>.temperature"));
    a.noise = r.number(scenario_key("actors.<id>.noise"));
    if (const auto* caps = r.table("capabilities")) {
      TableReader c(*caps, "actor '" + a.id + "' capabilities");
      a.capabilities.economy = c.number(scenario_key("actors.<id>.capabilities.economy"));
      a.capabilities.military = c.number(scenario_key("actors.<id>.capabilities.military"));
      a.capabilities.population = c.number(scenario_key("actors.<id>.capabilities.population"));
      c.finish();
    } else {
      r.fail(nullptr, "missing required table 'capabilities' = { economy, military, population }");
    }
    if (const auto* g = r.table("growth")) {
      TableReader c(*g, "actor '" + a.id + "' growth");
      a.growth.economy = c.number(scenario_key("actors.<id>.growth.economy"));
      a.growth.military = c.number(scenario_key("actors.<id>.growth.military"));
      a.growth.population = c.number(scenario_key("actors.<id>.growth.population"));
      a.budget_growth = c.number(scenario_key("actors.<id>.growth.budget"));
      c.finish();
    }
    if (const auto* pt = r.table("path")) {
      TableReader c(*pt, "actor '" + a.id + "' path");
      const char* names[3] = {"economy", "military", "population"};
      for (int x = 0; x < 3; ++x) {
        const toml::node* n = c.node(names[x]);
        if (!n) continue;
        read_points(c, *n, a.path[x]);
      }
      c.finish();
    }
    if (const auto* s = r.table("strategy")) {
      TableReader c(*s, "actor '" + a.id + "' strategy");
      read_numbers(c, a.strategy, strategy_fields());
      c.finish();
    }
    a.identity.assign(sc.identity_dims.size(), 0.0);
    if (const auto* idt = r.table("identity")) {
      TableReader c(*idt, "actor '" + a.id + "' identity");
      for (std::size_t d = 0; d < sc.identity_dims.size(); ++d) {
        a.identity[d] = c.number(sc.identity_dims[d], scenario_key("actors.<id>.identity.<dim>"));
      }
      c.finish();
    }
    a.lever_bias.assign(K, 0.0);
    if (const auto* lb = r.table("lever_bias")) {
      TableReader c(*lb, "actor '" + a.id + "' lever_bias");
      for (int k = 0; k < K; ++k) a.lever_bias[k] = c.number(sc.levers[k].id, scenario_key("actors.<id>.lever_bias.<lever>"));
      c.finish();
    }
    a.partner_bias.assign(N, 0.0);
    if (const auto* pb = r.table("partner_bias")) {
      TableReader c(*pb, "actor '" + a.id + "' partner_bias");
      for (int j = 0; j < N; ++j) {
        a.partner_bias[j] = c.number(actor_ids_all[j], scenario_key("actors.<id>.partner_bias.<actor>"));
      }
      c.finish();
    }
    r.finish();
    sc.actors.push_back(std::move(a));
  }

  // [relations.A.B]
  sc.border.assign(static_cast<std::size_t>(N) * N, 0.0);
  sc.alignment0.assign(static_cast<std::size_t>(N) * N, 0.0);
  sc.stocks0.assign(static_cast<std::size_t>(K) * N * N, 0.0);
  sc.distance.assign(static_cast<std::size_t>(N) * N, 1.0);
  sc.opened.assign(static_cast<std::size_t>(N) * N, key_default("relations.<actor>.<partner>.opened"));
  sc.exposure.assign(static_cast<std::size_t>(N) * N, key_default("relations.<actor>.<partner>.price_exposure"));
  // Symmetric dyad values (border, distance, opened, price exposure): given on one side they hold for both,
  // given on both they must agree. `given` marks the dyads set so far, per key.
  std::map<std::string, std::vector<char>> given;
  if (const toml::table* rel = top.table("relations")) {
    TableReader rr(*rel, "[relations]");
    for (auto&& [akey, aval] : *rel) {
      const std::string a_id(akey.str());
      const int i = resolve_id(rr, a_id, a_id, actor_ids, "actor", false);
      const toml::table* at = rr.table(a_id);
      TableReader ar(*at, "[relations." + a_id + "]");
      for (auto&& [bkey, bval] : *at) {
        const std::string b_id(bkey.str());
        const int j = resolve_id(ar, b_id, b_id, actor_ids, "actor", false);
        if (i == j) ar.fail_key(b_id, "is a relation of an actor with itself");
        const toml::table* bt = ar.table(b_id);
        TableReader br(*bt, "[relations." + a_id + "." + b_id + "]");
        const std::tuple<const char*, const char*, std::vector<double>*, const Key*> symmetric[] = {
            {"border", "borders", &sc.border, &scenario_key("relations.<actor>.<partner>.border")},
            {"distance", "distances", &sc.distance, &scenario_key("relations.<actor>.<partner>.distance")},
            {"opened", "opening years", &sc.opened, &scenario_key("relations.<actor>.<partner>.opened")},
            {"price_exposure", "price exposures", &sc.exposure, &scenario_key("relations.<actor>.<partner>.price_exposure")}};
        for (auto [name, plural, table, key] : symmetric) {
          if (!bt->get(name)) continue;
          const double v = br.number(*key);
          const std::size_t ij = static_cast<std::size_t>(i) * N + j, ji = static_cast<std::size_t>(j) * N + i;
          auto& set = given[name];
          set.resize(static_cast<std::size_t>(N) * N, 0);
          if (set[ji] && (*table)[ji] != v) {
            br.fail_key(name, std::string("contradicts the ") + name + " given in [relations." + b_id + "." + a_id + "] (" +
                                  plural + " are symmetric)");
          }
          (*table)[ij] = (*table)[ji] = v;
          set[ij] = set[ji] = 1;
        }
        sc.alignment0[static_cast<std::size_t>(i) * N + j] = br.number(scenario_key("relations.<actor>.<partner>.alignment"));
        if (const toml::table* st = br.table("stocks")) {
          TableReader sr(*st, "[relations." + a_id + "." + b_id + ".stocks]");
          for (int k = 0; k < K; ++k) {
            sc.stocks0[(static_cast<std::size_t>(k) * N + i) * N + j] =
                sr.number(sc.levers[k].id, scenario_key("relations.<actor>.<partner>.stocks.<lever>"));
          }
          sr.finish();
        }
        br.finish();
      }
      ar.finish();
    }
    rr.finish();
  }

  // [[events]]
  std::vector<std::string> event_ids;
  if (const toml::array* evs = top.array_of_tables("events")) {
    for (const auto& el : *evs) {
      Event e;
      TableReader er = labelled_entry(*el.as_table(), "event", e.label, e.id, event_ids);
      e.source = er.required_string("source");
      e.time = er.required_number(scenario_key("events.<id>.time"));
      if (e.time < sc.info.start || e.time >= sc.info.end) {
        er.fail_key("time", "= " + format_significant(e.time) + " is outside the scenario's time range [" +
                                format_significant(sc.info.start) + ", " + format_significant(sc.info.end) + ")");
      }
      std::tie(e.actor, e.target) = read_dyad(er, actor_ids, false);
      if (er.table().get("lever")) e.lever = resolve_id(er, "lever", er.string("lever", ""), lever_ids, "lever", false);
      e.stock = er.number(scenario_key("events.<id>.stock"));
      e.alignment = er.number(scenario_key("events.<id>.alignment"));
      e.mutual = er.boolean("mutual", scenario_key("events.<id>.mutual").fallback != 0);
      e.enabled = er.boolean("enabled", scenario_key("events.<id>.enabled").fallback != 0);
      if (e.stock != 0 && e.lever < 0) er.fail_key("stock", "needs a 'lever' to add the stock to");
      er.finish();
      sc.events.push_back(std::move(e));
    }
  }

  // [[moves]]
  std::vector<std::string> move_ids;
  if (const toml::array* mvs = top.array_of_tables("moves")) {
    for (const auto& el : *mvs) {
      Move mv;
      TableReader mr = labelled_entry(*el.as_table(), "move", mv.label, mv.id, move_ids);
      mv.source = mr.string("source", "");
      std::tie(mv.actor, mv.target) = read_dyad(mr, actor_ids, true);
      mv.lever = resolve_id(mr, "lever", mr.required_string("lever"), lever_ids, "lever", true);
      mv.from = mr.required_number(scenario_key("moves.<id>.from"));
      // Without `to` a move lasts to the end, the last recorded instant included (a default
      // of the scenario's end switched it off at that instant: docs/model.md eq. 14).
      mv.to = mr.number(scenario_key("moves.<id>.to"));
      if (!(mv.to > mv.from)) mr.fail_key("to", "must be later than 'from'");
      if (mv.from >= sc.info.end || mv.to <= sc.info.start) {
        mr.fail_key("from", "= " + format_significant(mv.from) + ": the window [" + format_significant(mv.from) + ", " +
                                format_significant(mv.to) + ") is outside the scenario's time range [" +
                                format_significant(sc.info.start) + ", " + format_significant(sc.info.end) + ")");
      }
      mv.scale = mr.number(scenario_key("moves.<id>.scale"));
      mv.effort = mr.number(scenario_key("moves.<id>.effort"));
      mv.enabled = mr.boolean("enabled", scenario_key("moves.<id>.enabled").fallback != 0);
      mr.finish();
      sc.moves.push_back(std::move(mv));
    }
  }

  // [[expect]]: signs a what-if expects (read by compare).
  if (const toml::array* exs = top.array_of_tables("expect")) {
    for (const auto& el : *exs) {
      TableReader r(*el.as_table(), "expect");
      Expectation x;
      x.metric = r.required_string("metric");
      x.raises = r.choice("effect", "", choices_of(scenario_key("expect.<n>.effect"))) == "raises";
      x.at = r.number("at", sc.info.end, closed(sc.info.start, sc.info.end));  // the registry: default and range in words
      x.reason = r.required_string("reason");
      r.finish();
      sc.expectations.push_back(std::move(x));
    }
  }

  // Sections other modules own; validated there (lenses: apply_lens; calibration).
  if (const auto* l = top.table("lenses")) {
    for (auto&& [k, v] : *l) {
      if (!v.is_table()) {
        throw InputError(position_of(v), "[lenses]: lens '" + std::string(k.str()) + "' must be a table of dotted overrides");
      }
    }
  }
  top.table("calibration");
  top.finish();
  return sc;
}

}  // namespace

namespace detail {
// What read_scenario accepts, validate() accepts (each check mirrors one there, with a
// file position), and it fills every table: its Scenario is valid as it stands.
struct ScenarioReader {
  static ValidScenario valid(Scenario scenario) { return ValidScenario(std::move(scenario), ValidScenario::Checked{}); }
};
}  // namespace detail

ValidScenario build_scenario(const toml::table& root, const Limits& limits) {
  return detail::ScenarioReader::valid(read_scenario(root, limits));
}

}  // namespace smartpower
