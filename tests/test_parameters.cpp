// Typed parameter handles (smartpower/core/parameters.hpp) and the analyses that take a
// Scenario: the same numbers as the TOML paths they replace, to the bit.
#include <catch2/catch.hpp>

#include <cstring>

#include "helpers.hpp"
#include "smartpower/analysis/compare.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/parameters.hpp"
#include "smartpower/analysis/sweep.hpp"
#include "smartpower/analysis/compare_toml.hpp"
#include "smartpower/analysis/sweep_toml.hpp"

using namespace smartpower;

namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.message();
  }
  return "";
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST_CASE("a parameter handle sets the number its key path names", "[parameters]") {
  const Scenario base = load_scenario(sptest::scenario("baseline.toml"));
  const int kaz = base.actor_index("KAZ"), rus = base.actor_index("RUS"), tur = base.actor_index("TUR");
  const std::size_t N = base.actors.size();
  Scenario s = base;

  const Parameter budget(s, "actors.TUR.budget");
  CHECK(budget.get(s) == base.actors[tur].budget);
  budget.set(s, 2.5);
  CHECK(s.actors[tur].budget == 2.5);
  CHECK(budget.key().path == "actors.<id>.budget");

  Parameter(s, "model.rho").set(s, 0.25);
  CHECK(s.params.rho == 0.25);
  Parameter(s, "levers.trade.decay").set(s, 0.05);
  CHECK(s.levers[s.lever_index("trade")].decay == 0.05);
  Parameter(s, "actors.KAZ.growth.budget").set(s, 0.01);
  CHECK(s.actors[kaz].budget_growth == 0.01);
  Parameter(s, "actors.KAZ.lever_bias.trade").set(s, 0.7);
  CHECK(s.actors[kaz].lever_bias[s.lever_index("trade")] == 0.7);
  // A border is symmetric: both sides change, as in a file.
  Parameter(s, "relations.KAZ.RUS.border").set(s, 0.5);
  CHECK(s.border[kaz * N + rus] == 0.5);
  CHECK(s.border[rus * N + kaz] == 0.5);
  Parameter(s, "relations.KAZ.TUR.stocks.trade").set(s, 3.0);
  CHECK(s.stocks0[(s.lever_index("trade") * N + kaz) * N + tur] == 3.0);
  // Events by index or id, as in [overrides].
  Parameter(s, "events.0.alignment").set(s, 0.125);
  CHECK(s.events[0].alignment == 0.125);
  Parameter(s, "events." + s.events[1].id + ".stock").set(s, 0.0);
  CHECK(s.events[1].stock == 0.0);
  CHECK_NOTHROW(validate(s));
}

TEST_CASE("a parameter handle refuses what the registry or the scenario does not have", "[parameters]") {
  const Scenario s = load_scenario(sptest::scenario("baseline.toml"));
  CHECK(message_of([&] { Parameter(s, "actors.TUR.budgt"); }) ==
        "'actors.TUR.budgt' is not a scenario key; did you mean 'actors.TUR.budget'?");
  CHECK(message_of([&] { Parameter(s, "actors.TRK.budget"); }) ==
        "'actors.TRK.budget' names actor \"TRK\", which the scenario does not have; did you mean \"TUR\"?");
  CHECK(message_of([&] { Parameter(s, "levers.trade.kind"); }) ==
        "'levers.trade.kind' is not a number (levers.<id>.kind)");
  CHECK(message_of([&] { Parameter(s, "relations.KAZ.KAZ.border"); }) ==
        "'relations.KAZ.KAZ.border' is a relation of an actor with itself");
  Scenario t = s;
  CHECK(message_of([&] { Parameter(t, "model.alpha").set(t, 1.5); }) ==
        "'model.alpha' = 1.5 is out of range: expected a number in [0, 1]");
  CHECK(message_of([&] { RunPlans(s, {"model.alpha"}).add({0.5, 0.2}); }) == "run plan 0: 2 values for 1 parameters");
}

TEST_CASE("a sweep of run plans gives the TOML sweep's numbers to the bit", "[parameters][sweep]") {
  const Document doc = load_document(sptest::scenario("baseline.toml"));
  const std::vector<std::string> paths = {"actors.TUR.budget", "levers.trade.decay", "relations.KAZ.RUS.alignment"};
  const std::vector<std::vector<double>> points = {{0.2, 0.05, 0.1}, {0.6, 0.1, -0.3}, {1.4, 0.02, 0.0}};
  SweepOptions o;
  o.runs = 3;
  o.outputs = {"dependence[KAZ,TUR]", "balance[KAZ]", "alignment[KAZ,RUS]"};
  const SweepResult toml = run_sweep(*doc.table, paths, points, o);

  RunPlans plans(build_scenario(*doc.table), paths);
  for (const auto& p : points) plans.add(p);
  const SweepResult typed = run_sweep(plans, o);

  REQUIRE(typed.rows.size() == toml.rows.size());
  CHECK(typed.parameters == toml.parameters);
  CHECK(typed.outcomes == toml.outcomes);
  for (std::size_t i = 0; i < points.size(); ++i) {
    for (std::size_t k = 0; k < o.outputs.size(); ++k) {
      CHECK(same_bits(typed.rows[i].outcomes[k].mean, toml.rows[i].outcomes[k].mean));
      CHECK(same_bits(typed.rows[i].outcomes[k].q95, toml.rows[i].outcomes[k].q95));
    }
  }
  // The parameters moved the outcome (the comparison is not between constants).
  CHECK(typed.rows[0].outcomes[0].mean != typed.rows[2].outcomes[0].mean);
}

TEST_CASE("add_range spaces a parameter from lo to hi and keeps the others at the base", "[parameters]") {
  const Scenario s = load_scenario(sptest::scenario("baseline.toml"));
  RunPlans plans(s, {"model.alpha", "actors.TUR.budget"});
  plans.add_range("model.alpha", 0.2, 0.8, 4);
  REQUIRE(plans.size() == 4);
  CHECK(plans.values(0)[0] == 0.2);
  CHECK(plans.values(3)[0] == 0.8);
  CHECK(plans.values(1)[1] == s.actors[s.actor_index("TUR")].budget);
  CHECK(plans.scenario(2).params.alpha == Approx(0.6));
  CHECK_THROWS_AS(plans.add_range("model.alpha", 0.2, 1.5, 2), InputError);  // 1.5 is out of [0, 1]
}

TEST_CASE("compare of two Scenario values gives the comparison of their files", "[parameters][compare]") {
  const auto base_file = sptest::scenario("baseline.toml");
  const auto whatif_file = sptest::scenario("whatif/russia_military_pressure.toml");
  CompareOptions o;
  o.runs = 6;
  o.seed = 3;
  const Comparison files = compare_scenarios(*load_document(base_file).table, *load_document(whatif_file).table, o);
  const Comparison typed = compare_scenarios(load_scenario(base_file), load_scenario(whatif_file), o);
  CHECK(typed.base_extended == files.base_extended);
  CHECK(typed.causes.size() == files.causes.size());
  REQUIRE(typed.changes.size() == files.changes.size());
  for (std::size_t i = 0; i < files.changes.size(); ++i) {
    CHECK(typed.changes[i].actor == files.changes[i].actor);
    CHECK(same_bits(typed.changes[i].diff.mean, files.changes[i].diff.mean));
  }
  CHECK(typed.sentences == files.sentences);
}
