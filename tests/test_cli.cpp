// End to end: the smartpower binary on the baseline, as a user would run it.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "smartpower/core/version.hpp"

using sptest::run;

TEST_CASE("run prints the outcome table and writes both files", "[cli][e2e]") {
  const auto out = sptest::temp_dir("run");
  std::string text;
  REQUIRE(run(sptest::bin() + " run " + sptest::scenario("baseline.toml") + " --out " + out.string(), &text) == 0);
  CHECK_THAT(text, Catch::Contains("KAZ (Kazakhstan)") && Catch::Contains("balance index") &&
                       Catch::Contains("dependence") && Catch::Contains("alignment") && Catch::Contains("threat"));
  const auto csv = sptest::read((out / "timeseries.csv").string());
  CHECK(csv.rfind("run,time,metric,actor,partner,lever,value\n", 0) == 0);
  CHECK_THAT(csv, Catch::Contains("0,2021,balance,KAZ,,,"));
  CHECK_THAT(csv, Catch::Contains(",flow,KAZ,TUR,trade,"));
  CHECK_THAT(csv, Catch::Contains(",volume,KAZ,TUR,education,"));
  CHECK_THAT(csv, !Catch::Contains(",volume,KAZ,TUR,trade,"));  // trade has a flow_scale, no unit_scale
  const auto j = nlohmann::json::parse(sptest::read((out / "summary.json").string()));
  CHECK(j["engine"]["version"] == SMARTPOWER_VERSION);  // smartpower/core/version.hpp
  CHECK(j["seed"] == 20240917);
  CHECK_THAT(j["command"].get<std::string>(), Catch::Contains("run"));
  CHECK_THAT(j["resolved_scenario"].get<std::string>(), Catch::Contains("[scenario]"));
  const double d_tur = j["actors"]["KAZ"]["partners"]["TUR"]["dependence"]["mean"];
  const double d_rus = j["actors"]["KAZ"]["partners"]["RUS"]["dependence"]["mean"];
  const double d_chn = j["actors"]["KAZ"]["partners"]["CHN"]["dependence"]["mean"];
  CHECK(d_tur + d_rus + d_chn == Approx(1.0));
}

TEST_CASE("ensembles report quantiles and are byte-identical across thread counts", "[cli][determinism]") {
  const auto a = sptest::temp_dir("t1"), b = sptest::temp_dir("t2");
  const std::string cmd = sptest::bin() + " run " + sptest::scenario("baseline.toml") + " --runs 24 --seed 9 -q";
  REQUIRE(run(cmd + " --threads 1 --out " + a.string()) == 0);
  REQUIRE(run(cmd + " --threads 2 --out " + b.string()) == 0);
  const auto sa = sptest::read((a / "summary.json").string());
  CHECK(sa == sptest::read((b / "summary.json").string()));
  CHECK(sptest::read((a / "timeseries.csv").string()) == sptest::read((b / "timeseries.csv").string()));
  const auto j = nlohmann::json::parse(sa);
  const auto& bal = j["actors"]["KAZ"]["balance"];
  CHECK(bal["q05"].get<double>() <= bal["q50"].get<double>());
  CHECK(bal["q50"].get<double>() <= bal["q95"].get<double>());
  CHECK(j["runs"] == 24);
}

TEST_CASE("validate names a misspelt key, its line and the closest valid key", "[cli][validate]") {
  const auto dir = sptest::temp_dir("typo");
  const auto file = sptest::write(dir / "typo.toml", "extends = \"" + sptest::scenario("baseline.toml") + "\"\n[model]\nalpah = 0.4\n");
  std::string text;
  CHECK(run(sptest::bin() + " validate " + file, &text) == 2);
  CHECK_THAT(text, Catch::Contains("typo.toml:3:1") && Catch::Contains("unknown key 'alpah'") &&
                       Catch::Contains("did you mean 'alpha'"));
  CHECK(run(sptest::bin() + " validate " + sptest::scenario("baseline.toml"), &text) == 0);
  CHECK_THAT(text, Catch::Contains("actors    4: KAZ TUR RUS CHN"));
}

TEST_CASE("resolve prints TOML that validates again", "[cli][resolve]") {
  const auto dir = sptest::temp_dir("resolve");
  std::string text;
  REQUIRE(run(sptest::bin() + " resolve " + sptest::scenario("baseline.toml") + " --lens realism", &text) == 0);
  CHECK_THAT(text, Catch::Contains("w_threat = 3.0"));
  const auto file = sptest::write(dir / "resolved.toml", text);
  CHECK(run(sptest::bin() + " validate " + file) == 0);
}

TEST_CASE("usage errors exit 2 and every command has --help", "[cli][usage]") {
  std::string text;
  CHECK(run(sptest::bin() + " run", &text) == 2);
  CHECK(run(sptest::bin() + " frobnicate") == 2);
  CHECK(run(sptest::bin() + " run " + sptest::scenario("baseline.toml") + " --runs 0") == 2);
  CHECK(run(sptest::bin() + " run /nonexistent.toml", &text) == 2);
  CHECK_THAT(text, Catch::Contains("no such file"));
  for (const char* cmd : {"run", "validate", "resolve", "keys"}) {
    INFO(cmd);
    CHECK(run(sptest::bin() + " " + cmd + " --help", &text) == 0);
    CHECK_THAT(text, Catch::Contains("--help"));
  }
}
