// Posterior calibration (ABC-SMC): pseudo-data from known parameters of a small
// scenario, and the posterior finds them; the bytes do not depend on threads, nor on an
// interruption resumed from the checkpoint.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "helpers.hpp"
#include "smartpower/analysis/abc_toml.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/io/output.hpp"

using namespace smartpower;

namespace {
// No budgets: A's culture stock toward B is S0 (1 - decay dt)^n at quarter n, a series
// known in closed form. Both S0 and the decay are free.
const std::string kScenario = sptest::decay_only_scenario(R"(
[relations.A.B]
stocks = { culture = 2.0 }
)" + sptest::stock_and_decay_box());

constexpr double kStock = 5.0, kDecay = 0.3;

double truth_at(int quarter) { return kStock * std::pow(1 - kDecay * 0.25, quarter); }

// The pseudo-data: the true series at 2000.5, 2001 and 2002, as a data check.
std::string pseudo_data() {
  auto num = [](double v) { return format_number(v); };
  return "[[claims]]\nid = \"D1\"\ntext = \"A's culture stock toward B\"\nsection = \"test\"\n"
         "[[claims.checks]]\nkind = \"data\"\nmetric = \"stock[A,B,culture]\"\n"
         "points = [[2000.5, " + num(truth_at(2)) + "], [2001.0, " + num(truth_at(4)) + "], [2002.0, " +
         num(truth_at(8)) + "]]\ntolerance = 0.2\n";
}

// The same data with a parameter they cannot see: B's culture stock toward A (no budgets,
// so it never touches A's stock toward B). The decay is fixed at the truth.
const std::string kUnidentified = sptest::decay_only_scenario(R"(
[relations.A.B]
stocks = { culture = 2.0 }

[relations.B.A]
stocks = { culture = 2.0 }

[[calibration.parameters]]
path = "relations.A.B.stocks.culture"
lo = 1.0
hi = 10.0

[[calibration.parameters]]
path = "relations.B.A.stocks.culture"
lo = 1.0
hi = 10.0
)");

AbcOptions small_options() {
  AbcOptions o;
  o.particles = 200;
  o.generations = 6;
  o.runs = 1;
  o.seed = 11;
  return o;
}
}  // namespace

TEST_CASE("the ABC posterior holds the true parameters and is narrower than the prior", "[abc]") {
  const auto dir = sptest::temp_dir("abc");
  const auto scenario = sptest::write(dir / "toy.toml", kScenario);
  const auto claims = load_claims(sptest::write(dir / "data.toml", pseudo_data()));
  const AbcResult r = calibrate_abc(scenario, claims, small_options());
  REQUIRE(r.particles.size() == 200);
  REQUIRE(r.generations.size() == 6);
  double total = 0;
  for (const auto& p : r.particles) total += p.weight;
  CHECK(total == Approx(1.0));
  CHECK(r.ess() == Approx(200.0));  // equal weights: no importance-weight degeneracy
  // Tolerances shrink generation after generation.
  for (std::size_t g = 2; g < r.generations.size(); ++g) CHECK(r.generations[g].tolerance < r.generations[g - 1].tolerance);
  const auto s = summarize_posterior(r);
  REQUIRE(s.size() == 2);
  const double truth[2] = {kStock, kDecay};
  for (int d = 0; d < 2; ++d) {
    INFO(s[d].path << ": 90% interval [" << s[d].q05 << ", " << s[d].q95 << "], width ratio " << s[d].width_ratio);
    CHECK(s[d].q05 <= truth[d]);
    CHECK(truth[d] <= s[d].q95);
    CHECK(s[d].width_ratio < 0.5);
  }
  CHECK(r.simulations == r.evaluations);  // one run of one model per evaluation
}

TEST_CASE("an unidentified parameter keeps its prior width and the sample does not degenerate", "[abc]") {
  const auto dir = sptest::temp_dir("abc-unidentified");
  auto text = kUnidentified;
  text.replace(text.find("decay = 0.2"), 11, "decay = 0.3");  // the truth
  const auto scenario = sptest::write(dir / "toy.toml", text);
  const auto claims = load_claims(sptest::write(dir / "data.toml", pseudo_data()));
  auto o = small_options();
  o.moves = 2;
  const AbcResult r = calibrate_abc(scenario, claims, o);
  REQUIRE(r.particles.size() == 200);
  const auto s = summarize_posterior(r);
  REQUIRE(s.size() == 2);
  INFO("identified: [" << s[0].q05 << ", " << s[0].q95 << "] ratio " << s[0].width_ratio << "; unidentified: ["
                       << s[1].q05 << ", " << s[1].q95 << "] ratio " << s[1].width_ratio << "; ESS " << r.ess());
  CHECK(s[0].q05 <= kStock);
  CHECK(kStock <= s[0].q95);
  CHECK(s[0].width_ratio < 0.3);
  CHECK(s[1].width_ratio >= 0.7);
  CHECK(r.ess() >= 100.0);
  for (std::size_t g = 1; g < r.generations.size(); ++g) CHECK(r.generations[g].acceptance() > 0);
}

TEST_CASE("ABC with --noise own simulates every proposal with noise of its own; shared scores all on the same runs", "[abc]") {
  // A noisy actor and a box so narrow that the prior's particles are one parameter set: with
  // the noise every proposal shares (common random numbers, the default) their distances are
  // equal; with each proposal's own noise they spread, as repeated simulations of one model do.
  const auto dir = sptest::temp_dir("abc-noise");
  auto text = sptest::tiny_scenario(R"(
[[calibration.parameters]]
path = "relations.A.C.border"
lo = 0.999999
hi = 1.0
)");
  const std::string at = "strategy = { diversify = 1.0 }\n";
  text.replace(text.find(at), at.size(), at + "noise = 2.0\n");
  const auto scenario = sptest::write(dir / "noisy.toml", text);
  const auto claims = load_claims(sptest::write(dir / "data.toml", R"(
[[claims]]
id = "D1"
text = "A's trade effort toward C"
section = "test"
[[claims.checks]]
kind = "data"
metric = "effort[A,C,trade]"
points = [[2000.75, 0.3]]
tolerance = 0.5
)"));
  AbcOptions o;
  o.particles = 40;
  o.generations = 1;  // the prior sample alone
  o.runs = 2;
  o.seed = 5;
  auto spread = [](const AbcResult& r) {
    double lo = r.particles[0].distance, hi = lo;
    for (const auto& p : r.particles) {
      lo = std::min(lo, p.distance);
      hi = std::max(hi, p.distance);
    }
    return (hi - lo) / std::max(1.0, std::abs(hi));
  };
  const AbcResult shared = calibrate_abc(scenario, claims, o);  // the default: the same runs
  REQUIRE(shared.particles.size() == 40);
  CHECK(spread(shared) < 1e-4);
  o.own_noise = true;
  const AbcResult own = calibrate_abc(scenario, claims, o);
  CHECK(spread(own) > 1e-3);
  for (std::size_t i = 0; i < own.particles.size(); ++i) CHECK(own.particles[i].values == shared.particles[i].values);
}

TEST_CASE("ABC with --claims-weight multiplies the claims' shortfalls in the distance, not the data misfit", "[abc]") {
  // A range claim has a shortfall and no misfit: its distances scale by the weight. The
  // prior's particles and their noise do not depend on the weight, so they match one to one.
  const auto dir = sptest::temp_dir("abc-weight");
  const auto scenario = sptest::write(dir / "toy.toml", sptest::calibration_toy());
  const auto range = load_claims(sptest::write(dir / "range.toml", sptest::calibration_toy_range_claim()));
  AbcOptions o;
  o.particles = 30;
  o.generations = 1;
  o.runs = 1;
  const AbcResult one = calibrate_abc(scenario, range, o);
  o.claims_weight = 3.0;
  const AbcResult three = calibrate_abc(scenario, range, o);
  REQUIRE(one.particles.size() == three.particles.size());
  int positive = 0;
  for (std::size_t i = 0; i < one.particles.size(); ++i) {
    CHECK(three.particles[i].values == one.particles[i].values);
    CHECK(three.particles[i].distance == Approx(3.0 * one.particles[i].distance));
    positive += one.particles[i].distance > 0 ? 1 : 0;
  }
  CHECK(positive > 10);  // most of the prior misses [3.0, 3.2]
  // The data fit claim alone: its shortfall counts thrice, its misfit once, so the
  // distance grows by less than three times.
  const auto fit = load_claims(sptest::write(dir / "fit.toml", sptest::calibration_toy_fit_claim()));
  o.claims_weight = 1.0;
  const AbcResult fit1 = calibrate_abc(scenario, fit, o);
  o.claims_weight = 3.0;
  const AbcResult fit3 = calibrate_abc(scenario, fit, o);
  for (std::size_t i = 0; i < fit1.particles.size(); ++i) {
    CHECK(fit3.particles[i].distance >= fit1.particles[i].distance);
    if (fit1.particles[i].distance > 0) CHECK(fit3.particles[i].distance < 3.0 * fit1.particles[i].distance);
  }
  o.claims_weight = -1.0;
  CHECK_THROWS_WITH(calibrate_abc(scenario, range, o), Catch::Contains("--claims-weight"));
}

TEST_CASE("ABC with --min-tolerance stops at the floor, whose generation runs at it", "[abc]") {
  const auto dir = sptest::temp_dir("abc-floor");
  const auto scenario = sptest::write(dir / "toy.toml", kScenario);
  const auto claims = load_claims(sptest::write(dir / "data.toml", pseudo_data()));
  auto o = small_options();
  o.generations = 40;
  const AbcResult free = calibrate_abc(scenario, claims, o);
  REQUIRE(free.generations.size() >= 6);
  // A floor between the tolerances of generations 3 and 4 of the run without one.
  const double floor = 0.5 * (free.generations[3].tolerance + free.generations[4].tolerance);
  o.min_tolerance = floor;
  const AbcResult r = calibrate_abc(scenario, claims, o);
  INFO(r.stopped);
  REQUIRE(r.generations.size() == 5);
  CHECK(r.generations[3].tolerance == free.generations[3].tolerance);  // the same until the floor
  CHECK(r.generations[4].tolerance == floor);
  CHECK_THAT(r.stopped, Catch::Contains("--min-tolerance"));
  for (const auto& p : r.particles) CHECK(p.distance <= floor);
  o.min_tolerance = -1;
  CHECK_THROWS_WITH(calibrate_abc(scenario, claims, o), Catch::Contains("--min-tolerance"));

  // --settle: three more generations at the floor, the same run until it; every particle
  // stays within the floor and the moves spread the resampled duplicates further.
  o.min_tolerance = floor;
  o.settle = 3;
  const AbcResult s = calibrate_abc(scenario, claims, o);
  INFO(s.stopped);
  REQUIRE(s.generations.size() == 8);
  for (int g = 0; g < 5; ++g) CHECK(s.generations[static_cast<std::size_t>(g)].tolerance == r.generations[static_cast<std::size_t>(g)].tolerance);
  for (int g = 4; g < 8; ++g) CHECK(s.generations[static_cast<std::size_t>(g)].tolerance == floor);
  for (int g = 5; g < 8; ++g) CHECK(s.generations[static_cast<std::size_t>(g)].accepted > 0);
  CHECK_THAT(s.stopped, Catch::Contains("3 generation(s) settled"));
  for (const auto& p : s.particles) CHECK(p.distance <= floor);
  CHECK(s.distinct() > r.distinct());
  // Settling is checkpointed: one generation, then a resume asking for three, ends as s.
  o.checkpoint = (dir / "settle.checkpoint").string();
  o.settle = 1;
  REQUIRE(calibrate_abc(scenario, claims, o).generations.size() == 6);
  o.settle = 3;
  o.resume = true;
  const AbcResult resumed = calibrate_abc(scenario, claims, o);
  CHECK(resumed.replayed_generations == 6);
  write_posterior((dir / "settled.csv").string(), s);
  write_posterior((dir / "resumed.csv").string(), resumed);
  CHECK(sptest::read((dir / "settled.csv").string()) == sptest::read((dir / "resumed.csv").string()));
  o.checkpoint.clear();
  o.resume = false;
  // The generation cap still stops it.
  o.generations = 6;
  CHECK(calibrate_abc(scenario, claims, o).generations.size() == 6);
  o.generations = 40;
  o.settle = -1;
  CHECK_THROWS_WITH(calibrate_abc(scenario, claims, o), Catch::Contains("--settle"));
  o.settle = 2;
  o.min_tolerance = 0;
  CHECK_THROWS_WITH(calibrate_abc(scenario, claims, o), Catch::Contains("needs --min-tolerance"));
}

TEST_CASE("the ABC posterior is the same bytes on 1 and 2 threads", "[abc][determinism]") {
  const auto dir = sptest::temp_dir("abc-threads");
  const auto scenario = sptest::write(dir / "toy.toml", kScenario);
  const auto claims = load_claims(sptest::write(dir / "data.toml", pseudo_data()));
  auto o = small_options();
  o.generations = 4;
  o.threads = 1;
  write_posterior((dir / "one.csv").string(), calibrate_abc(scenario, claims, o));
  o.threads = 2;
  write_posterior((dir / "two.csv").string(), calibrate_abc(scenario, claims, o));
  const auto one = sptest::read((dir / "one.csv").string());
  CHECK_THAT(one, Catch::StartsWith("weight,distance,relations.A.B.stocks.culture,levers.culture.decay\n"));
  CHECK(one == sptest::read((dir / "two.csv").string()));
}

TEST_CASE("an interrupted ABC calibration resumed from its checkpoint ends byte-identical", "[abc][resume]") {
  const auto dir = sptest::temp_dir("abc-resume");
  const auto scenario = sptest::write(dir / "toy.toml", kScenario);
  const auto claims = load_claims(sptest::write(dir / "data.toml", pseudo_data()));
  auto o = small_options();
  o.generations = 5;
  const AbcResult whole = calibrate_abc(scenario, claims, o);
  write_posterior((dir / "whole.csv").string(), whole);

  std::atomic<bool> stop{false};
  o.checkpoint = (dir / "abc.checkpoint").string();
  o.stop = &stop;
  o.progress = [&](const AbcProgress& p) {
    if (p.generation_done && p.generation == 2) stop = true;  // "killed" after generation 2
  };
  CHECK_THROWS_AS(calibrate_abc(scenario, claims, o), Interrupted);
  stop = false;
  o.progress = nullptr;
  o.resume = true;
  const AbcResult resumed = calibrate_abc(scenario, claims, o);
  CHECK(resumed.replayed_generations == 3);
  CHECK(resumed.evaluations == whole.evaluations);
  CHECK(resumed.computed_simulations < whole.simulations);
  write_posterior((dir / "resumed.csv").string(), resumed);
  CHECK(sptest::read((dir / "resumed.csv").string()) == sptest::read((dir / "whole.csv").string()));

  // A resume with another --particles is refused, naming it.
  o.particles = 100;
  CHECK_THROWS_WITH(calibrate_abc(scenario, claims, o), Catch::Contains("--particles"));
}

TEST_CASE("calibrate --method abc: bad options exit 2 with a message, a good run writes the posterior", "[abc][cli]") {
  const auto dir = sptest::temp_dir("abc-cli");
  const auto scenario = sptest::write(dir / "toy.toml", kScenario);
  const auto claims = sptest::write(dir / "data.toml", pseudo_data());
  const std::string base = sptest::bin() + " calibrate " + scenario + " --claims " + claims + " --out " +
                           (dir / "posterior.csv").string();
  std::string text;
  CHECK(sptest::run(base + " --method abc --particles 0", &text) == 2);
  CHECK_THAT(text, Catch::Contains("--particles"));
  CHECK(sptest::run(base + " --method foo", &text) == 2);
  CHECK_THAT(text, Catch::Contains("--method") && Catch::Contains("foo"));
  CHECK(sptest::run(base + " --particles 100", &text) == 2);  // point method
  CHECK_THAT(text, Catch::Contains("applies to --method abc only"));
  CHECK(sptest::run(base + " --method abc --starts 2", &text) == 2);
  CHECK_THAT(text, Catch::Contains("applies to --method point only"));
  CHECK(sptest::run(base + " --method abc --alpha 1.5", &text) == 2);
  CHECK_THAT(text, Catch::Contains("--alpha"));
  CHECK(sptest::run(base + " --method abc --claims-weight -1", &text) == 2);
  CHECK_THAT(text, Catch::Contains("--claims-weight"));
  CHECK(sptest::run(base + " --claims-weight 10", &text) == 2);  // point method
  CHECK_THAT(text, Catch::Contains("applies to --method abc only"));
  CHECK(sptest::run(base + " --method abc --noise fresh", &text) == 2);
  CHECK_THAT(text, Catch::Contains("--noise") && Catch::Contains("fresh"));
  CHECK(sptest::run(base + " --method abc --settle 2", &text) == 2);  // nothing to settle at
  CHECK_THAT(text, Catch::Contains("--settle 2: needs --min-tolerance"));
  CHECK(sptest::run(base + " --settle 2", &text) == 2);  // point method
  CHECK_THAT(text, Catch::Contains("applies to --method abc only"));
  CHECK(sptest::listing(dir) == std::vector<std::string>{"data.toml", "toy.toml"});  // nothing written

  REQUIRE(sptest::run(base + " --method abc --particles 100 --generations 3 --runs 1 --best " +
                          (dir / "best.toml").string(),
                      &text) == 0);
  CHECK_THAT(text, Catch::Contains("levers.culture.decay") && Catch::Contains("simulations/s"));
  const auto csv = sptest::read((dir / "posterior.csv").string());
  CHECK_THAT(csv, Catch::StartsWith("weight,distance,relations.A.B.stocks.culture,levers.culture.decay\n"));
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 101);
  CHECK_THAT(sptest::read((dir / "best.toml").string()), Catch::Contains("extends = \"toy.toml\""));
  CHECK(!std::filesystem::exists(dir / "posterior.csv.checkpoint"));  // removed once written

  // `claims --objective` on the least-distance particle (its CSV values, which keep every
  // digit; --best rounds to 6 significant digits), with the calibration's runs and seed,
  // prints the distance the posterior gives it.
  double least = 1e300;
  std::string stock, decay;
  {
    std::istringstream in(csv);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      const auto a = line.find(','), b = line.find(',', a + 1), c = line.find(',', b + 1);
      const double d = std::stod(line.substr(a + 1, b - a - 1));
      if (d < least) {
        least = d;
        stock = line.substr(b + 1, c - b - 1);
        decay = line.substr(c + 1);
      }
    }
  }
  const auto exact = sptest::write(dir / "least.toml", "extends = \"toy.toml\"\n\n[overrides]\n\"relations.A.B.stocks.culture\" = " +
                                                         stock + "\n\"levers.culture.decay\" = " + decay + "\n");
  REQUIRE(sptest::run(sptest::bin() + " claims " + exact + " --claims " + claims + " --runs 1 --seed 1 --objective -q", &text) <= 1);
  const auto at = text.find("objective ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stod(text.substr(at + 10)) == Approx(least).epsilon(1e-12).margin(1e-15));
}
