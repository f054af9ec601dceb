// Calibration: NLopt finds parameters that satisfy claims, and an interrupted search
// resumed from its checkpoint ends byte-identical to an uninterrupted one.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>

#include "helpers.hpp"
#include "smartpower/analysis/calibration.hpp"
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
