// Scenario loading: extends chains, merge rules, overrides, lenses, resolve round trip.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/error.hpp"

using namespace smartpower;

TEST_CASE("extends merges tables, appends events and merges entries by id", "[loader][extends]") {
  const auto dir = sptest::temp_dir("extends");
  sptest::write(dir / "base.toml", sptest::tiny_scenario(R"(
[[events]]
id = "e1"
label = "first"
source = "test"
time = 2000.25
actor = "A"
target = "B"
alignment = 0.1
)"));
  const auto child = sptest::write(dir / "child.toml", R"(extends = "base.toml"
[scenario]
end = 2002.0

[[actors]]
id = "B"
budget = 5.0

[[events]]
label = "second"
source = "test"
time = 2001.5
actor = "B"
target = "C"
alignment = -0.1

[overrides]
"model.rho" = 0.25
"levers.trade.decay" = 0.2
"events.e1.enabled" = false
)");
  const Scenario sc = load_scenario(child);
  CHECK(sc.info.end == 2002.0);
  CHECK(sc.info.start == 2000.0);           // kept from the base
  CHECK(sc.n_actors() == 3);                 // B merged by id, not appended
  CHECK(sc.actors[1].budget == 5.0);
  CHECK(sc.actors[1].capabilities.economy == 2.0);  // the rest of B kept
  REQUIRE(sc.events.size() == 2);
  CHECK_FALSE(sc.events[0].enabled);
  CHECK(sc.events[1].label == "second");
  CHECK(sc.params.rho == 0.25);
  CHECK(sc.levers[1].decay == 0.2);
}

TEST_CASE("errors in an extending file point at that file and line", "[loader][extends]") {
  const auto dir = sptest::temp_dir("extends-err");
  sptest::write(dir / "base.toml", sptest::tiny_scenario());
  const auto child = sptest::write(dir / "child.toml", "extends = \"base.toml\"\n\n[model]\nrhoo = 0.3\n");
  try {
    load_scenario(child);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.pos().file == child);
    CHECK(e.pos().line == 4);
    CHECK_THAT(e.message(), Catch::Contains("unknown key 'rhoo'") && Catch::Contains("did you mean 'rho'"));
  }
  const auto bad_override = sptest::write(dir / "ov.toml", "extends = \"base.toml\"\n[overrides]\n\"model.alpha\" = 3.0\n");
  try {
    load_scenario(bad_override);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK(e.pos().file == bad_override);
    CHECK(e.pos().line == 3);
    CHECK_THAT(e.message(), Catch::Contains("alpha") && Catch::Contains("[0, 1]"));
  }
}

TEST_CASE("lenses are named overrides, an unknown lens lists the known ones", "[loader][lens]") {
  const std::string path = sptest::scenario("baseline.toml");
  const Scenario plain = load_scenario(path);
  const Scenario realist = load_scenario(path, "realism");
  CHECK(realist.params.w_threat > plain.params.w_threat);
  CHECK(realist.params.soft_floor < plain.params.soft_floor);
  try {
    load_scenario(path, "marxism");
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK_THAT(e.message(), Catch::Contains("realism") && Catch::Contains("constructivism"));
  }
}

TEST_CASE("the resolved TOML reloads into the same scenario", "[loader][resolve]") {
  Document doc = load_document(sptest::scenario("baseline.toml"));
  const Scenario a = build_scenario(*doc.table);
  const std::string text = to_toml(*doc.table);
  Document again = load_document_from_string(text, "resolved.toml");
  const Scenario b = build_scenario(*again.table);
  CHECK(b.n_actors() == a.n_actors());
  CHECK(b.events.size() == a.events.size());
  CHECK(b.stocks0 == a.stocks0);
  CHECK(b.params.rho == a.params.rho);
  CHECK(to_toml(*again.table) == text);
}

TEST_CASE("set_path addresses array entries by id or index", "[loader][path]") {
  Document doc = load_document_from_string(sptest::tiny_scenario(), "t.toml");
  set_path(*doc.table, "actors.C.budget", 7.0);
  set_path(*doc.table, "levers.0.weight", 2.0);
  const Scenario sc = build_scenario(*doc.table);
  CHECK(sc.actors[2].budget == 7.0);
  CHECK(sc.levers[0].weight == 2.0);
  CHECK_THROWS_AS(set_path(*doc.table, "actors.Q.budget", 1.0), InputError);
  REQUIRE(get_path(*doc.table, "actors.C.budget") != nullptr);
  CHECK(get_path(*doc.table, "actors.C.nothing") == nullptr);
}

TEST_CASE("closest_match suggests near words only", "[loader]") {
  CHECK(closest_match("rhoo", {"rho", "alpha"}) == "rho");
  CHECK(closest_match("w_identiy", {"w_identity", "w_threat"}) == "w_identity");
  CHECK(closest_match("banana", {"rho", "alpha"}).empty());
}

TEST_CASE("remove_actors takes the actor's free parameters with it; the world without Türkiye validates",
          "[loader][remove]") {
  // The flagship declares actors.TUR.budget, actors.KAZ.partner_bias.TUR and the Turkish
  // events' stocks as free parameters: after `remove_actors = ["TUR"]` they name nothing,
  // so they leave [calibration] with the actor (validate checked every one and failed).
  const Document doc = load_document(sptest::scenario("whatif/no_turkey.toml"));
  const toml::array* params = (*doc.table)["calibration"]["parameters"].as_array();
  REQUIRE(params);
  const Document full = load_document(sptest::scenario("baseline.toml"));
  const std::size_t before = (*full.table)["calibration"]["parameters"].as_array()->size();
  CHECK(params->size() < before);
  CHECK(params->size() > 0);
  for (const auto& p : *params) {
    const std::string path = (*p.as_table())["path"].value_or(std::string());
    INFO(path);
    CHECK(path.find("TUR") == std::string::npos);
    CHECK(path.find("ankara_deals") == std::string::npos);  // an event between TUR and KAZ
  }
  std::string text;
  CHECK(sptest::run(sptest::bin() + " validate " + sptest::scenario("whatif/no_turkey.toml"), &text) == 0);
}
