// The registry of scenario keys: every key of every section of a scenario file, declared
// once, with its type, default, range, unit, one-line meaning and its symbol in
// docs/model.md. The TOML reader (engine/scenario.cpp) takes its defaults and ranges from
// here, the structs of scenario.hpp their initial values; `smartpower keys`, docs/keys.md
// and the JSON Schema (`smartpower schema`, docs/scenario.schema.json) are generated from
// it.
//
// A path names a key with dots; `<...>` is a name the file chooses: an entry of an array
// of tables by its id (`levers.<id>.decay`), or a key of a table whose keys are ids or
// names (`actors.<id>.lever_bias.<lever>`, `relations.<actor>.<partner>.border`).
#pragma once

#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace smartpower {

// The numbers a key accepts: an interval, each end closed or open, of finite numbers.
struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;

  bool contains(double v) const {
    if (!std::isfinite(v)) return false;
    if (lo_open ? !(v > lo) : !(v >= lo)) return false;
    if (hi_open ? !(v < hi) : !(v <= hi)) return false;
    return true;
  }
  // "a number in [0, 1]", "a number >= 0", "a finite number" (the reader's messages).
  std::string describe() const;
  // "[0, 1]", "(0, 1e+06]", ">= 0", "" for any finite number.
  std::string interval() const;
};

constexpr Range closed(double lo, double hi) { return Range{lo, hi, false, false}; }
constexpr Range open_hi(double lo, double hi) { return Range{lo, hi, false, true}; }
constexpr Range open_lo(double lo, double hi) { return Range{lo, hi, true, false}; }
constexpr Range at_least(double lo) { return Range{lo, std::numeric_limits<double>::infinity(), false, false}; }

enum class KeyType {
  number,           // a float or an integer
  integer,          // an integer
  boolean,          // true or false
  string,           // text
  choice,           // one of the strings in `choices`
  table,            // a table of further keys
  array_of_tables,  // [[...]] entries, addressed by their id
  points,           // [[TIME, VALUE], ...]
  strings,          // an array of strings
};

struct Key {
  std::string_view path;  // dotted path, e.g. "levers.<id>.mass_exponent"
  KeyType type = KeyType::number;
  bool required = false;          // a complete scenario must set it (a file with `extends` need not)
  double fallback = 0;            // default of a number, integer or boolean (1 = true)
  std::string_view default_text;  // the default in words when it is not a constant number
  Range range;                    // of a number or integer
  std::string_view choices;       // of a choice, "|"-separated
  std::string_view unit;          // e.g. "year", "per year"
  std::string_view symbol;        // in docs/model.md, with its equation
  std::string_view doc;           // one-line meaning

  // The last segment of the path: the key as written in its table.
  constexpr std::string_view name() const { return path.substr(path.rfind('.') + 1); }
  // The first segment: the top-level section.
  constexpr std::string_view section() const { return path.substr(0, path.find('.')); }
};

namespace keys_detail {
using T = KeyType;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr Key num(std::string_view path, double fallback, Range range, std::string_view unit, std::string_view symbol,
                  std::string_view doc) {
  return Key{path, T::number, false, fallback, {}, range, {}, unit, symbol, doc};
}
constexpr Key req_num(std::string_view path, Range range, std::string_view unit, std::string_view symbol,
                      std::string_view doc) {
  return Key{path, T::number, true, 0, {}, range, {}, unit, symbol, doc};
}
// A number whose default is not a constant (given in words).
constexpr Key num_text(std::string_view path, double fallback, std::string_view default_text, Range range,
                       std::string_view unit, std::string_view symbol, std::string_view doc) {
  return Key{path, T::number, false, fallback, default_text, range, {}, unit, symbol, doc};
}
constexpr Key str(std::string_view path, std::string_view default_text, std::string_view doc) {
  return Key{path, T::string, false, 0, default_text, {}, {}, {}, {}, doc};
}
constexpr Key req_str(std::string_view path, std::string_view doc) {
  return Key{path, T::string, true, 0, {}, {}, {}, {}, {}, doc};
}
constexpr Key choice(std::string_view path, bool required, std::string_view default_text, std::string_view choices,
                     std::string_view symbol, std::string_view doc) {
  return Key{path, T::choice, required, 0, default_text, {}, choices, {}, symbol, doc};
}
constexpr Key flag(std::string_view path, bool fallback, std::string_view doc) {
  return Key{path, T::boolean, false, fallback ? 1.0 : 0.0, {}, {}, {}, {}, {}, doc};
}
constexpr Key table(std::string_view path, bool required, std::string_view doc) {
  return Key{path, T::table, required, 0, {}, {}, {}, {}, {}, doc};
}
constexpr Key tables(std::string_view path, bool required, std::string_view doc) {
  return Key{path, T::array_of_tables, required, 0, {}, {}, {}, {}, {}, doc};
}
}  // namespace keys_detail

// Every scenario key, section by section, in the order of a scenario file.
// clang-format off
inline constexpr auto kScenarioKeys = [] {
  using namespace keys_detail;
  return std::array{
    // The file itself
    str("extends", "", "path of the base scenario, relative to this file; this file's tables merge into it (arrays of tables by id)"),
    Key{"remove_actors", KeyType::strings, false, 0, "", {}, {}, {}, {}, "actor ids removed, with their relations, biases, events and moves, after `extends`"},
    table("overrides", false, "dotted paths set after `extends`, e.g. \"model.rho\" = 0.3 or actors.KAZ.budget = 2"),

    // [scenario]
    table("scenario", true, "the run: name, time horizon and seed"),
    req_str("scenario.name", "name shown in outputs and reports"),
    str("scenario.description", "", "what the scenario is about"),
    str("scenario.lens", "", "the lens applied; written by `resolve --lens` (choose a lens with --lens)"),
    req_num("scenario.start", closed(-1e6, 1e6), "year", "start", "first recorded instant t_0"),
    req_num("scenario.end", closed(-1e6, 1e6), "year", "end", "last recorded instant t_T; later than start"),
    num("scenario.dt", 0.25, open_lo(0, 1e6), "year", "dt", "step length; divides end - start into T = round((end - start)/dt) steps"),
    Key{"scenario.seed", KeyType::integer, false, 1, {}, at_least(0), {}, {}, "master seed (eq. 14)", "master seed of every run's random stream"},
    Key{"scenario.price", KeyType::points, false, 0, "none", open_lo(0, 1e12), {}, {}, "q(t) (eq. 14)", "a world price index as [TIME, VALUE] points, times increasing, log-linear between them: priced levers' reach goes as (q(t)/price_reference)^(price_exponent · price_exposure)"},
    num_text("scenario.price_reference", 0, "the price at the start", closed(0, 1e12), "price", "q_0 (eq. 14)", "the price at which the price factor is 1 (0 = q(start))"),

    // [model]
    table("model", false, "global weights of the equations of docs/model.md"),
    num("model.rho", 0.5, open_hi(-50, 1), "", "ρ (eq. 8)", "CES exponent of smart power; < 1 so a mix beats either extreme"),
    num("model.alpha", 0.5, closed(0, 1), "", "α (eq. 8)", "CES weight of hard power"),
    num("model.identity_share", 0.5, closed(0, 1), "", "β (eq. 3)", "share of identity (vs alignment) in affinity"),
    num("model.soft_floor", 0.1, closed(0, 1), "", "r0 (eq. 5)", "soft receptivity at zero affinity"),
    num("model.affinity_exponent", 1.0, closed(0, 20), "", "κ (eq. 5)", "curvature of soft receptivity in affinity"),
    num("model.need_exponent", 0.5, closed(0, 20), "", "μ (eq. 5)", "curvature of hard receptivity in capability asymmetry"),
    num("model.proximity_floor", 0.2, closed(0, 1), "", "p0 (eq. 11)", "threat proximity without a border"),
    num("model.threat_base", 0.1, closed(0, 1e6), "", "θ0 (eq. 11)", "military pressure without any stock"),
    num("model.threat_soft_damping", 1.0, closed(0, 1e6), "", "φ_s (eq. 11)", "how much soft power softens threat"),
    num("model.threat_affinity_damping", 1.0, closed(0, 1e6), "", "φ_a (eq. 11)", "how much affinity softens threat"),
    num("model.alignment_rate", 0.5, closed(0, 1e3), "per year", "η (eq. 16)", "speed of alignment adjustment per year (η · dt <= 1)"),
    num("model.alignment_bias", 0.0, closed(-10, 10), "", "a0 (eq. 16)", "constant term of the alignment target"),
    num("model.w_identity", 1.0, closed(0, 100), "", "a_id (eq. 16)", "constructivist term: shared identity"),
    num("model.w_exchange", 1.0, closed(0, 100), "", "a_ex (eq. 16)", "constructivist term: soft exchanges"),
    num("model.w_interdependence", 1.0, closed(0, 100), "", "a_lib (eq. 16)", "liberal term: hard interdependence"),
    num("model.w_threat", 1.0, closed(0, 100), "", "a_real (eq. 16)", "realist term: threat lowers alignment"),
    num("model.w_counter", 1.0, closed(0, 100), "", "a_cb (eq. 16)", "counter-balancing term: a counterweight to the top threat"),
    num("model.noise", 1.0, closed(0, 100), "", "scales σ_i (eq. 14)", "multiplies every actor's utility noise"),

    // [[levers]]
    tables("levers", true, "the levers: ways to exert influence, soft or hard (at least one)"),
    req_str("levers.<id>.id", "the lever's name, used by biases, stocks, events and moves"),
    choice("levers.<id>.kind", true, "", "soft|hard", "soft, hard (eq. 7)", "soft works through attraction, hard through capability"),
    num("levers.<id>.weight", 1, closed(0, 1e6), "", "w_k (eq. 6)", "weight of the lever's influence"),
    num("levers.<id>.decay", 0.1, closed(0, 1e3), "per year", "δ_k (eq. 15)", "stock decay per year (decay · dt <= 1)"),
    num("levers.<id>.returns", 1, open_lo(0, 1), "", "γ_k (eq. 6)", "returns exponent of the stock"),
    num("levers.<id>.reciprocity", 0, closed(0, 1), "", "r_k (eq. 4)", "share of the partner's own stock that counts as influence"),
    num("levers.<id>.threat", 0, closed(0, 1e6), "", "θ_k (eq. 11)", "military pressure per unit of stock^γ"),
    choice("levers.<id>.capability", false, "economy (hard), none (soft)", "economy|military|population|none", "x_k (eq. 5)", "the capability that scales a hard lever's receptivity and its gravity mass"),
    str("levers.<id>.unit", "", "real-world unit of the stock, e.g. \"USD bn\" (needs unit_scale or flow_scale)"),
    num("levers.<id>.unit_scale", 0, closed(0, 1e12), "unit per stock unit", "real, volume (metrics)", "real value of one stock unit (0 = no unit)"),
    num("levers.<id>.flow_scale", 0, closed(0, 1e12), "unit per year per effort unit", "flow (metric)", "real value per year of one unit of effort: the two-way flow metric (0 = none)"),
    num("levers.<id>.mass_exponent", 0, closed(0, 10), "", "ν_k (eq. 14)", "gravity: effort reach grows as (c_i c_j / mass_scale^2)^this"),
    num("levers.<id>.mass_scale", 1, open_lo(0, 1e12), "capability", "Y_k (eq. 14)", "gravity: the capability product's unit (mass term 1 at mass_scale^2)"),
    num("levers.<id>.mass_asymmetry", 0, closed(-10, 10), "", "ν′_k (eq. 14)", "gravity: the larger of the two masses enters with mass_exponent + this (0 = symmetric)"),
    num("levers.<id>.distance_exponent", 0, closed(0, 10), "", "λ_k (eq. 14)", "gravity: effort reach falls as distance^-this"),
    num("levers.<id>.opening", 0, closed(0, 100), "year", "τ_k (eq. 14)", "a relation's channel on this lever builds up as 1 - exp(-(t - opened) / this) after relations.*.opened (0 = none)"),
    num("levers.<id>.price_exponent", 0, closed(-10, 10), "", "π_k (eq. 14)", "the lever's flows are priced: reach goes as (q(t)/q_0)^(this · relations.*.price_exposure) with scenario.price (0 = not priced)"),
    str("levers.<id>.description", "", "what the lever stands for"),

    // [[actors]]
    tables("actors", true, "the actors (countries), at least two"),
    req_str("actors.<id>.id", "the actor's name, used by relations, biases, events and moves"),
    str("actors.<id>.name", "the id", "name shown in outputs and reports"),
    num("actors.<id>.budget", 1, closed(0, 1e12), "effort per year", "B_i (eq. 1, 14)", "effort spent per year at start"),
    num("actors.<id>.temperature", 1, open_lo(0, 1e6), "", "T_i (eq. 14)", "softmax temperature of the allocation"),
    num("actors.<id>.noise", 0, closed(0, 1e3), "", "σ_i (eq. 14)", "sigma of the utility noise"),
    table("actors.<id>.capabilities", true, "capabilities at start: { economy, military, population }"),
    num("actors.<id>.capabilities.economy", 0, closed(0, 1e12), "", "c_i^economy(0) (eq. 1)", "economic capability at start"),
    num("actors.<id>.capabilities.military", 0, closed(0, 1e12), "", "c_i^military(0) (eq. 1)", "military capability at start"),
    num("actors.<id>.capabilities.population", 0, closed(0, 1e12), "", "c_i^population(0) (eq. 1)", "population at start"),
    table("actors.<id>.growth", false, "exponential growth rates: { economy, military, population, budget }"),
    num("actors.<id>.growth.economy", 0, closed(-1, 1), "per year", "g_i^economy (eq. 1)", "growth rate of the economy"),
    num("actors.<id>.growth.military", 0, closed(-1, 1), "per year", "g_i^military (eq. 1)", "growth rate of military capability"),
    num("actors.<id>.growth.population", 0, closed(-1, 1), "per year", "g_i^population (eq. 1)", "growth rate of the population"),
    num("actors.<id>.growth.budget", 0, closed(-1, 1), "per year", "g_i^budget (eq. 1)", "growth rate of the budget"),
    table("actors.<id>.path", false, "capabilities as data: { economy = [[t, v], ...], ... }, log-linear between the points"),
    Key{"actors.<id>.path.economy", KeyType::points, false, 0, "capabilities · exp(growth · t)", open_lo(0, 1e12), {}, {}, "c_i^economy(t) (eq. 1)", "the economy as [TIME, VALUE] points, times increasing"},
    Key{"actors.<id>.path.military", KeyType::points, false, 0, "capabilities · exp(growth · t)", open_lo(0, 1e12), {}, {}, "c_i^military(t) (eq. 1)", "military capability as [TIME, VALUE] points, times increasing"},
    Key{"actors.<id>.path.population", KeyType::points, false, 0, "capabilities · exp(growth · t)", open_lo(0, 1e12), {}, {}, "c_i^population(t) (eq. 1)", "the population as [TIME, VALUE] points, times increasing"},
    table("actors.<id>.strategy", false, "weights of the utility terms"),
    num("actors.<id>.strategy.diversify", 0, closed(-100, 100), "", "ω diversify (eq. 13)", "engage the partners you depend on least"),
    num("actors.<id>.strategy.counter_threat", 0, closed(-100, 100), "", "ω counter_threat (eq. 13)", "engage counterweights to your top threat"),
    num("actors.<id>.strategy.affinity", 0, closed(-100, 100), "", "ω affinity (eq. 13)", "soft outreach where affinity is high"),
    num("actors.<id>.strategy.smart_mix", 0, closed(-100, 100), "", "ω smart_mix (eq. 13)", "push your own soft/hard mix toward the CES optimum"),
    num("actors.<id>.strategy.sphere", 0, closed(-100, 100), "", "ω sphere (eq. 13)", "keep bordering partners dependent on you"),
    num("actors.<id>.strategy.expansion", 0, closed(-100, 100), "", "ω expansion (eq. 13)", "hard levers toward large economies"),
    table("actors.<id>.identity", false, "identity vector: { dimension = weight }; the dimensions are the union over actors"),
    num("actors.<id>.identity.<dim>", 0, closed(0, 1e3), "", "v_i (eq. 2)", "weight of one identity dimension (missing = 0)"),
    table("actors.<id>.lever_bias", false, "utility added to every option on a lever: { lever = bias }"),
    num("actors.<id>.lever_bias.<lever>", 0, closed(-100, 100), "", "lever_bias[k] (eq. 13)", "utility added to the options on this lever"),
    table("actors.<id>.partner_bias", false, "utility added to every option toward a partner: { actor = bias }"),
    num("actors.<id>.partner_bias.<actor>", 0, closed(-100, 100), "", "partner_bias[j] (eq. 13)", "utility added to the options toward this partner"),

    // [relations.I.J]
    table("relations", false, "dyads at start: [relations.I.J] as I sees J"),
    table("relations.<actor>", false, "the relations of one actor"),
    table("relations.<actor>.<partner>", false, "one dyad: how <actor> stands toward <partner>"),
    num("relations.<actor>.<partner>.border", 0, closed(0, 1), "", "border(i,j) (eq. 11)", "shared border, symmetric (given on both sides, they must agree)"),
    num("relations.<actor>.<partner>.distance", 1, open_lo(0, 1e6), "", "D(i,j) (eq. 14)", "distance of the gravity factor, symmetric (given on both sides, they must agree)"),
    num("relations.<actor>.<partner>.opened", -1e6, closed(-1e6, 1e6), "year", "o(i,j) (eq. 14)", "when the relation opened: effort on a lever with opening > 0 has no effect before it, symmetric (given on both sides, they must agree)"),
    num("relations.<actor>.<partner>.price_exposure", 0, closed(-10, 10), "", "s(i,j) (eq. 14)", "how far the relation's priced flows move with scenario.price, symmetric (given on both sides, they must agree)"),
    num("relations.<actor>.<partner>.alignment", 0, closed(-1, 1), "", "A(i,j) at start (eq. 16)", "alignment at start"),
    table("relations.<actor>.<partner>.stocks", false, "lever stocks at start: { lever = stock }"),
    num("relations.<actor>.<partner>.stocks.<lever>", 0, closed(0, 1e12), "stock", "S[k](i,j) at start (eq. 15)", "<actor>'s accumulated engagement with <partner> through the lever"),

    // [[events]]
    tables("events", false, "one-shot shocks applied at the step holding `time`"),
    str("events.<id>.id", "", "optional id, lets overrides and what-ifs address the event"),
    req_str("events.<id>.label", "what happened, as shown in reports"),
    req_str("events.<id>.source", "article section or public source"),
    req_num("events.<id>.time", closed(-1e6, 1e6), "year", "time (order within a step)", "when it happens, in [start, end); may be fractional"),
    req_str("events.<id>.actor", "the actor whose stock and alignment change"),
    req_str("events.<id>.target", "the partner, different from the actor"),
    str("events.<id>.lever", "", "the lever whose stock changes (required when stock != 0)"),
    num("events.<id>.stock", 0, closed(-1e12, 1e12), "stock", "S[k](i,j) += stock (order within a step)", "added to the stock of actor toward target on the lever (clamped at 0)"),
    num("events.<id>.alignment", 0, closed(-2, 2), "", "A(i,j) += alignment (order within a step)", "added to the actor's alignment with the target (clamped to [-1, 1])"),
    flag("events.<id>.mutual", false, "also apply target -> actor"),
    flag("events.<id>.enabled", true, "false switches the event off"),

    // [[moves]]
    tables("moves", false, "sustained policy changes over [from, to)"),
    str("moves.<id>.id", "", "optional id, lets overrides and what-ifs address the move"),
    req_str("moves.<id>.label", "what the move is, as shown in reports"),
    str("moves.<id>.source", "", "article section or public source"),
    req_str("moves.<id>.actor", "the actor whose effort changes"),
    req_str("moves.<id>.target", "the partner, or \"*\" for every partner"),
    req_str("moves.<id>.lever", "the lever, or \"*\" for every lever"),
    req_num("moves.<id>.from", closed(-1e6, 1e6), "year", "from (eq. 14)", "start of the window"),
    num_text("moves.<id>.to", kInf, "the end", closed(-1e6, 1e6), "year", "to (eq. 14)", "end of the window (excluded); later than from; without it the move lasts to the end, its last instant included"),
    num("moves.<id>.scale", 1, closed(0, 1e6), "", "s (eq. 14)", "multiplies the actor's chosen effort"),
    num("moves.<id>.effort", 0, closed(-1e9, 1e9), "effort per year", "a (eq. 14)", "effort added per year (not scaled by gravity)"),
    flag("moves.<id>.enabled", true, "false switches the move off"),

    // [[expect]]
    tables("expect", false, "signs a what-if expects of an outcome against its base, evaluated by `compare`"),
    req_str("expect.<n>.metric", "an outcome selector, e.g. \"dependence[KAZ,RUS]\""),
    choice("expect.<n>.effect", true, "", "raises|lowers", "", "the expected sign of the what-if's effect"),
    num_text("expect.<n>.at", 0, "scenario.end", Range{}, "year", "", "when to compare, in [start, end]"),
    req_str("expect.<n>.reason", "the one-line theory behind the sign"),

    // [lenses.NAME]
    table("lenses", false, "theory lenses, chosen with --lens"),
    table("lenses.<name>", false, "one lens: dotted overrides applied after `extends` and [overrides]"),
    str("lenses.<name>.description", "", "what the lens stands for"),

    // [calibration]
    table("calibration", false, "the free parameters of `smartpower calibrate`"),
    tables("calibration.parameters", true, "the free parameters, each a number of the scenario with a box"),
    req_str("calibration.parameters.<n>.path", "dotted path of a number in the scenario, e.g. \"model.alpha\""),
    req_num("calibration.parameters.<n>.lo", closed(-1e12, 1e12), "", "", "lower bound; every value in [lo, hi] must give a valid scenario"),
    req_num("calibration.parameters.<n>.hi", closed(-1e12, 1e12), "", "", "upper bound, greater than lo"),
    flag("calibration.parameters.<n>.log", false, "search on a log scale (lo > 0)"),
    str("calibration.parameters.<n>.note", "", "why the parameter is free and why this box"),
  };
}();
// clang-format on

// Every key, in the order of a scenario file.
inline std::span<const Key> scenario_keys() { return kScenarioKeys; }

// The key at `path`; a compile error when no key has that path.
consteval const Key& scenario_key(std::string_view path) {
  for (const Key& k : kScenarioKeys) {
    if (k.path == path) return k;
  }
  throw "no scenario key has this path";
}
// The default of a number key, for the initial values of the structs in scenario.hpp.
consteval double key_default(std::string_view path) { return scenario_key(path).fallback; }

// The key whose path matches `dotted` (a concrete path such as "levers.trade.decay" or
// a pattern), or nullptr.
const Key* find_key(std::string_view dotted);

// One key as `smartpower keys` and docs/keys.md show it, every field as text.
struct KeyRow {
  std::string heading;  // "[model]", "[[levers]]", "The file itself"
  std::string path;
  std::string type;      // "number", "one of \"soft\", \"hard\"", ...
  std::string fallback;  // "0.25", "required", "the id", ...
  std::string range;     // "[0, 1]", "(0, 1e6]", ...
  std::string unit;
  std::string symbol;
  std::string meaning;
};
std::vector<KeyRow> key_rows();

// docs/keys.md: one markdown table per section.
std::string keys_markdown();
// A JSON Schema (draft-07) of a scenario file, for editors (taplo, Even Better TOML).
std::string scenario_json_schema();

}  // namespace smartpower
