// What a scenario *is*: a validated, fully resolved description of actors, levers,
// relations, events and moves. Loading (TOML -> Scenario) lives in document.hpp;
// running lives in simulation.hpp. Every field names the TOML key that sets it; the
// defaults and ranges of numeric keys live once, in the spec tables of scenario.cpp,
// which `smartpower keys` prints.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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
  double dt = 0.25;         // dt (years per step)
  std::uint64_t seed = 1;   // seed
  int steps() const;        // round((end - start) / dt)
  double time_at(int step) const { return start + dt * step; }
};

// [model]: global weights of the equations in docs/model.md.
struct ModelParams {
  double rho = 0.5;                      // rho: CES exponent (< 1)
  double alpha = 0.5;                    // alpha: CES weight of hard power
  double identity_share = 0.5;           // identity_share: beta
  double soft_floor = 0.1;               // soft_floor: r0
  double affinity_exponent = 1.0;        // affinity_exponent: kappa
  double need_exponent = 0.5;            // need_exponent: mu
  double proximity_floor = 0.2;          // proximity_floor: p0
  double threat_base = 0.1;              // threat_base: theta0
  double threat_soft_damping = 1.0;      // threat_soft_damping: phi_s
  double threat_affinity_damping = 1.0;  // threat_affinity_damping: phi_a
  double alignment_rate = 0.5;           // alignment_rate: eta (per year)
  double alignment_bias = 0.0;           // alignment_bias: a0
  double w_identity = 1.0;               // w_identity
  double w_exchange = 1.0;               // w_exchange
  double w_interdependence = 1.0;        // w_interdependence
  double w_threat = 1.0;                 // w_threat
  double w_counter = 1.0;                // w_counter
  double noise = 1.0;                    // noise: multiplies every actor's noise
};

// [[levers]]
struct Lever {
  std::string id;                      // id
  LeverKind kind = LeverKind::soft;    // kind = "soft" | "hard"
  double weight = 1;                   // weight: w_k
  double decay = 0.1;                  // decay: delta_k (per year)
  double returns = 1;                  // returns: gamma_k in (0, 1]
  double reciprocity = 0;              // reciprocity: r_k
  double threat = 0;                   // threat: theta_k
  Capability capability = Capability::none;  // capability
  std::string unit;                    // unit: real-world unit of the stock, e.g. "USD bn"
  double unit_scale = 0;               // unit_scale: real value of one stock unit (0 = none)
  double mass_exponent = 0;            // mass_exponent: nu_k of the gravity factor (docs/model.md eq. 14)
  double mass_scale = 1;               // mass_scale: Y_k, the mass at which the mass term is 1
  double distance_exponent = 0;        // distance_exponent: lambda_k of the gravity factor
  bool gravity() const { return mass_exponent != 0 || distance_exponent != 0; }
  std::string description;             // description
};

struct Capabilities {
  double economy = 0;     // economy
  double military = 0;    // military
  double population = 0;  // population
  double get(Capability c) const;
};

// actors.strategy: weights of the utility terms (docs/model.md, eq. 13).
struct Strategy {
  double diversify = 0;       // diversify
  double counter_threat = 0;  // counter_threat
  double affinity = 0;        // affinity
  double smart_mix = 0;       // smart_mix
  double sphere = 0;          // sphere
  double expansion = 0;       // expansion
};

// [[actors]]
struct Actor {
  std::string id;                   // id
  std::string name;                 // name
  Capabilities capabilities;        // capabilities = { economy, military, population }
  Capabilities growth;              // growth = { economy, military, population, budget }
  double budget_growth = 0;         // growth.budget
  // path = { economy = [[t, v], ...], ... }: a capability as data (docs/model.md eq. 1),
  // log-linear between the points, held flat outside; empty = capabilities * exp(growth t).
  std::vector<std::pair<double, double>> path[3];  // [0] economy, [1] military, [2] population
  double budget = 1;                // budget: effort per year
  double temperature = 1;           // temperature: softmax temperature
  double noise = 0;                 // noise: sigma of the utility noise
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
  double stock = 0;          // stock: added to S[lever](actor, target)
  double alignment = 0;      // alignment: added to A(actor, target)
  bool mutual = false;       // mutual: also apply target -> actor
  bool enabled = true;       // enabled
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
  double to = 0;       // to (year; absent: +infinity, the move lasts to the end, last instant included)
  double scale = 1;    // scale: multiplies the actor's chosen effort
  double effort = 0;   // effort: added effort per year
  bool enabled = true; // enabled
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
  // stocks0[(k*N+i)*N+j] = S[k](i,j) at start.
  std::vector<double> border;
  std::vector<double> distance;  // distance[i*N+j]: relations.I.J.distance (symmetric, default 1)
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

const char* to_string(LeverKind k);
const char* to_string(Capability c);

}  // namespace smartpower
