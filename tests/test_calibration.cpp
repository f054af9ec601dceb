// Calibration: NLopt finds parameters that satisfy claims, an interrupted search resumed
// from its checkpoint ends byte-identical to an uninterrupted one, and a Scenario built in
// code calibrates (point and ABC) as its file does.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>

#include "helpers.hpp"
#include "smartpower/analysis/abc_toml.hpp"
#include "smartpower/analysis/calibration_toml.hpp"
#include "smartpower/io/document.hpp"

using namespace smartpower;

namespace {
// No budgets: the culture stock of A toward B is S0 * 0.95^n, so the claims below pin
// S0 = 3.1 / 0.95^4 = 3.807 (the 2001 value 3.1, within the 3.0..3.2 range).
const std::string kScenario = sptest::calibration_toy();

const std::string kClaims = sptest::calibration_toy_range_claim() + sptest::calibration_toy_fit_claim();
}  // namespace

TEST_CASE("calibration moves a parameter from a poor start to where the claims hold", "[calibration]") {
  const auto dir = sptest::temp_dir("cal");
  const auto scenario = sptest::write(dir / "toy.toml", kScenario);
  const auto claims = load_claims(sptest::write(dir / "claims.toml", kClaims));
  CalibrationOptions o;
  o.starts = 1;
  o.evaluations = 120;
  o.runs = 1;
  const CalibrationResult r = calibrate(scenario, claims, o);
  REQUIRE(r.best.size() == 1);
  CHECK(r.best[0] == Approx(3.1 / std::pow(0.95, 4)).epsilon(0.01));
  CHECK(r.report.passed() == 2);
  // The written scenario extends the input and reproduces the claims.
  write_calibrated((dir / "calibrated.toml").string(), scenario, r, "smartpower calibrate toy.toml");
  const auto text = sptest::read((dir / "calibrated.toml").string());
  CHECK_THAT(text, Catch::Contains("extends = \"toy.toml\"") && Catch::Contains("\"relations.A.B.stocks.culture\" = 3.8"));
  Document doc = load_document((dir / "calibrated.toml").string());
  CHECK(evaluate_claims(*doc.table, claims, ClaimOptions{}).passed() == 2);
}

TEST_CASE("an interrupted calibration resumed from its checkpoint ends byte-identical", "[calibration][resume]") {
  const auto dir = sptest::temp_dir("resume");
  const auto scenario = sptest::write(dir / "toy.toml", kScenario);
  const auto claims = load_claims(sptest::write(dir / "claims.toml", kClaims));
  CalibrationOptions o;
  o.starts = 2;
  o.evaluations = 60;
  o.runs = 1;
  const CalibrationResult whole = calibrate(scenario, claims, o);
  write_calibrated((dir / "whole.toml").string(), scenario, whole, "cmd");

  std::atomic<bool> stop{false};
  o.checkpoint = (dir / "cal.checkpoint").string();
  o.stop = &stop;
  o.progress = [&](const CalibrationProgress& p) {
    if (p.evaluation >= 30) stop = true;  // "killed" part-way
  };
  CHECK_THROWS_AS(calibrate(scenario, claims, o), Interrupted);
  stop = false;
  o.progress = nullptr;
  o.resume = true;
  const CalibrationResult resumed = calibrate(scenario, claims, o);
  CHECK(resumed.replayed >= 30);
  CHECK(resumed.evaluations == whole.evaluations);
  write_calibrated((dir / "resumed.toml").string(), scenario, resumed, "cmd");
  CHECK(sptest::read((dir / "resumed.toml").string()) == sptest::read((dir / "whole.toml").string()));
}

TEST_CASE("calibration parameters must name numbers within bounds", "[calibration][errors]") {
  auto doc = load_document_from_string(std::string(kScenario) + "\n[[calibration.parameters]]\npath = \"model.rhoo\"\nlo = 0.0\nhi = 1.0\n",
                                       "bad.toml");
  CHECK_THROWS_WITH(calibration_parameters(*doc.table), Catch::Contains("does not name a number"));
}

namespace {
// The calibration toy built in code: two actors without budgets and one soft lever, A's
// culture stock toward B at 9 (kScenario without its file).
Scenario toy_in_code() {
  Scenario sc;
  sc.info.name = "decay only";
  sc.info.start = 2000.0;
  sc.info.end = 2002.0;
  sc.info.dt = 0.25;
  Lever culture;
  culture.id = "culture";
  culture.kind = LeverKind::soft;
  culture.decay = 0.2;
  sc.levers = {culture};
  for (const char* id : {"A", "B"}) {
    Actor a;
    a.id = a.name = id;
    a.budget = 0.0;
    a.capabilities.economy = a.capabilities.military = a.capabilities.population = 1.0;
    sc.actors.push_back(a);
  }
  Scenario filled = ValidScenario(sc);  // its dense tables filled, to set a stock
  Parameter(filled, "relations.A.B.stocks.culture").set(filled, 9.0);
  return filled;
}
}  // namespace

TEST_CASE("claims and calibration take a Scenario built in code, with its file's numbers", "[calibration][typed]") {
  const auto dir = sptest::temp_dir("cal-typed");
  const auto file = sptest::write(dir / "toy.toml", kScenario);
  const ClaimSet claims = load_claims(sptest::write(dir / "claims.toml", kClaims));
  const Scenario scenario = toy_in_code();
  // The stock at 9 decays to 7.3 by 2001: neither claim holds.
  CHECK(evaluate_claims(scenario, claims, ClaimOptions{}).passed() == 0);

  const std::vector<CalibrationParameter> box = {{"relations.A.B.stocks.culture", 1.0, 10.0}};
  CalibrationOptions o;
  o.starts = 1;
  o.evaluations = 120;
  o.runs = 1;
  const CalibrationResult typed = calibrate(scenario, box, claims, o);
  REQUIRE(typed.best.size() == 1);
  CHECK(typed.best[0] == Approx(3.1 / std::pow(0.95, 4)).epsilon(0.01));
  CHECK(typed.report.passed() == 2);
  Scenario fitted = scenario;
  Parameter(fitted, box[0].path).set(fitted, typed.best[0]);
  CHECK(evaluate_claims(fitted, claims, ClaimOptions{}).passed() == 2);
  // The same search, point for point, as on the file with that box.
  const CalibrationResult from_file = calibrate(file, claims, o);
  CHECK(typed.best == from_file.best);
  CHECK(typed.objective == from_file.objective);
  CHECK(typed.evaluations == from_file.evaluations);

  // ABC over the same box: the file's particles, bit for bit.
  AbcOptions a;
  a.particles = 12;
  a.generations = 2;
  a.moves = 2;
  a.runs = 1;
  a.seed = 5;
  const AbcResult abc = calibrate_abc(scenario, box, claims, a);
  const AbcResult abc_file = calibrate_abc(file, claims, a);
  REQUIRE(abc.particles.size() == abc_file.particles.size());
  for (std::size_t i = 0; i < abc.particles.size(); ++i) {
    CHECK(abc.particles[i].values == abc_file.particles[i].values);
    CHECK(abc.particles[i].distance == abc_file.particles[i].distance);
  }
  CHECK(best_particle(scenario, claims, abc, ClaimOptions{}).report.objective ==
        best_particle(file, claims, abc_file, ClaimOptions{}).report.objective);

  // A box the scenario cannot hold is refused before any search, naming the parameter.
  CHECK_THROWS_WITH(calibrate(scenario, {{"relations.A.B.stocks.cultur", 1.0, 10.0}}, claims, o),
                    Catch::Contains("did you mean"));
  CHECK_THROWS_WITH(calibrate(scenario, {{"levers.culture.decay", 0.1, 9.0}}, claims, o),
                    Catch::Contains("calibration parameter 'levers.culture.decay': 'hi' = 9 makes the scenario invalid"));
  CHECK_THROWS_WITH(calibrate(scenario, {{"model.rho", 0.5, 0.2}}, claims, o), Catch::Contains("greater than 'lo'"));
}
