// What a Scenario holds and validate(): the checks of a Scenario however it was made,
// against the key registry (smartpower/core/keys.hpp), where each key's default and range
// are declared once. The TOML reader (io/scenario_reader.cpp) makes the same checks with
// file positions.
#include <algorithm>
#include <limits>
#include <cmath>
#include <string>
#include <vector>

#include "smartpower/core/error.hpp"
#include "smartpower/core/keys.hpp"
#include "smartpower/core/memory.hpp"
#include "smartpower/core/messages.hpp"
#include "smartpower/core/scenario.hpp"
#include "core/scenario_fields.hpp"

namespace smartpower {
using detail::NumberField;
using detail::model_fields;
using detail::lever_fields;
using detail::strategy_fields;

int ScenarioInfo::steps() const { return static_cast<int>(std::llround((end - start) / dt)); }

double Capabilities::get(Capability c) const {
  switch (c) {
    case Capability::economy: return economy;
    case Capability::military: return military;
    case Capability::population: return population;
    default: return 1.0;
  }
}

int Scenario::actor_index(const std::string& id) const {
  for (std::size_t i = 0; i < actors.size(); ++i) {
    if (actors[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

int Scenario::lever_index(const std::string& id) const {
  for (std::size_t k = 0; k < levers.size(); ++k) {
    if (levers[k].id == id) return static_cast<int>(k);
  }
  return -1;
}

const char* to_string(LeverKind k) { return k == LeverKind::soft ? "soft" : "hard"; }
const char* to_string(Capability c) {
  switch (c) {
    case Capability::economy: return "economy";
    case Capability::military: return "military";
    case Capability::population: return "population";
    default: return "none";
  }
}

// ---- validate(Scenario): the reader's checks on a Scenario built or edited in code ----
// Each check mirrors one in build_scenario (io/scenario_reader.cpp), in the same order and with the same
// message text; a file position is replaced by the section and key (references are
// indices here, so a bad one is named by its index).
namespace {

class Checker {
 public:
  explicit Checker(std::string where) : where_(std::move(where)) {}
  [[noreturn]] void fail(const std::string& message) const { throw InputError(where_ + ": " + message); }
  [[noreturn]] void fail_key(std::string_view key, const std::string& message) const {
    fail("'" + std::string(key) + "' " + message);
  }
  void number(std::string_view name, double v, const Range& range) const {
    if (!range.contains(v))
      fail("'" + std::string(name) + "' = " + format_significant(v) + " is out of range: expected " + range.describe());
  }
  void number(const Key& key, double v) const { number(key.name(), v, key.range); }
  void number(std::string_view name, const Key& key, double v) const { number(name, v, key.range); }
  template <class Struct>
  void numbers(const Struct& s, const std::vector<NumberField<Struct>>& fields) const {
    for (const auto& f : fields) number(f.key, s.*(f.field));
  }
  // A reference by index: -1 means "*" where `allow_star`.
  void index(std::string_view key, int i, const std::vector<std::string>& ids, const char* what, bool allow_star) const {
    if ((allow_star && i == -1) || (i >= 0 && static_cast<std::size_t>(i) < ids.size())) return;
    std::string list;
    for (std::size_t k = 0; k < ids.size(); ++k) list += (list.empty() ? "" : ", ") + std::to_string(k) + " " + ids[k];
    fail("'" + std::string(key) + "' = " + std::to_string(i) + " is not a known " + what + " index; known: " + list +
         (allow_star ? ", or -1 for all (\"*\")" : ""));
  }
  // A dense table must hold one value per entry (empty: every entry at its default).
  void size(std::string_view key, std::size_t have, std::size_t want, const std::string& what) const {
    if (have != 0 && have != want) {
      fail("'" + std::string(key) + "' has " + std::to_string(have) + " values; expected " + std::to_string(want) + " (" +
           what + "), or none for the defaults");
    }
  }

 private:
  std::string where_;
};

void check_id(const Checker& c, const std::string& id, std::vector<std::string>& seen, const char* what) {
  if (id.empty() || id.find_first_of(". ,[]\"") != std::string::npos) {
    c.fail_key("id", "must be a non-empty " + std::string(what) + " id without dots, spaces, commas or brackets");
  }
  if (std::find(seen.begin(), seen.end(), id) != seen.end()) c.fail_key("id", "\"" + id + "\" is defined twice");
  seen.push_back(id);
}

// [[TIME, VALUE], ...] points (a capability path, the price index): finite times that
// increase, values in (0, 1e12].
void check_points(const Checker& c, const char* name, const std::vector<std::pair<double, double>>& points) {
  for (std::size_t p = 0; p < points.size(); ++p) {
    const auto [t, v] = points[p];
    if (!std::isfinite(t) || !(v > 0) || !(v <= 1e12)) {
      c.fail_key(name, "point " + std::to_string(p) + ": each point must be [TIME, VALUE] with a finite time and a value in (0, 1e12]");
    }
    if (p > 0 && !(t > points[p - 1].first)) {
      c.fail_key(name, "point " + std::to_string(p) + ": the times must increase from point to point");
    }
  }
}

std::string label_of(const std::string& label, std::size_t index, const char* what) {
  return label.empty() ? std::string(what) + " " + std::to_string(index) : std::string(what) + " '" + label + "'";
}

}  // namespace

namespace detail {
std::optional<std::pair<const char*, std::string>> horizon_problem(const ScenarioInfo& info, const Limits& limits) {
  if (!(info.end > info.start)) return std::pair{"end", std::string("must be later than 'start'")};
  if (info.dt > info.end - info.start) {
    return std::pair{"dt", "is larger than the horizon end - start = " + format_significant(info.end - info.start)};
  }
  const double steps = (info.end - info.start) / info.dt;
  // Compared in double: dt = 1e-300 gives 1e303 steps, beyond any integer type.
  if (!(steps <= static_cast<double>(limits.max_steps))) {
    const std::string count = steps < 1e15 ? std::to_string(std::llround(steps)) : format_significant(steps);
    return std::pair{"dt", "= " + format_significant(info.dt) + " gives " + count + " steps; the limit is " +
                               std::to_string(limits.max_steps)};
  }
  if (std::abs(steps - std::round(steps)) > 1e-6) {
    return std::pair{"dt", std::string("must divide end - start into a whole number of steps")};
  }
  return std::nullopt;
}
}  // namespace detail

void validate(const Scenario& sc, const Limits& limits) {
  // [scenario]
  {
    const Checker c("[scenario]");
    c.number(scenario_key("scenario.start"), sc.info.start);
    c.number(scenario_key("scenario.end"), sc.info.end);
    c.number(scenario_key("scenario.dt"), sc.info.dt);
    constexpr std::uint64_t max_seed = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (sc.info.seed > max_seed) {
      c.fail("'seed' = " + std::to_string(sc.info.seed) + " is out of range: expected an integer in [0, " +
             std::to_string(max_seed) + "]");
    }
    if (const auto problem = detail::horizon_problem(sc.info, limits)) c.fail_key(problem->first, problem->second);
    check_points(c, "price", sc.info.price);
    c.number(scenario_key("scenario.price_reference"), sc.info.price_reference);
  }

  // [model]
  Checker("[model]").numbers(sc.params, model_fields());
  if (sc.params.alignment_rate * sc.info.dt > 1) {
    throw InputError("[model]: 'alignment_rate' * dt must be <= 1 (the update would overshoot): " +
                     format_significant(sc.params.alignment_rate) + " * " + format_significant(sc.info.dt));
  }

  // [[levers]]
  const Checker top("scenario file");
  if (sc.levers.empty()) top.fail("needs at least one [[levers]] entry");
  if (sc.n_levers() > limits.max_levers) {
    top.fail("has " + std::to_string(sc.levers.size()) + " levers; the limit is " + std::to_string(limits.max_levers));
  }
  std::vector<std::string> lever_ids;
  for (const Lever& lv : sc.levers) {
    check_id(Checker("lever"), lv.id, lever_ids, "lever");
    const Checker c("lever '" + lv.id + "'");
    if (lv.kind != LeverKind::soft && lv.kind != LeverKind::hard) {
      c.fail("'kind' = " + std::to_string(static_cast<int>(lv.kind)) + " is not allowed: expected one of \"soft\", \"hard\"");
    }
    c.numbers(lv, lever_fields());
    if (lv.capability != Capability::economy && lv.capability != Capability::military &&
        lv.capability != Capability::population && lv.capability != Capability::none) {
      c.fail("'capability' = " + std::to_string(static_cast<int>(lv.capability)) +
             " is not allowed: expected one of \"economy\", \"military\", \"population\", \"none\"");
    }
    if (lv.decay * sc.info.dt > 1) c.fail_key("decay", "times dt must be <= 1 (a stock cannot lose more than itself in a step)");
    if (!lv.unit.empty() && lv.unit_scale == 0 && lv.flow_scale == 0) c.fail_key("unit", "needs a positive 'unit_scale' or 'flow_scale'");
  }
  const std::size_t K = sc.levers.size();

  // [[actors]]
  if (sc.actors.size() < 2) top.fail("needs at least two [[actors]] entries");
  if (sc.n_actors() > limits.max_actors) {
    top.fail("has " + std::to_string(sc.actors.size()) + " actors; the limit is " + std::to_string(limits.max_actors));
  }
  require_memory(estimate_model({sc.n_actors(), sc.n_levers(), sc.info.steps()}));
  std::vector<std::string> dims;
  for (const auto& d : sc.identity_dims) {
    if (d.empty() || std::find(dims.begin(), dims.end(), d) != dims.end()) {
      throw InputError("scenario: identity dimension \"" + d + "\" is " + (d.empty() ? "empty" : "given twice"));
    }
    dims.push_back(d);
  }
  std::vector<std::string> actor_ids;
  for (const Actor& a : sc.actors) check_id(Checker("actor"), a.id, actor_ids, "actor");
  const std::size_t N = sc.actors.size();
  for (const Actor& a : sc.actors) {
    const Checker c("actor '" + a.id + "'");
    c.number(scenario_key("actors.<id>.budget"), a.budget);
    c.number(scenario_key("actors.<id>.temperature"), a.temperature);
    c.number(scenario_key("actors.<id>.noise"), a.noise);
    const Checker caps("actor '" + a.id + "' capabilities");
    caps.number(scenario_key("actors.<id>.capabilities.economy"), a.capabilities.economy);
    caps.number(scenario_key("actors.<id>.capabilities.military"), a.capabilities.military);
    caps.number(scenario_key("actors.<id>.capabilities.population"), a.capabilities.population);
    const Checker growth("actor '" + a.id + "' growth");
    growth.number(scenario_key("actors.<id>.growth.economy"), a.growth.economy);
    growth.number(scenario_key("actors.<id>.growth.military"), a.growth.military);
    growth.number(scenario_key("actors.<id>.growth.population"), a.growth.population);
    growth.number(scenario_key("actors.<id>.growth.budget"), a.budget_growth);
    const char* names[3] = {"economy", "military", "population"};
    for (int x = 0; x < 3; ++x) check_points(Checker("actor '" + a.id + "' path"), names[x], a.path[x]);
    Checker("actor '" + a.id + "' strategy").numbers(a.strategy, strategy_fields());
    c.size("identity", a.identity.size(), dims.size(), "one per identity dimension");
    const Checker idc("actor '" + a.id + "' identity");
    for (std::size_t d = 0; d < a.identity.size(); ++d) {
      idc.number(dims[d], scenario_key("actors.<id>.identity.<dim>"), a.identity[d]);
    }
    c.size("lever_bias", a.lever_bias.size(), K, "one per lever");
    const Checker lb("actor '" + a.id + "' lever_bias");
    for (std::size_t k = 0; k < a.lever_bias.size(); ++k) {
      lb.number(lever_ids[k], scenario_key("actors.<id>.lever_bias.<lever>"), a.lever_bias[k]);
    }
    c.size("partner_bias", a.partner_bias.size(), N, "one per actor");
    const Checker pb("actor '" + a.id + "' partner_bias");
    for (std::size_t j = 0; j < a.partner_bias.size(); ++j) {
      pb.number(actor_ids[j], scenario_key("actors.<id>.partner_bias.<actor>"), a.partner_bias[j]);
    }
  }

  // [relations.A.B]: dense N x N tables (K x N x N for stocks), row-major.
  const Checker rel("scenario");
  rel.size("border", sc.border.size(), N * N, "N x N, border[i*N+j]");
  rel.size("distance", sc.distance.size(), N * N, "N x N, distance[i*N+j]");
  rel.size("opened", sc.opened.size(), N * N, "N x N, opened[i*N+j]");
  rel.size("exposure", sc.exposure.size(), N * N, "N x N, exposure[i*N+j]");
  rel.size("alignment0", sc.alignment0.size(), N * N, "N x N, alignment0[i*N+j]");
  rel.size("stocks0", sc.stocks0.size(), K * N * N, "K x N x N, stocks0[(k*N+i)*N+j]");
  // The where-strings are built only on failure: N x N checks must stay cheap.
  const auto dyad = [&](std::size_t i, std::size_t j) {
    return Checker("[relations." + actor_ids[i] + "." + actor_ids[j] + "]");
  };
  const auto self = [&](std::size_t i) {
    Checker("[relations." + actor_ids[i] + "]").fail_key(actor_ids[i], "is a relation of an actor with itself");
  };
  // Symmetric dyad tables: on the diagonal only their default; given on both sides, equal.
  struct Symmetric {
    const char* name;
    const char* plural;
    const std::vector<double>& table;
    const Key& key;
  };
  const Symmetric symmetric[] = {
      {"border", "borders", sc.border, scenario_key("relations.<actor>.<partner>.border")},
      {"distance", "distances", sc.distance, scenario_key("relations.<actor>.<partner>.distance")},
      {"opened", "opening years", sc.opened, scenario_key("relations.<actor>.<partner>.opened")},
      {"price_exposure", "price exposures", sc.exposure, scenario_key("relations.<actor>.<partner>.price_exposure")}};
  const Key& alignment = scenario_key("relations.<actor>.<partner>.alignment");
  const Key& stock = scenario_key("relations.<actor>.<partner>.stocks.<lever>");
  for (std::size_t i = 0; i < N; ++i) {
    for (std::size_t j = 0; j < N; ++j) {
      const std::size_t ij = i * N + j, ji = j * N + i;
      for (const Symmetric& d : symmetric) {
        if (d.table.empty()) continue;
        if (i == j && d.table[ij] != d.key.fallback) self(i);
        if (!d.key.range.contains(d.table[ij])) dyad(i, j).number(d.key, d.table[ij]);
        if (j < i && d.table[ji] != d.table[ij]) {
          dyad(i, j).fail_key(d.name, std::string("contradicts the ") + d.name + " given in [relations." + actor_ids[j] + "." +
                                          actor_ids[i] + "] (" + d.plural + " are symmetric)");
        }
      }
      if (!sc.alignment0.empty()) {
        if (i == j && sc.alignment0[ij] != 0) self(i);
        if (!alignment.range.contains(sc.alignment0[ij])) dyad(i, j).number(alignment, sc.alignment0[ij]);
      }
      for (std::size_t k = 0; k < K && !sc.stocks0.empty(); ++k) {
        const double v = sc.stocks0[(k * N + i) * N + j];
        if (i == j && v != 0) self(i);
        if (!stock.range.contains(v)) {
          Checker("[relations." + actor_ids[i] + "." + actor_ids[j] + ".stocks]").number(lever_ids[k], stock, v);
        }
      }
    }
  }

  // [[events]]
  std::vector<std::string> event_ids;
  for (std::size_t n = 0; n < sc.events.size(); ++n) {
    const Event& e = sc.events[n];
    const Checker c(label_of(e.label, n, "event"));
    if (!e.id.empty()) check_id(c, e.id, event_ids, "event");
    c.number(scenario_key("events.<id>.time"), e.time);
    if (e.time < sc.info.start || e.time >= sc.info.end) {
      c.fail_key("time", "= " + format_significant(e.time) + " is outside the scenario's time range [" +
                             format_significant(sc.info.start) + ", " + format_significant(sc.info.end) + ")");
    }
    c.index("actor", e.actor, actor_ids, "actor", false);
    c.index("target", e.target, actor_ids, "actor", false);
    if (e.actor == e.target) c.fail_key("target", "must differ from 'actor'");
    c.index("lever", e.lever, lever_ids, "lever", true);
    c.number(scenario_key("events.<id>.stock"), e.stock);
    c.number(scenario_key("events.<id>.alignment"), e.alignment);
    if (e.stock != 0 && e.lever < 0) c.fail_key("stock", "needs a 'lever' to add the stock to");
  }

  // [[moves]]
  std::vector<std::string> move_ids;
  for (std::size_t n = 0; n < sc.moves.size(); ++n) {
    const Move& mv = sc.moves[n];
    const Checker c(label_of(mv.label, n, "move"));
    if (!mv.id.empty()) check_id(c, mv.id, move_ids, "move");
    c.index("actor", mv.actor, actor_ids, "actor", false);
    c.index("target", mv.target, actor_ids, "actor", true);
    if (mv.target == mv.actor) c.fail_key("target", "must differ from 'actor'");
    c.index("lever", mv.lever, lever_ids, "lever", true);
    c.number(scenario_key("moves.<id>.from"), mv.from);
    // +infinity is the default (no `to`: to the end, the last instant included).
    if (mv.to != scenario_key("moves.<id>.to").fallback) c.number(scenario_key("moves.<id>.to"), mv.to);
    if (!(mv.to > mv.from)) c.fail_key("to", "must be later than 'from'");
    if (mv.from >= sc.info.end || mv.to <= sc.info.start) {
      c.fail_key("from", "= " + format_significant(mv.from) + ": the window [" + format_significant(mv.from) + ", " +
                             format_significant(mv.to) + ") is outside the scenario's time range [" +
                             format_significant(sc.info.start) + ", " + format_significant(sc.info.end) + ")");
    }
    c.number(scenario_key("moves.<id>.scale"), mv.scale);
    c.number(scenario_key("moves.<id>.effort"), mv.effort);
  }

  // [[expect]]
  for (const Expectation& x : sc.expectations) Checker("expect").number("at", x.at, closed(sc.info.start, sc.info.end));
}

ValidScenario::ValidScenario(Scenario scenario, const Limits& limits) : scenario_(std::move(scenario)) {
  validate(scenario_, limits);
  fill_defaults(scenario_);
}

void fill_defaults(Scenario& sc) {
  const std::size_t N = sc.actors.size(), K = sc.levers.size();
  if (sc.border.empty()) sc.border.assign(N * N, 0.0);
  if (sc.distance.empty()) sc.distance.assign(N * N, 1.0);
  if (sc.opened.empty()) sc.opened.assign(N * N, key_default("relations.<actor>.<partner>.opened"));
  if (sc.exposure.empty()) sc.exposure.assign(N * N, key_default("relations.<actor>.<partner>.price_exposure"));
  if (sc.alignment0.empty()) sc.alignment0.assign(N * N, 0.0);
  if (sc.stocks0.empty()) sc.stocks0.assign(K * N * N, 0.0);
  for (Actor& a : sc.actors) {
    if (a.identity.empty()) a.identity.assign(sc.identity_dims.size(), 0.0);
    if (a.lever_bias.empty()) a.lever_bias.assign(K, 0.0);
    if (a.partner_bias.empty()) a.partner_bias.assign(N, 0.0);
  }
}

}  // namespace smartpower
