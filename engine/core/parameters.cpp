// Parameter handles: a dotted key path resolved once to the field of a Scenario it names
// (the registry says what the key is; scenario_fields.hpp which struct member holds it).
#include "smartpower/core/parameters.hpp"

#include <charconv>
#include <cmath>
#include <sstream>

#include "smartpower/core/error.hpp"
#include "smartpower/core/messages.hpp"
#include "core/scenario_fields.hpp"

namespace smartpower {

enum class Parameter::Kind {
  info,          // c: 0 start, 1 end, 2 dt
  model,         // c: model_fields() index
  lever,         // a lever, c: lever_fields() index
  actor,         // a actor, c: 0 budget, 1 temperature, 2 noise, 3 growth.budget
  capability,    // a actor, c: 0 economy, 1 military, 2 population
  growth,        // a actor, c: as capability
  strategy,      // a actor, c: strategy_fields() index
  identity,      // a actor, c: dimension
  lever_bias,    // a actor, c: lever
  partner_bias,  // a actor, b: partner
  border,        // a, b (set on both sides)
  distance,      // a, b (set on both sides)
  opened,        // a, b (set on both sides)
  exposure,      // a, b (set on both sides)
  alignment,     // a, b
  stock,         // a, b, c: lever
  event,         // a event, c: 0 time, 1 stock, 2 alignment
  move,          // a move, c: 0 from, 1 to, 2 scale, 3 effort
};

namespace {

std::vector<std::string> split_path(std::string_view s) {
  std::vector<std::string> out;
  for (;;) {
    const auto dot = s.find('.');
    out.emplace_back(s.substr(0, dot));
    if (dot == std::string_view::npos) return out;
    s.remove_prefix(dot + 1);
  }
}

[[noreturn]] void fail(std::string_view path, const std::string& message) {
  throw InputError("'" + std::string(path) + "' " + message);
}

template <class T, class IdOf>
int find_id(const std::vector<T>& items, const std::string& id, IdOf id_of) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (id_of(items[i]) == id) return static_cast<int>(i);
  }
  return -1;
}

// An entry of a list by its id, or (events, moves) its 0-based index, as set_path does.
template <class T>
int entry(std::string_view path, const std::vector<T>& items, const std::string& part, const char* what,
          bool by_index) {
  int i = find_id(items, part, [](const T& t) { return t.id; });
  if (i < 0 && by_index) {
    unsigned long n = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
    if (ec == std::errc() && end == part.data() + part.size() && n < items.size()) i = static_cast<int>(n);
  }
  if (i >= 0) return i;
  std::vector<std::string> ids;
  for (const T& t : items) ids.push_back(t.id);
  std::string msg = "names " + std::string(what) + " \"" + part + "\", which the scenario does not have";
  const auto near = closest_match(part, ids);
  if (!near.empty()) msg += "; did you mean \"" + near + "\"?";
  fail(path, msg);
}

template <class Struct>
int field(std::string_view path, const std::vector<detail::NumberField<Struct>>& fields, std::string_view name) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].key.name() == name) return static_cast<int>(i);
  }
  fail(path, "is a key of the registry that is not a number of this section");
}

int index_of(std::string_view name, std::initializer_list<std::string_view> names) {
  int i = 0;
  for (auto n : names) {
    if (n == name) return i;
    ++i;
  }
  return -1;
}

}  // namespace

Parameter::Parameter(const Scenario& sc, std::string_view path) : path_(path) {
  key_ = find_key(path);
  const auto parts = split_path(path);
  if (!key_) {
    // The closest registry path, with this path's own ids in the placeholders.
    std::vector<std::string> candidates;
    for (const Key& k : scenario_keys()) {
      auto pattern = split_path(k.path);
      if (pattern.size() != parts.size()) continue;
      std::string c;
      for (std::size_t i = 0; i < pattern.size(); ++i) {
        c += (i ? "." : "") + (pattern[i].front() == '<' ? parts[i] : pattern[i]);
      }
      candidates.push_back(c);
    }
    const auto near = closest_match(path, candidates);
    fail(path, "is not a scenario key" +
                   (near.empty() ? std::string("; `smartpower keys` lists them") : "; did you mean '" + near + "'?"));
  }
  if (key_->type != KeyType::number) {
    fail(path, key_->type == KeyType::integer ? "is an integer, not a number a parameter can vary"
                                              : "is not a number (" + std::string(key_->path) + ")");
  }
  const std::string& s = parts[0];
  const std::string& last = parts.back();
  const auto actor = [&](const std::string& id) { return entry(path, sc.actors, id, "actor", false); };
  const auto lever = [&](const std::string& id) { return entry(path, sc.levers, id, "lever", false); };
  if (s == "scenario") {
    kind_ = Kind::info;
    c_ = index_of(last, {"start", "end", "dt"});
  } else if (s == "model") {
    kind_ = Kind::model;
    c_ = field(path, detail::model_fields(), last);
  } else if (s == "levers") {
    kind_ = Kind::lever;
    a_ = lever(parts[1]);
    c_ = field(path, detail::lever_fields(), last);
  } else if (s == "actors") {
    a_ = actor(parts[1]);
    const std::string& table = parts[2];
    if (parts.size() == 3) {
      kind_ = Kind::actor;
      c_ = index_of(last, {"budget", "temperature", "noise"});
    } else if (table == "capabilities" || table == "growth") {
      kind_ = table == "capabilities" ? Kind::capability : Kind::growth;
      c_ = index_of(last, {"economy", "military", "population"});
      if (table == "growth" && last == "budget") kind_ = Kind::actor, c_ = 3;
    } else if (table == "strategy") {
      kind_ = Kind::strategy;
      c_ = field(path, detail::strategy_fields(), last);
    } else if (table == "identity") {
      kind_ = Kind::identity;
      c_ = -1;
      for (std::size_t d = 0; d < sc.identity_dims.size(); ++d) {
        if (sc.identity_dims[d] == last) c_ = static_cast<int>(d);
      }
      if (c_ < 0) {
        const auto near = closest_match(last, sc.identity_dims);
        fail(path, "names identity dimension \"" + last + "\", which no actor of the scenario has" +
                       (near.empty() ? "" : "; did you mean \"" + near + "\"?"));
      }
    } else if (table == "lever_bias") {
      kind_ = Kind::lever_bias;
      c_ = lever(last);
    } else if (table == "partner_bias") {
      kind_ = Kind::partner_bias;
      b_ = actor(last);
    }
  } else if (s == "relations") {
    a_ = actor(parts[1]);
    b_ = actor(parts[2]);
    if (a_ == b_) fail(path, "is a relation of an actor with itself");
    if (parts.size() == 5) {
      kind_ = Kind::stock;
      c_ = lever(last);
    } else {
      const int k = index_of(last, {"border", "distance", "opened", "price_exposure", "alignment"});
      constexpr Kind kinds[] = {Kind::border, Kind::distance, Kind::opened, Kind::exposure};
      kind_ = k >= 0 && k < 4 ? kinds[k] : Kind::alignment;
    }
  } else if (s == "events") {
    kind_ = Kind::event;
    a_ = entry(path, sc.events, parts[1], "event", true);
    c_ = index_of(last, {"time", "stock", "alignment"});
  } else if (s == "moves") {
    kind_ = Kind::move;
    a_ = entry(path, sc.moves, parts[1], "move", true);
    c_ = index_of(last, {"from", "to", "scale", "effort"});
  } else {
    fail(path, "is a key of [" + s + "], not a number of the scenario a parameter can vary");
  }
  if (c_ < 0 && kind_ != Kind::partner_bias && !symmetric_table(kind_) && kind_ != Kind::alignment) {
    fail(path, "is not a number of the scenario a parameter can vary");
  }
}

std::vector<double> Scenario::*Parameter::symmetric_table(Kind kind) {
  switch (kind) {
    case Kind::border: return &Scenario::border;
    case Kind::distance: return &Scenario::distance;
    case Kind::opened: return &Scenario::opened;
    case Kind::exposure: return &Scenario::exposure;
    default: return nullptr;
  }
}

double& Parameter::ref(Scenario& sc) const {
  const std::size_t N = sc.actors.size(), K = sc.levers.size();
  const auto fits = [&](bool ok) {
    if (!ok) fail(path_, "does not fit this scenario (the handle was resolved against another one)");
  };
  const auto actor = [&]() -> Actor& {
    fits(a_ >= 0 && static_cast<std::size_t>(a_) < N);
    return sc.actors[static_cast<std::size_t>(a_)];
  };
  const auto dyad = [&](std::vector<double>& table, std::size_t k) -> double& {
    fits(a_ >= 0 && b_ >= 0 && static_cast<std::size_t>(a_) < N && static_cast<std::size_t>(b_) < N);
    if (table.empty()) fill_defaults(sc);
    fits(table.size() >= (k + 1) * N * N);
    return table[(k * N + static_cast<std::size_t>(a_)) * N + static_cast<std::size_t>(b_)];
  };
  switch (kind_) {
    case Kind::info:
      return c_ == 0 ? sc.info.start : c_ == 1 ? sc.info.end : sc.info.dt;
    case Kind::model:
      return sc.params.*(detail::model_fields()[static_cast<std::size_t>(c_)].field);
    case Kind::lever:
      fits(static_cast<std::size_t>(a_) < K);
      return sc.levers[static_cast<std::size_t>(a_)].*(detail::lever_fields()[static_cast<std::size_t>(c_)].field);
    case Kind::actor: {
      Actor& a = actor();
      return c_ == 0 ? a.budget : c_ == 1 ? a.temperature : c_ == 2 ? a.noise : a.budget_growth;
    }
    case Kind::capability:
    case Kind::growth: {
      Capabilities& c = kind_ == Kind::capability ? actor().capabilities : actor().growth;
      return c_ == 0 ? c.economy : c_ == 1 ? c.military : c.population;
    }
    case Kind::strategy:
      return actor().strategy.*(detail::strategy_fields()[static_cast<std::size_t>(c_)].field);
    case Kind::identity:
    case Kind::lever_bias:
    case Kind::partner_bias: {
      Actor& a = actor();
      auto& v = kind_ == Kind::identity ? a.identity : kind_ == Kind::lever_bias ? a.lever_bias : a.partner_bias;
      if (v.empty()) fill_defaults(sc);
      const std::size_t i = static_cast<std::size_t>(kind_ == Kind::partner_bias ? b_ : c_);
      fits(i < v.size());
      return v[i];
    }
    case Kind::border:
    case Kind::distance:
    case Kind::opened:
    case Kind::exposure:
      return dyad(sc.*symmetric_table(kind_), 0);
    case Kind::alignment:
      return dyad(sc.alignment0, 0);
    case Kind::stock:
      fits(static_cast<std::size_t>(c_) < K);
      return dyad(sc.stocks0, static_cast<std::size_t>(c_));
    case Kind::event: {
      fits(static_cast<std::size_t>(a_) < sc.events.size());
      Event& e = sc.events[static_cast<std::size_t>(a_)];
      return c_ == 0 ? e.time : c_ == 1 ? e.stock : e.alignment;
    }
    case Kind::move: {
      fits(static_cast<std::size_t>(a_) < sc.moves.size());
      Move& m = sc.moves[static_cast<std::size_t>(a_)];
      return c_ == 0 ? m.from : c_ == 1 ? m.to : c_ == 2 ? m.scale : m.effort;
    }
  }
  fail(path_, "is not a number of the scenario");
}

double Parameter::get(const Scenario& sc) const {
  // An empty table holds every entry at its default (fill_defaults).
  const auto& actors = sc.actors;
  const bool has_actor = a_ >= 0 && static_cast<std::size_t>(a_) < actors.size();
  const bool empty =
      (symmetric_table(kind_) && (sc.*symmetric_table(kind_)).empty()) ||
      (kind_ == Kind::alignment && sc.alignment0.empty()) || (kind_ == Kind::stock && sc.stocks0.empty()) ||
      (has_actor && kind_ == Kind::identity && actors[static_cast<std::size_t>(a_)].identity.empty()) ||
      (has_actor && kind_ == Kind::lever_bias && actors[static_cast<std::size_t>(a_)].lever_bias.empty()) ||
      (has_actor && kind_ == Kind::partner_bias && actors[static_cast<std::size_t>(a_)].partner_bias.empty());
  if (empty) return key_->fallback;
  return ref(const_cast<Scenario&>(sc));  // no table is empty: ref() only reads
}

void Parameter::set(Scenario& sc, double value) const {
  // `to` may be +infinity, its default: the move lasts to the end.
  const bool open_end = kind_ == Kind::move && c_ == 1 && value == key_->fallback;
  if (!open_end && !key_->range.contains(value)) {
    fail(path_, "= " + format_significant(value) + " is out of range: expected " + key_->range.describe());
  }
  ref(sc) = value;
  if (const auto table = symmetric_table(kind_)) {  // symmetric: both sides
    const std::size_t N = sc.actors.size();
    (sc.*table)[static_cast<std::size_t>(b_) * N + static_cast<std::size_t>(a_)] = value;
  }
}

RunPlans::RunPlans(Scenario base, const std::vector<std::string>& paths) : base_(std::move(base)) {
  for (const auto& p : paths) params_.emplace_back(base_, p);
}

RunPlans& RunPlans::add(const std::vector<double>& values) {
  if (values.size() != params_.size()) {
    throw InputError("run plan " + std::to_string(rows_.size()) + ": " + std::to_string(values.size()) +
                     " values for " + std::to_string(params_.size()) + " parameters");
  }
  Scenario probe = base_;
  for (std::size_t p = 0; p < params_.size(); ++p) params_[p].set(probe, values[p]);
  rows_.push_back(values);
  return *this;
}

RunPlans& RunPlans::add_range(std::string_view path, double lo, double hi, int count) {
  std::size_t which = params_.size();
  for (std::size_t p = 0; p < params_.size(); ++p) {
    if (params_[p].path() == path) which = p;
  }
  if (which == params_.size()) {
    throw InputError("'" + std::string(path) + "' is not one of the run plans' parameters");
  }
  if (count < 1) throw InputError("'" + std::string(path) + "': a range needs at least one value");
  std::vector<double> row;
  for (const auto& p : params_) row.push_back(p.get(base_));
  for (int n = 0; n < count; ++n) {
    row[which] = count == 1 ? lo : n == count - 1 ? hi : lo + (hi - lo) * n / (count - 1);
    add(row);
  }
  return *this;
}

Scenario RunPlans::scenario(std::size_t i) const {
  Scenario s = base_;
  const auto& row = rows_.at(i);
  for (std::size_t p = 0; p < params_.size(); ++p) params_[p].set(s, row[p]);
  return s;
}

}  // namespace smartpower
