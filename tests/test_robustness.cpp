// Hardening: limits that fail early, numerical safety at the edges, and outputs that
// are whole or absent even when a run is killed part-way.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "helpers.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/io/output.hpp"
#include "smartpower/analysis/sweep.hpp"
#include "smartpower/analysis/sweep_toml.hpp"

using namespace smartpower;
namespace fs = std::filesystem;

namespace {
using sptest::listing;


bool all_finite(const EnsembleResult& r) {
  for (double v : r.finals) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}
}  // namespace

TEST_CASE("an interrupted run leaves the previous outputs untouched and no partial file", "[robustness][interrupt]") {
  const auto dir = sptest::temp_dir("interrupt");
  const std::string base = sptest::bin() + " run " + sptest::scenario("baseline.toml") + " -q --out " + dir.string();
  REQUIRE(sptest::run(base) == 0);
  const auto before_summary = sptest::read((dir / "summary.json").string());
  const auto before_csv = sptest::read((dir / "timeseries.csv").string());
  for (const char* sig : {"INT", "TERM"}) {
    INFO("signal " << sig);
    std::string out;
    const int rc = sptest::run("(" + base + " --runs 400000 --series mean & pid=$!; sleep 1; kill -" + sig +
                                   " $pid; wait $pid; exit $?)",
                               &out);
    CHECK(rc == 130);
    CHECK_THAT(out, Catch::Contains("interrupted"));
    CHECK(sptest::read((dir / "summary.json").string()) == before_summary);
    CHECK(sptest::read((dir / "timeseries.csv").string()) == before_csv);
    CHECK(listing(dir) == std::vector<std::string>{".smartpower-manifest.json", "summary.json", "timeseries.csv"});
  }
}

TEST_CASE("an output folder keeps the user's files and never mixes two runs", "[robustness][outputs]") {
  const auto dir = sptest::temp_dir("mixed");
  sptest::write(dir / "my-notes.txt", "mine");
  REQUIRE(sptest::run(sptest::bin() + " run " + sptest::scenario("baseline.toml") + " -q --out " + dir.string()) == 0);
  CHECK(sptest::read((dir / "my-notes.txt").string()) == "mine");
  // A run without time series removes the earlier run's timeseries.csv (its own file).
  REQUIRE(sptest::run(sptest::bin() + " run " + sptest::scenario("baseline.toml") + " -q --series none --out " + dir.string()) == 0);
  CHECK(listing(dir) == std::vector<std::string>{".smartpower-manifest.json", "my-notes.txt", "summary.json"});
}

TEST_CASE("absurd sizes are refused before any work starts", "[robustness][limits]") {
  std::string out;
  CHECK(sptest::run(sptest::bin() + " run " + sptest::scenario("baseline.toml") + " --runs 9000000 --out " +
                        sptest::temp_dir("huge").string(),
                    &out) == 2);
  CHECK_THAT(out, Catch::Contains("use fewer runs"));
  CHECK(sptest::run(sptest::bin() + " run " + sptest::scenario("baseline.toml") + " --runs 2000000 --series all --out " +
                        sptest::temp_dir("disk").string(),
                    &out) == 2);
  CHECK_THAT(out, Catch::Contains("--series mean"));
  // An extends chain deeper than the limit.
  const auto dir = sptest::temp_dir("deep");
  sptest::write(dir / "f0.toml", sptest::tiny_scenario());
  for (int i = 1; i <= 40; ++i) {
    sptest::write(dir / ("f" + std::to_string(i) + ".toml"), "extends = \"f" + std::to_string(i - 1) + ".toml\"\n");
  }
  CHECK_THROWS_WITH(load_scenario((dir / "f40.toml").string()), Catch::Contains("deeper than 32"));
  CHECK_NOTHROW(load_scenario((dir / "f20.toml").string()));
  // A string of 9 MB.
  const auto big = sptest::write(dir / "big.toml", sptest::tiny_scenario() + "\n# " + std::string(9u << 20, 'x') + "\n");
  CHECK_THROWS_WITH(load_scenario(big), Catch::Contains("limited to"));
  // Too many actors for the configured limit.
  Limits small;
  small.max_actors = 2;
  auto doc = load_document_from_string(sptest::tiny_scenario(), "t.toml");
  CHECK_THROWS_WITH(build_scenario(*doc.table, small), Catch::Contains("the limit is 2"));
}

TEST_CASE("a NaN or infinity stops the run and names step, metric, actor and partner", "[robustness][numerics]") {
  const auto dir = sptest::temp_dir("nan");
  const auto file = sptest::write(dir / "overflow.toml", sptest::overflow_scenario());
  std::string out;
  CHECK(sptest::run(sptest::bin() + " run " + file + " -q --out " + (dir / "o").string(), &out) == 3);
  CHECK_THAT(out, Catch::Contains("non-finite") && Catch::Contains("step") && Catch::Contains("metric") &&
                      Catch::Contains("actor") && Catch::Contains("partner"));
  CHECK_FALSE(fs::exists(dir / "o" / "summary.json"));
}

TEST_CASE("parameters at the edges of their ranges give finite results", "[robustness][numerics]") {
  const std::vector<std::string> edges = {
      "[model]\nrho = 0.999\n",
      "[model]\nrho = 0.0\n",
      "[model]\nrho = -50.0\n",
      "[model]\nalpha = 0.0\n",
      "[model]\nalpha = 1.0\n",
      "[model]\nsoft_floor = 0.0\naffinity_exponent = 20.0\nneed_exponent = 20.0\n",
      "[model]\nalignment_rate = 4.0\nw_threat = 100.0\nthreat_base = 1000000.0\n",
      "[overrides]\n\"actors.A.budget\" = 0.0\n\"actors.B.budget\" = 0.0\n",
  };
  for (const auto& extra : edges) {
    INFO(extra);
    Model m(sptest::tiny(extra));
    EnsembleOptions o;
    o.runs = 3;
    const auto r = run_ensemble(m, o);
    CHECK(all_finite(r));
  }
  // Zero budgets and zero stocks everywhere, and a single partner (two actors).
  auto doc = load_document_from_string(R"(
[scenario]
name = "pair"
start = 0.0
end = 2.0
dt = 0.5
[[levers]]
id = "l"
kind = "soft"
[[actors]]
id = "A"
budget = 0.0
capabilities = { economy = 0.0, military = 0.0, population = 0.0 }
[[actors]]
id = "B"
budget = 0.0
capabilities = { economy = 0.0, military = 0.0, population = 0.0 }
)",
                                       "pair.toml");
  Model pair(build_scenario(*doc.table));
  EnsembleOptions o;
  const auto r = run_ensemble(pair, o);
  CHECK(all_finite(r));
  CHECK(r.final_value(0, pair.layout().index(Metric::dependence, 0, 1)) == 1.0);
  CHECK(r.final_value(0, pair.layout().index(Metric::balance, 0)) == 0.0);
}

TEST_CASE("malformed sweep specifications are refused with what was expected", "[robustness][sweep]") {
  Document doc = load_document(sptest::scenario("baseline.toml"));
  std::ifstream in(sptest::root() + "/tests/malformed/sweep_specs.txt");
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    const std::string spec = line.substr(0, tab), expect = line.substr(tab + 1);
    INFO("--set " << spec);
    try {
      check_set_spec(*doc.table, parse_set_spec(spec));
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains(expect));
    }
    ++cases;
  }
  CHECK(cases >= 10);
  std::string out;
  CHECK(sptest::run(sptest::bin() + " sweep " + sptest::scenario("baseline.toml") + " --set model.rho=0.5:0.1:0.1", &out) == 2);
}

TEST_CASE("a killed sweep resumes from its checkpoint to the same bytes", "[robustness][sweep][resume]") {
  const auto dir = sptest::temp_dir("sweep-resume");
  const std::string sweep = sptest::bin() + " sweep " + sptest::scenario("baseline.toml") +
                            " --set model.alpha=0.3:0.7:0.005 --runs 1000 -q --out ";
  REQUIRE(sptest::run(sweep + (dir / "whole.csv").string()) == 0);
  const std::string part = (dir / "part.csv").string();
  const int rc = sptest::run("(" + sweep + part + " & pid=$!; sleep 1; kill -INT $pid; wait $pid; exit $?)");
  CHECK(rc == 130);
  CHECK_FALSE(fs::exists(part));                  // nothing half-written
  REQUIRE(fs::exists(part + ".checkpoint"));       // but the finished points are kept
  std::string out;
  REQUIRE(sptest::run(sweep + part + " --resume", &out) == 0);
  CHECK(sptest::read(part) == sptest::read((dir / "whole.csv").string()));
  CHECK_FALSE(fs::exists(part + ".checkpoint"));
  // A checkpoint of another sweep is refused.
  sptest::write(dir / "other.csv.checkpoint", "smartpower-sweep-checkpoint v1 runs=1\n");
  CHECK(sptest::run(sweep + (dir / "other.csv").string() + " --resume", &out) == 2);
  CHECK_THAT(out, Catch::Contains("different sweep"));
}
