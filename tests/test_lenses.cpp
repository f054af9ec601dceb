// Lenses in the library: load_lenses reads a scenario under each theory lens, run_lenses
// runs them with one master seed (what `smartpower lenses` prints).
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "smartpower/analysis/lenses.hpp"
#include "smartpower/core/error.hpp"

using namespace smartpower;

TEST_CASE("each lens is the scenario with the lens's overrides, run with the same seed", "[lenses]") {
  const std::string file = sptest::scenario("baseline.toml");
  std::vector<LensScenario> lenses = load_lenses(file);
  std::vector<std::string> names;
  for (const auto& l : lenses) names.push_back(l.name);
  // The scenario itself, then its lenses by name.
  CHECK(names == std::vector<std::string>{"", "constructivism", "liberalism", "realism", "smart"});
  CHECK(lenses[0].description == "the scenario's own parameters");
  REQUIRE(names.size() == 5);
  const std::size_t realism = 3;
  CHECK_THAT(lenses[realism].description, Catch::Contains("threat drive alignment"));
  // The lens sets model.w_threat = 3 (the flagship's [lenses.realism]); the scenario's own value differs.
  CHECK(lenses[realism].scenario->params.w_threat == 3.0);
  CHECK(lenses[0].scenario->params.w_threat != 3.0);

  LensesOptions o;
  o.runs = 3;
  o.seed = 5;
  const std::vector<LensEnsemble> runs = run_lenses(std::move(lenses), o);
  REQUIRE(runs.size() == 5);
  // A lens's runs are those of its scenario loaded and run alone with the same seed.
  EnsembleOptions e;
  e.runs = 3;
  e.seed = 5;
  e.series_stats = false;
  const EnsembleResult alone = run_ensemble(Model(load_scenario(file, "realism")), e);
  CHECK(runs[realism].result.finals == alone.finals);
  CHECK(runs[0].result.finals != runs[realism].result.finals);
}

TEST_CASE("a scenario without lenses is refused by name", "[lenses][errors]") {
  const auto dir = sptest::temp_dir("lenses");
  const std::string file = sptest::write(dir / "plain.toml", sptest::tiny_scenario());
  CHECK_THROWS_WITH(load_lenses(file), Catch::Contains("plain.toml defines no [lenses]"));
}
