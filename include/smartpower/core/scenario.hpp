// What a scenario *is*: a validated, fully resolved description of actors, levers,
// relations, events and moves. Loading (TOML -> Scenario) lives in document.hpp;
// running lives in simulation.hpp. Every field names the TOML key that sets it; each
// default is taken from the key registry (smartpower/core/keys.hpp), where it is written
// once with the key's range, unit and meaning (`smartpower keys` prints them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "smartpower/core/keys.hpp"

namespace smartpower {

enum class LeverKind { soft, hard };
// Which capability scales a hard lever's receptivity (docs/model.md, eq. 5).
enum class Capability { economy, military, population, none };

// [scenario]
struct ScenarioInfo {
  std::string name;         // name
  std::string description;  // description
  double start = 0;         // start (year)
  double end = 0;           // end (year)
  double dt = key_default("scenario.dt");  // dt (years per step)
  std::uint64_t seed = static_cast<std::uint64_t>(key_default("scenario.seed"));  // seed
  int steps() const;        // round((end - start) / dt)
  double time_at(int step) const { return start + dt * step; }
  // price = [[t, q], ...]: a world price index as data (docs/model.md eq. 14, prices);
  // empty = none.
  std::vector<std::pair<double, double>> price;
  double price_reference = key_default("scenario.price_reference");  // q_0; 0 = the price at the start
};

// [model]: global weights of the equations in docs/model.md.
struct ModelParams {
  double rho = key_default("model.rho");  // rho: CES exponent (< 1)
  double alpha = key_default("model.alpha");  // alpha: CES weight of hard power
  double identity_share = key_default("model.identity_share");  // identity_share: beta
  double soft_floor = key_default("model.soft_floor");  // soft_floor: r0
  double affinity_exponent = key_default("model.affinity_exponent");  // affinity_exponent: kappa
  double need_exponent = key_default("model.need_exponent");  // need_exponent: mu
  double proximity_floor = key_default("model.proximity_floor");  // proximity_floor: p0
  double threat_base = key_default("model.threat_base");  // threat_base: theta0
  double threat_soft_damping = key_default("model.threat_soft_damping");  // threat_soft_damping: phi_s
  double threat_affinity_damping = key_default("model.threat_affinity_damping");  // threat_affinity_damping: phi_a
  double alignment_rate = key_default("model.alignment_rate");  // alignment_rate: eta (per year)
  double alignment_bias = key_default("model.alignment_bias");  // alignment_bias: a0
  double w_identity = key_default("model.w_identity");  // w_identity
  double w_exchange = key_default("model.w_exchange");  // w_exchange
  double w_interdependence = key_default("model.w_interdependence");  // w_interdependence
  double w_threat = key_default("model.w_threat");  // w_threat
  double w_counter = key_default("model.w_counter");  // w_counter
  double noise = key_default("model.noise");  // noise: multiplies every actor's noise
};

// [[levers]]
struct Lever {
  std::string id;                      // id
  LeverKind kind = LeverKind::soft;    // kind = "soft" | "hard"
  double weight = key_default("levers.<id>.weight");  // weight: w_k
  double decay = key_default("levers.<id>.decay");  // decay: delta_k (per year)
  double returns = key_default("levers.<id>.returns");  // returns: gamma_k in (0, 1]
  double reciprocity = key_default("levers.<id>.reciprocity");  // reciprocity: r_k
  double threat = key_default("levers.<id>.threat");  // threat: theta_k
  Capability capability = Capability::none;  // capability
  std::string unit;                    // unit: real-world unit of the stock, e.g. "USD bn"
  double unit_scale = key_default("levers.<id>.unit_scale");  // unit_scale: real value of one stock unit (0 = none)
  double flow_scale = key_default("levers.<id>.flow_scale");  // flow_scale: real value per year of one effort unit (0 = none)
  double mass_exponent = key_default("levers.<id>.mass_exponent");  // mass_exponent: nu_k of the gravity factor (docs/model.md eq. 14)
  double mass_scale = key_default("levers.<id>.mass_scale");  // mass_scale: Y_k, the mass at which the mass term is 1
  double mass_asymmetry = key_default("levers.<id>.mass_asymmetry");  // mass_asymmetry: nu'_k, extra exponent of the larger mass
  double distance_exponent = key_default("levers.<id>.distance_exponent");  // distance_exponent: lambda_k of the gravity factor
  double opening = key_default("levers.<id>.opening");  // opening: tau_k, years for a newly opened relation's channel to build up
  double price_exponent = key_default("levers.<id>.price_exponent");  // price_exponent: pi_k, the lever's flows are priced
  bool gravity() const {
    return mass_exponent != 0 || mass_asymmetry != 0 || distance_exponent != 0 || opening != 0 || price_exponent != 0;
  }
  std::string description;             // description
};

struct Capabilities {
  double economy = key_default("actors.<id>.capabilities.economy");  // economy
  double military = key_default("actors.<id>.capabilities.military");  // military
  double population = key_default("actors.<id>.capabilities.population");  // population
  double get(Capability c) const;
};

// actors.strategy: weights of the utility terms (docs/model.md, eq. 13).
struct Strategy {
  double diversify = key_default("actors.<id>.strategy.diversify");  // diversify
  double counter_threat = key_default("actors.<id>.strategy.counter_threat");  // counter_threat
  double affinity = key_default("actors.<id>.strategy.affinity");  // affinity
  double smart_mix = key_default("actors.<id>.strategy.smart_mix");  // smart_mix
  double sphere = key_default("actors.<id>.strategy.sphere");  // sphere
  double expansion = key_default("actors.<id>.strategy.expansion");  // expansion
};

// [[actors]]
struct Actor {
  std::string id;                   // id
  std::string name;                 // name
  Capabilities capabilities;        // capabilities = { economy, military, population }
  Capabilities growth;              // growth = { economy, military, population, budget }
  double budget_growth = key_default("actors.<id>.growth.budget");  // growth.budget
  // path = { economy = [[t, v], ...], ... }: a capability as data (docs/model.md eq. 1),
  // log-linear between the points, held flat outside; empty = capabilities * exp(growth t).
  std::vector<std::pair<double, double>> path[3];  // [0] economy, [1] military, [2] population
  double budget = key_default("actors.<id>.budget");  // budget: effort per year
  double temperature = key_default("actors.<id>.temperature");  // temperature: softmax temperature
  double noise = key_default("actors.<id>.noise");  // noise: sigma of the utility noise
  Strategy strategy;                // strategy = { diversify = .., ... }
  std::vector<double> identity;     // identity = { dim = value } (per identity dimension)
  std::vector<double> lever_bias;   // lever_bias = { lever = value } (K)
  std::vector<double> partner_bias; // partner_bias = { actor = value } (N)
};

// [[events]]: a one-shot shock at `time`.
struct Event {
  std::string id;            // id (optional, lets overrides address it)
  std::string label;         // label
  std::string source;        // source: article section or public source
  double time = 0;           // time (year, may be fractional)
  int actor = -1;            // actor
  int target = -1;           // target
  int lever = -1;            // lever (required when stock != 0)
  double stock = key_default("events.<id>.stock");  // stock: added to S[lever](actor, target)
  double alignment = key_default("events.<id>.alignment");  // alignment: added to A(actor, target)
  bool mutual = key_default("events.<id>.mutual") != 0;  // mutual: also apply target -> actor
  bool enabled = key_default("events.<id>.enabled") != 0;  // enabled
};

// [[moves]]: a sustained policy change over [from, to).
struct Move {
  std::string id;      // id (optional)
  std::string label;   // label
  std::string source;  // source
  int actor = -1;      // actor
  int target = -1;     // target ("*" = every partner -> -1)
  int lever = -1;      // lever ("*" = every lever -> -1)
  double from = 0;     // from (year)
  double to = key_default("moves.<id>.to");  // to (year; absent: +infinity, the move lasts to the end, last instant included)
  double scale = key_default("moves.<id>.scale");  // scale: multiplies the actor's chosen effort
  double effort = key_default("moves.<id>.effort");  // effort: added effort per year
  bool enabled = key_default("moves.<id>.enabled") != 0;  // enabled
};

// [[expect]]: a sign a what-if expects of one outcome (from IR theory), for `compare` to
// evaluate: the what-if raises or lowers `metric` at `at` against the base.
struct Expectation {
  std::string metric;   // metric: an outcome selector, e.g. "dependence[KAZ,RUS]"
  bool raises = true;   // effect = "raises" | "lowers"
  double at = 0;        // at (year; default the scenario's end)
  std::string reason;   // reason: the one-line theory behind the sign
};

struct Scenario {
  ScenarioInfo info;
  ModelParams params;
  std::vector<Lever> levers;
  std::vector<Actor> actors;
  std::vector<std::string> identity_dims;
  // Dense relation data, row-major: border[i*N+j], distance[i*N+j], alignment0[i*N+j],
  // stocks0[(k*N+i)*N+j] = S[k](i,j) at start. Empty: every entry at its default
  // (fill_defaults).
  std::vector<double> border;
  std::vector<double> distance;  // distance[i*N+j]: relations.I.J.distance (symmetric, default 1)
  std::vector<double> opened;    // opened[i*N+j]: relations.I.J.opened (symmetric, default -1e6: always open)
  std::vector<double> exposure;  // exposure[i*N+j]: relations.I.J.price_exposure (symmetric, default 0)
  std::vector<double> alignment0;
  std::vector<double> stocks0;
  std::vector<Event> events;
  std::vector<Move> moves;
  std::vector<Expectation> expectations;

  int n_actors() const { return static_cast<int>(actors.size()); }
  int n_levers() const { return static_cast<int>(levers.size()); }
  int actor_index(const std::string& id) const;  // -1 if absent
  int lever_index(const std::string& id) const;  // -1 if absent
};

// Bounds that protect the machine before any work starts (docs/robustness.md).
struct Limits {
  int max_extends_depth = 32;
  std::size_t max_file_bytes = 8u << 20;  // 8 MiB per scenario file
  std::size_t max_chain_bytes = 32u << 20;  // 32 MiB of text over a whole `extends` chain (parsed, ~20x that)
  int max_actors = 4096;
  int max_levers = 256;
  long long max_steps = 1'000'000;
};

// Checks a Scenario, however it was made (read from TOML, built or edited in code),
// against the key registry's types and ranges and the cross-key rules the TOML reader
// enforces: the same messages as for the TOML file (section, key, what was expected),
// without a file position; references by index are named by index. Throws InputError on
// the first problem, never crashes on any Scenario. Model's constructor calls it.
void validate(const Scenario& scenario, const Limits& limits = {});
// Fills the dense tables a Scenario built in code may leave empty with their defaults:
// border 0, distance 1, opened -1e6, exposure 0, alignment0 0, stocks0 0 (N x N, K x N x N), and per actor
// identity, lever_bias and partner_bias 0. validate() accepts them empty; Model fills them.
void fill_defaults(Scenario& scenario);

namespace detail {
struct ScenarioReader;  // the TOML reader (engine/io/scenario_reader.cpp)
}  // namespace detail

// A Scenario that has passed the checks once, with its empty tables filled: what Model
// compiles without checking again. Made by validating a Scenario (the constructor) or by
// the TOML reader (load_scenario), whose checks are validate()'s with file positions.
// Read-only: to edit one, take a copy (a plain Scenario, checked again when run).
class ValidScenario {
 public:
  // validate(scenario, limits), then fill_defaults(): InputError on the first problem.
  explicit ValidScenario(Scenario scenario, const Limits& limits = {});

  const Scenario& scenario() const { return scenario_; }
  const Scenario* operator->() const { return &scenario_; }
  // A copy to read or edit; from a temporary, moved out.
  operator Scenario() const& { return scenario_; }
  operator Scenario() && { return std::move(scenario_); }

 private:
  friend struct detail::ScenarioReader;
  struct Checked {};
  ValidScenario(Scenario scenario, Checked) : scenario_(std::move(scenario)) {}

  Scenario scenario_;
};

const char* to_string(LeverKind k);
const char* to_string(Capability c);

}  // namespace smartpower
