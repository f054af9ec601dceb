// validate(Scenario): a Scenario built or edited in code is checked against the key
// registry and the reader's cross-key rules, with the reader's messages, and never
// crashes the model (issue 16: a code-built Scenario used to SEGV in derive_batch).
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <type_traits>

#include "helpers.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/core/scenario.hpp"
#include "smartpower/core/simulation.hpp"

using namespace smartpower;

namespace {

// Three actors, two levers, a relation, an event and a move: as a file ...
std::string small_toml(const std::string& extra = "") {
  return R"(
[scenario]
name = "small"
start = 2000.0
end = 2004.0
dt = 0.5
seed = 3

[[levers]]
id = "culture"
kind = "soft"

[[levers]]
id = "trade"
kind = "hard"

[[actors]]
id = "A"
budget = 2.0
noise = 0.3
capabilities = { economy = 3.0, military = 1.0, population = 2.0 }
lever_bias = { culture = 0.0, trade = 0.5 }

[[actors]]
id = "B"
noise = 0.3
capabilities = { economy = 1.0, military = 2.0, population = 1.0 }

[[actors]]
id = "C"
noise = 0.3
capabilities = { economy = 2.0, military = 0.5, population = 3.0 }

[relations.A.B]
border = 1.0
alignment = 0.2

[[events]]
label = "shock"
source = "test"
time = 2001.0
actor = "A"
target = "B"
lever = "trade"
stock = 1.0

[[moves]]
label = "push"
actor = "A"
target = "C"
lever = "culture"
from = 2002.0
effort = 0.5
)" + extra;
}

// ... and built in code, field by field, leaving the tables it does not need empty.
Scenario small_code() {
  Scenario sc;
  sc.info.name = "small";
  sc.info.start = 2000;
  sc.info.end = 2004;
  sc.info.dt = 0.5;
  sc.info.seed = 3;
  Lever culture;
  culture.id = "culture";
  Lever trade;
  trade.id = "trade";
  trade.kind = LeverKind::hard;
  trade.capability = Capability::economy;  // a hard lever's default in a file
  sc.levers = {culture, trade};
  const double caps[3][3] = {{3, 1, 2}, {1, 2, 1}, {2, 0.5, 3}};
  for (int i = 0; i < 3; ++i) {
    Actor a;
    a.id = std::string(1, static_cast<char>('A' + i));
    a.name = a.id;
    a.noise = 0.3;
    a.capabilities = {caps[i][0], caps[i][1], caps[i][2]};
    sc.actors.push_back(a);
  }
  sc.actors[0].budget = 2;
  sc.actors[0].lever_bias = {0.0, 0.5};
  sc.border.assign(9, 0.0);
  sc.border[0 * 3 + 1] = sc.border[1 * 3 + 0] = 1;
  sc.alignment0.assign(9, 0.0);
  sc.alignment0[0 * 3 + 1] = 0.2;
  Event e;
  e.label = "shock";
  e.source = "test";
  e.time = 2001;
  e.actor = 0;
  e.target = 1;
  e.lever = 1;
  e.stock = 1;
  sc.events.push_back(e);
  Move m;
  m.label = "push";
  m.actor = 0;
  m.target = 2;
  m.lever = 0;
  m.from = 2002;
  m.effort = 0.5;
  sc.moves.push_back(m);
  return sc;
}

Scenario from_toml(const std::string& text) {
  return build_scenario(*load_document_from_string(text, "small.toml").table);
}

// The message (without file position) of the InputError `f` throws, or "" if none.
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.message();
  }
  return "";
}

EnsembleResult run(const Scenario& sc, int runs = 4) {
  const Model m(sc);
  EnsembleOptions o;
  o.runs = runs;
  o.seed = 7;
  return run_ensemble(m, o);
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

TEST_CASE("a Scenario built in code runs like the same scenario read from a file", "[validate]") {
  const Scenario code = small_code();
  REQUIRE_NOTHROW(validate(code));
  // Before validate() and fill_defaults() this crashed in derive_batch (empty tables).
  const EnsembleResult a = run(code);
  const EnsembleResult b = run(from_toml(small_toml()));
  REQUIRE(a.finals.size() == b.finals.size());
  CHECK(a.finals == b.finals);
  CHECK(a.mean == b.mean);
}

TEST_CASE("a Scenario with only actors and levers gets every table's default", "[validate]") {
  Scenario sc = small_code();
  sc.border.clear();
  sc.alignment0.clear();
  sc.actors[0].lever_bias.clear();
  sc.events.clear();
  sc.moves.clear();
  const Model m(sc);
  CHECK(m.scenario().border.size() == 9);
  CHECK(m.scenario().distance == std::vector<double>(9, 1.0));
  CHECK(m.scenario().stocks0.size() == 2 * 9);
  CHECK(m.scenario().actors[2].partner_bias.size() == 3);
  EnsembleOptions o;
  o.runs = 2;
  const auto r = run_ensemble(m, o);
  for (double v : r.finals) REQUIRE(std::isfinite(v));
}

TEST_CASE("validate gives the reader's message for the same mistake made in code", "[validate]") {
  struct Case {
    const char* what;
    std::string toml_extra;  // appended to the file
    std::function<void(Scenario&)> edit;
    std::string expected;  // the message, as the reader gives it
  };
  const std::vector<Case> cases = {
      {"a weight out of its range", "[overrides]\n\"model.alpha\" = 2.0\n", [](Scenario& s) { s.params.alpha = 2; },
       "[model]: 'alpha' = 2 is out of range: expected a number in [0, 1]"},
      {"NaN", "[overrides]\n\"model.rho\" = nan\n", [](Scenario& s) { s.params.rho = kNaN; },
       "[model]: 'rho' = nan is out of range: expected a number in [-50, 1)"},
      {"a negative budget", "[overrides]\n\"actors.B.budget\" = -1.0\n", [](Scenario& s) { s.actors[1].budget = -1; },
       "actor 'B': 'budget' = -1 is out of range: expected a number in [0, 1e+12]"},
      {"a lever bias out of range", "[overrides]\n\"actors.A.lever_bias.trade\" = 500.0\n",
       [](Scenario& s) { s.actors[0].lever_bias[1] = 500; },
       "actor 'A' lever_bias: 'trade' = 500 is out of range: expected a number in [-100, 100]"},
      {"a capability that is infinite", "[overrides]\n\"actors.C.capabilities.military\" = inf\n",
       [](Scenario& s) { s.actors[2].capabilities.military = std::numeric_limits<double>::infinity(); },
       "actor 'C' capabilities: 'military' = inf is out of range: expected a number in [0, 1e+12]"},
      {"decay times dt above 1", "[overrides]\n\"levers.trade.decay\" = 3.0\n",
       [](Scenario& s) { s.levers[1].decay = 3; },
       "lever 'trade': 'decay' times dt must be <= 1 (a stock cannot lose more than itself in a step)"},
      {"alignment rate times dt above 1", "[overrides]\n\"model.alignment_rate\" = 4.0\n",
       [](Scenario& s) { s.params.alignment_rate = 4; },
       "[model]: 'alignment_rate' * dt must be <= 1 (the update would overshoot): 4 * 0.5"},
      {"an end before the start", "[overrides]\n\"scenario.end\" = 1999.0\n", [](Scenario& s) { s.info.end = 1999; },
       "[scenario]: 'end' must be later than 'start'"},
      {"a step that does not divide the horizon", "[overrides]\n\"scenario.dt\" = 0.3\n",
       [](Scenario& s) { s.info.dt = 0.3; }, "[scenario]: 'dt' must divide end - start into a whole number of steps"},
      {"an alignment out of range", "[overrides]\n\"relations.A.B.alignment\" = 1.5\n",
       [](Scenario& s) { s.alignment0[0 * 3 + 1] = 1.5; },
       "[relations.A.B]: 'alignment' = 1.5 is out of range: expected a number in [-1, 1]"},
      {"a border that is not symmetric", "[relations.B.A]\nborder = 0.5\n",
       [](Scenario& s) { s.border[1 * 3 + 0] = 0.5; },
       "[relations.B.A]: 'border' contradicts the border given in [relations.A.B] (borders are symmetric)"},
      {"an event outside the horizon", "[overrides]\n\"events.0.time\" = 2004.0\n",
       [](Scenario& s) { s.events[0].time = 2004; },
       "event 'shock': 'time' = 2004 is outside the scenario's time range [2000, 2004)"},
      {"an event stock without a lever",
       "[[events]]\nlabel = \"gift\"\nsource = \"test\"\ntime = 2001.0\nactor = \"B\"\ntarget = \"C\"\nstock = 2.0\n",
       [](Scenario& s) {
         Event e = s.events[0];
         e.label = "gift";
         e.actor = 1;
         e.target = 2;
         e.lever = -1;
         e.stock = 2;
         s.events.push_back(e);
       },
       "event 'gift': 'stock' needs a 'lever' to add the stock to"},
      {"a move toward itself", "[overrides]\n\"moves.0.target\" = \"A\"\n", [](Scenario& s) { s.moves[0].target = 0; },
       "move 'push': 'target' must differ from 'actor'"},
      {"a move that ends before it starts", "[overrides]\n\"moves.0.to\" = 2001.0\n",
       [](Scenario& s) { s.moves[0].to = 2001; }, "move 'push': 'to' must be later than 'from'"},
      {"a move scale out of range", "[overrides]\n\"moves.0.scale\" = -2.0\n",
       [](Scenario& s) { s.moves[0].scale = -2; },
       "move 'push': 'scale' = -2 is out of range: expected a number in [0, 1e+06]"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const std::string from_file = message_of([&] { from_toml(small_toml(c.toml_extra)); });
    Scenario sc = small_code();
    c.edit(sc);
    const std::string from_code = message_of([&] { validate(sc); });
    CHECK(from_file == c.expected);
    CHECK(from_code == c.expected);
    // The public run entry point refuses it too, with the same message.
    CHECK(message_of([&] { run(sc); }) == c.expected);
  }
}

TEST_CASE("validate names what is missing or dangling in a Scenario built in code", "[validate]") {
  const std::vector<std::pair<std::function<void(Scenario&)>, std::string>> cases = {
      {[](Scenario& s) { s.actors.resize(1); }, "scenario file: needs at least two [[actors]] entries"},
      {[](Scenario& s) { s.levers.clear(); }, "scenario file: needs at least one [[levers]] entry"},
      {[](Scenario& s) { s.actors[2].id = "A"; }, "actor: 'id' \"A\" is defined twice"},
      {[](Scenario& s) { s.levers[0].id = "soft power"; },
       "lever: 'id' must be a non-empty lever id without dots, spaces, commas or brackets"},
      {[](Scenario& s) { s.moves[0].actor = 7; },
       "move 'push': 'actor' = 7 is not a known actor index; known: 0 A, 1 B, 2 C"},
      {[](Scenario& s) { s.moves[0].lever = 2; },
       "move 'push': 'lever' = 2 is not a known lever index; known: 0 culture, 1 trade, or -1 for all (\"*\")"},
      {[](Scenario& s) { s.events[0].target = -1; },
       "event 'shock': 'target' = -1 is not a known actor index; known: 0 A, 1 B, 2 C"},
      {[](Scenario& s) {
         s.actors[0].lever_bias = {0.0, 0.5, 1.0};
       },
       "actor 'A': 'lever_bias' has 3 values; expected 2 (one per lever), or none for the defaults"},
      {[](Scenario& s) { s.border.resize(4); },
       "scenario: 'border' has 4 values; expected 9 (N x N, border[i*N+j]), or none for the defaults"},
      {[](Scenario& s) { s.stocks0.assign(18, 0.0), s.stocks0[(1 * 3 + 1) * 3 + 1] = 1.0; },
       "[relations.B]: 'B' is a relation of an actor with itself"},
      {[](Scenario& s) { s.levers[1].kind = static_cast<LeverKind>(5); },
       "lever 'trade': 'kind' = 5 is not allowed: expected one of \"soft\", \"hard\""},
      {[](Scenario& s) {
         s.actors[1].path[0] = {{2000, 1.0}, {2000, 2.0}};
       },
       "actor 'B' path: 'economy' point 1: the times must increase from point to point"},
      {[](Scenario& s) { s.info.seed = ~std::uint64_t{0}; },
       "[scenario]: 'seed' = 18446744073709551615 is out of range: expected an integer in [0, 9223372036854775807]"},
      {[](Scenario& s) { s.info.dt = 0; }, "[scenario]: 'dt' = 0 is out of range: expected a number in (0, 1e+06]"},
  };
  for (const auto& [edit, expected] : cases) {
    INFO(expected);
    Scenario sc = small_code();
    edit(sc);
    CHECK(message_of([&] { validate(sc); }) == expected);
    CHECK(message_of([&] { run(sc); }) == expected);
  }
}

TEST_CASE("a scenario is checked once: as read, or when made a ValidScenario", "[validate]") {
  // Nothing becomes a ValidScenario without a check: only explicitly, by validating.
  static_assert(!std::is_convertible_v<Scenario, ValidScenario>);
  // What the reader accepts, validate() accepts, with every table filled: Model runs the
  // reader's Scenario without checking it again.
  std::vector<std::string> files = {sptest::scenario("baseline.toml"), sptest::scenario("flagship.toml")};
  for (const auto& f : std::filesystem::directory_iterator(sptest::scenario("whatif"))) files.push_back(f.path().string());
  REQUIRE(files.size() >= 9);
  for (const auto& file : files) {
    INFO(file);
    const ValidScenario read = load_scenario(file);
    CHECK_NOTHROW(validate(read.scenario()));
    const std::size_t N = read->actors.size();
    CHECK(read->border.size() == N * N);
    CHECK(read->distance.size() == N * N);
    CHECK(read->stocks0.size() == read->levers.size() * N * N);
    for (const Actor& a : read->actors) CHECK(a.partner_bias.size() == N);
  }
  // A Scenario made in code: the constructor validates (validate()'s message) and fills.
  Scenario bad = small_code();
  bad.params.alpha = 2;
  CHECK(message_of([&] { ValidScenario v(bad); }) == "[model]: 'alpha' = 2 is out of range: expected a number in [0, 1]");
  Scenario sparse = small_code();
  sparse.distance.clear();
  const ValidScenario filled(sparse);
  CHECK(filled->distance == std::vector<double>(9, 1.0));
  // Checked once or twice, the same runs.
  const Model once(filled), twice(filled.scenario());
  EnsembleOptions o;
  o.runs = 3;
  CHECK(run_ensemble(once, o).finals == run_ensemble(twice, o).finals);
}

TEST_CASE("no Scenario edited at random crashes the model: it runs or is refused", "[validate][robustness]") {
  std::mt19937_64 rng(16);
  const double odd[] = {kNaN, -1.0, 0.0, 1e300, -1e300, std::numeric_limits<double>::infinity(), 0.5, 3.0};
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  int refused = 0, ran = 0;
  for (int trial = 0; trial < 300; ++trial) {
    Scenario sc = small_code();
    for (int edits = 1 + pick(3); edits > 0; --edits) {
      const double v = odd[pick(8)];
      switch (pick(12)) {
        case 0:
          sc.params.rho = v;
          break;
        case 1:
          sc.actors[pick(3)].budget = v;
          break;
        case 2:
          sc.levers[pick(2)].decay = v;
          break;
        case 3:
          sc.moves[0].lever = pick(5) - 2;
          break;
        case 4:
          sc.events[0].actor = pick(6) - 2;
          break;
        case 5:
          sc.border.resize(pick(12));
          break;
        case 6:
          sc.actors[pick(3)].partner_bias.resize(pick(5));
          break;
        case 7:
          sc.info.dt = v;
          break;
        case 8:
          sc.info.end = sc.info.start + v;
          break;
        case 9:
          sc.stocks0.resize(pick(20));
          break;
        case 10:
          sc.moves[0].to = sc.moves[0].from + v;
          break;
        default:
          sc.actors.resize(pick(4));
          break;
      }
    }
    try {
      validate(sc);
    } catch (const InputError&) {
      ++refused;
      CHECK_THROWS_AS(Model(sc), InputError);
      continue;
    }
    ++ran;
    const auto r = run(sc, 2);
    for (double x : r.finals) REQUIRE(std::isfinite(x));
  }
  CHECK(refused > 0);
  CHECK(ran > 0);
}
