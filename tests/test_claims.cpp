// Claims: each check kind against a series known in closed form, the calibrated
// baseline against every claim, and a mis-set scenario that must break named claims.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cmath>
#include <set>
#include <sstream>

#include "helpers.hpp"
#include "smartpower/analysis/calibration_toml.hpp"
#include "smartpower/analysis/claims_toml.hpp"
#include "smartpower/io/document.hpp"

using namespace smartpower;

namespace {

// Two actors with no budget: nobody adds effort, so the culture stock of A toward B is
// 4 * 0.95^n at quarter n (decay 0.2 per year, dt 0.25), and B's toward A 1 * 0.95^n.
const std::string kDecayOnly = sptest::decay_only_scenario(R"(
[relations.A.B]
stocks = { culture = 4.0 }

[relations.B.A]
stocks = { culture = 1.0 }
)");

ClaimReport evaluate(const std::string& checks) {
  const auto dir = sptest::temp_dir("claims");
  const auto file = sptest::write(dir / "claims.toml", R"(
[variants.half]
overrides = { "relations.A.B.stocks.culture" = 2.0 }
)" + checks);
  Document doc = load_document_from_string(kDecayOnly, "decay.toml");
  return evaluate_claims(*doc.table, load_claims(file), ClaimOptions{});
}

std::string claim(const std::string& id, const std::string& check) {
  return "[[claims]]\nid = \"" + id + "\"\ntext = \"t\"\nsection = \"s\"\n[[claims.checks]]\n" + check + "\n";
}

double margin_of(const std::string& check) {
  const auto rep = evaluate(claim("X", check));
  REQUIRE(rep.claims.size() == 1);
  return rep.claims[0].margin;
}

const double s2001 = 4 * std::pow(0.95, 4);  // stock[A,B,culture] at 2001

}  // namespace

TEST_CASE("range checks measure relative slack to their bounds", "[claims][range]") {
  CHECK(margin_of("kind = \"range\"\nmetric = \"stock[A,B,culture]\"\nat = 2001.0\nmin = 3.0") ==
        Approx((s2001 - 3.0) / s2001));
  CHECK(margin_of("kind = \"range\"\nmetric = \"stock[A,B,culture]\"\nat = 2001.0\nmax = 3.0") ==
        Approx((3.0 - s2001) / s2001));
  // Over a window the tightest instant counts: the last one, 4 * 0.95^8.
  const double last = 4 * std::pow(0.95, 8);
  CHECK(margin_of("kind = \"range\"\nmetric = \"stock[A,B,culture]\"\nover = [2000.0, 2002.0]\nmin = 2.0") ==
        Approx((last - 2.0) / last));
  // With `window = 1` the bounds apply to yearly means: over [2000, 2001.75] the tightest is
  // the mean of quarters 4-7, 4 * 0.95^4 * (1 + 0.95 + 0.95^2 + 0.95^3) / 4, not quarter 7.
  const double year2 = 4 * std::pow(0.95, 4) * (1 + 0.95 + 0.95 * 0.95 + std::pow(0.95, 3)) / 4;
  CHECK(margin_of("kind = \"range\"\nmetric = \"stock[A,B,culture]\"\nover = [2000.0, 2001.75]\nwindow = 1.0\nmin = 2.0") ==
        Approx((year2 - 2.0) / year2));
  CHECK(margin_of("kind = \"range\"\nmetric = \"stock[A,B,culture]\"\nover = [2000.0, 2001.75]\nmin = 2.0") ==
        Approx((4 * std::pow(0.95, 7) - 2.0) / (4 * std::pow(0.95, 7))));
  CHECK_THROWS_WITH(evaluate(claim("X", "kind = \"range\"\nmetric = \"stock[A,B,culture]\"\nat = 2001.0\nwindow = 1.0\nmin = 2.0")),
                    Catch::Contains("window") && Catch::Contains("over"));
}

TEST_CASE("trend and monotone checks follow the direction asked", "[claims][trend]") {
  CHECK(margin_of("kind = \"trend\"\nmetric = \"stock[A,B,culture]\"\nfrom = 2000.0\nto = 2001.0\ndirection = \"falls\"") ==
        Approx((4.0 - s2001) / 4.0));
  CHECK(margin_of("kind = \"trend\"\nmetric = \"stock[A,B,culture]\"\nfrom = 2000.0\nto = 2001.0\ndirection = \"rises\"") ==
        Approx(-(4.0 - s2001) / 4.0));
  CHECK(margin_of("kind = \"trend\"\nmetric = \"stock[A,B,culture]\"\nfrom = 2000.0\nto = 2001.0\ndirection = \"falls\"\n"
                  "min_change = 0.1") == Approx((4.0 - s2001) / 4.0 - 0.1));
  CHECK(margin_of("kind = \"monotone\"\nmetric = \"stock[A,B,culture]\"\ntimes = [2000.0, 2000.5, 2001.0]\n"
                  "direction = \"falls\"") == Approx(1 - 0.95 * 0.95));
}

TEST_CASE("compare and counterfactual checks order two values", "[claims][compare]") {
  CHECK(margin_of("kind = \"compare\"\nleft = \"stock[A,B,culture]\"\nright = \"stock[B,A,culture]\"\nat = 2000.0\nop = \">\"") ==
        Approx(0.75));
  CHECK(margin_of("kind = \"compare\"\nleft = \"stock[A,B,culture]\"\nright = \"stock[B,A,culture]\"\nat = 2000.0\nop = \"<\"") ==
        Approx(-0.75));
  // "*" sums over partners: A's stock toward everyone is its stock toward B.
  CHECK(margin_of("kind = \"compare\"\nleft = \"stock[A,*,culture]\"\nright = \"stock[B,A,*]\"\nat = 2000.0\nop = \">\"") ==
        Approx(0.75));
  // The variant halves A's initial stock: the stock itself "raises" the metric by 2x.
  CHECK(margin_of("kind = \"counterfactual\"\nmetric = \"stock[A,B,culture]\"\nvariant = \"half\"\nat = 2001.0\n"
                  "effect = \"raises\"") == Approx(0.5));
  CHECK(margin_of("kind = \"counterfactual\"\nmetric = \"stock[A,B,culture]\"\nvariant = \"half\"\nat = 2001.0\n"
                  "effect = \"lowers\"") == Approx(-0.5));
}

TEST_CASE("data checks compare with observations within a relative tolerance", "[claims][data]") {
  const double err = std::abs(s2001 - 3.0) / 3.0;  // 8.6 %
  CHECK(margin_of("kind = \"data\"\nmetric = \"stock[A,B,culture]\"\npoints = [[2001.0, 3.0]]\ntolerance = 0.1") ==
        Approx((0.1 - err) / 0.1));
  CHECK(margin_of("kind = \"data\"\nmetric = \"stock[A,B,culture]\"\npoints = [[2001.0, 3.0], [2000.0, 4.0]]\n"
                  "tolerance = 0.05") == Approx((0.05 - err) / 0.05));
}

TEST_CASE("interior_mix checks the scenario's own CES", "[claims][ces]") {
  // alpha = rho = 0.5 (defaults): the even mix gives 0.5, a corner 0.25.
  CHECK(margin_of("kind = \"interior_mix\"") == Approx(0.5));
}

TEST_CASE("bad claims files are rejected with the place and a suggestion", "[claims][errors]") {
  CHECK_THROWS_WITH(evaluate(claim("X", "kind = \"range\"\nmetric = \"stok[A,B,culture]\"\nat = 2001.0\nmin = 1.0")),
                    Catch::Contains("unknown metric 'stok'") && Catch::Contains("did you mean 'stock'"));
  CHECK_THROWS_WITH(evaluate(claim("X", "kind = \"range\"\nmetric = \"stock[A,C,culture]\"\nat = 2001.0\nmin = 1.0")),
                    Catch::Contains("no actor 'C'"));
  CHECK_THROWS_WITH(evaluate(claim("X", "kind = \"counterfactual\"\nmetric = \"stock[A,B,culture]\"\nvariant = \"halve\"\n"
                                        "at = 2001.0\neffect = \"raises\"")),
                    Catch::Contains("did you mean \"half\""));
  CHECK_THROWS_WITH(evaluate(claim("X", "kind = \"trend\"\nmetric = \"stock[A,B,culture]\"\nfrom = 2000.0\nto = 2001.0\n"
                                        "direction = \"up\"")),
                    Catch::Contains("\"rises\", \"falls\""));
  CHECK_THROWS_WITH(evaluate(claim("X", "kind = \"range\"\nmetric = \"stock[A,B,culture]\"\nat = 2050.0\nmin = 1.0")),
                    Catch::Contains("outside the scenario's time range"));
}

// The claims the recalibrated baseline (claims and data together) does not reproduce,
// said plainly in docs/calibration.md ("What the model still cannot follow"). Empty since
// C14 is read on the ensemble mean (a model right by construction passes its one-year
// point in only 76 % of runs; scripts/perfect_model.py). Listed here so that the test fails
// both when a claim breaks and when a listed one starts to hold (then the list and the
// docs must change).
const std::set<std::string> kBaselineKnownFailures{};

TEST_CASE("the calibrated baseline passes every claim but the known failures, in one run and 100 noisy runs",
          "[claims][baseline]") {
  Document doc = load_document(sptest::scenario("baseline.toml"));
  const ClaimSet set = load_claims(sptest::scenario("claims.toml"));
  REQUIRE(set.claims.size() >= 21);  // C01-C22 less C20, now the CES unit test in test_model.cpp
  for (int runs : {1, 100}) {
    ClaimOptions o;
    o.runs = runs;
    o.threads = 2;
    const ClaimReport rep = evaluate_claims(*doc.table, set, o);
    std::set<std::string> failed;
    for (const auto& c : rep.claims) {
      INFO(runs << " runs: " << c.claim->id << " margin " << c.margin << " passing " << c.pass_share << " "
                << c.checks[0].measured);
      if (!c.pass) failed.insert(c.claim->id);
      CHECK((c.pass || kBaselineKnownFailures.count(c.claim->id) == 1));
    }
    if (runs == 100) CHECK(failed == kBaselineKnownFailures);
  }
}

TEST_CASE("a mis-set scenario breaks exactly the claims its error touches", "[claims][misset]") {
  // tests/claims/misset.toml: trade mapped to several times the USD it should be (C14), and
  // Türkiye leaning on military ties from 1991 (C18). Türkiye's budget is fixed, so the
  // military effort is taken from its other levers: its education stock falls below the
  // students table (C09, the baseline's thinnest claim at margin 0.018).
  Document doc = load_document(sptest::root() + "/tests/claims/misset.toml");
  const ClaimReport rep = evaluate_claims(*doc.table, load_claims(sptest::scenario("claims.toml")), ClaimOptions{});
  std::set<std::string> failed;
  for (const auto& c : rep.claims) {
    if (!c.pass) failed.insert(c.claim->id);  // the known failure C14 is one of those mis-set here
  }
  CHECK(failed == std::set<std::string>{"C09", "C14", "C18"});  // C14 through flow_scale
}

TEST_CASE("rises, falls, raises, lowers and > / < are strict: equal values fail at margin 0", "[claims][strict]") {
  // A variant that changes only the description: every metric equals the scenario's.
  const auto dir = sptest::temp_dir("claims-strict");
  Document doc = load_document_from_string(kDecayOnly, "decay.toml");
  auto report = [&](const std::string& check, const std::string& extra = "") {
    const auto file = sptest::write(dir / "claims.toml", R"(
[variants.cosmetic]
overrides = { "scenario.description" = "same numbers, other words" }
)" + extra + claim("X", check));
    return evaluate_claims(*doc.table, load_claims(file), ClaimOptions{});
  };
  for (const char* effect : {"raises", "lowers"}) {
    const auto rep = report(std::string("kind = \"counterfactual\"\nmetric = \"stock[A,B,culture]\"\nvariant = \"cosmetic\"\n"
                                        "at = 2001.0\neffect = \"") + effect + "\"");
    INFO(effect << ": " << rep.claims[0].checks[0].measured);
    CHECK(rep.claims[0].margin == 0.0);
    CHECK_FALSE(rep.claims[0].pass);
    CHECK(rep.passed() == 0);
  }
  // A stock compared with itself is neither greater nor smaller.
  for (const char* op : {">", "<"}) {
    const auto rep = report(std::string("kind = \"compare\"\nleft = \"stock[A,B,culture]\"\nright = \"stock[A,B,culture]\"\n"
                                        "at = 2000.0\nop = \"") + op + "\"");
    CHECK(rep.claims[0].margin == 0.0);
    CHECK_FALSE(rep.claims[0].pass);
  }
  // Two actors: A depends on B alone, so its balance index stays where it is.
  for (const char* dir_ : {"rises", "falls"}) {
    const auto rep = report(std::string("kind = \"trend\"\nmetric = \"balance[A]\"\nfrom = 2000.0\nto = 2001.0\n"
                                        "direction = \"") + dir_ + "\"");
    CHECK(rep.claims[0].margin == 0.0);
    CHECK_FALSE(rep.claims[0].pass);
  }
  // A range check is inclusive: the value exactly at its bound holds at margin 0.
  const auto rep = report("kind = \"range\"\nmetric = \"stock[A,B,culture]\"\nat = 2000.0\nmin = 4.0");
  CHECK(rep.claims[0].margin == 0.0);
  CHECK(rep.claims[0].pass);
}

TEST_CASE("a claims file that is not a regular file is refused without blocking", "[claims][errors]") {
  const auto dir = sptest::temp_dir("claims-files");
  CHECK_THROWS_WITH(load_claims(dir.string()), Catch::Contains("is a directory"));
  const std::string fifo = (dir / "claims.fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(load_claims(fifo), Catch::Contains("is not a regular file (a FIFO)"));  // would block on open
  CHECK_THROWS_WITH(load_claims("/dev/zero"), Catch::Contains("a character device"));
  CHECK_THROWS_WITH(load_claims((dir / "missing.toml").string()), Catch::Contains("no such file"));
}

namespace {
// Every number of two reports, compared exactly, with the text each check measured.
void require_same_report(const ClaimReport& a, const ClaimReport& b) {
  REQUIRE(a.claims.size() == b.claims.size());
  CHECK(a.objective == b.objective);
  for (std::size_t i = 0; i < a.claims.size(); ++i) {
    INFO("claim " << a.claims[i].claim->id);
    CHECK(a.claims[i].margin == b.claims[i].margin);
    CHECK(a.claims[i].shortfall == b.claims[i].shortfall);
    CHECK(a.claims[i].pass_share == b.claims[i].pass_share);
    REQUIRE(a.claims[i].checks.size() == b.claims[i].checks.size());
    for (std::size_t k = 0; k < a.claims[i].checks.size(); ++k) {
      CHECK(a.claims[i].checks[k].margin == b.claims[i].checks[k].margin);
      CHECK(a.claims[i].checks[k].measured == b.claims[i].checks[k].measured);
    }
  }
}

// The document path a plan replaces: the parameters set on the TOML tree, then evaluated.
ClaimReport on_document(const toml::table& scenario, const ClaimSet& set,
                        const std::vector<CalibrationParameter>& params, const std::vector<double>& values,
                        const ClaimOptions& o) {
  auto doc = clone(scenario);
  set_parameters(*doc, params, values);
  return evaluate_claims(*doc, set, o);
}
}  // namespace

TEST_CASE("a claim plan at a parameter set gives the document's numbers, and a variant keeps a parameter it sets",
          "[claims][plan]") {
  Document doc = load_document_from_string(kDecayOnly + sptest::stock_and_decay_box(), "decay.toml");
  const auto dir = sptest::temp_dir("claims-plan");
  // `slow` sets the decay to a bound of its box: the plan must still see that the variant
  // decides it (a probe at one bound alone would not).
  const ClaimSet set = load_claims(sptest::write(
      dir / "claims.toml",
      R"(
[variants.slow]
overrides = { "levers.culture.decay" = 0.05 }

[variants.half]
overrides = { "relations.B.A.stocks.culture" = 0.5 }
)" + claim("S", "kind = \"range\"\nmetric = \"stock[A,B,culture]\"\nat = 2001.0\nmin = 1.0") +
          claim("W", "kind = \"range\"\nmetric = \"stock[A,B,culture]\"\nvariant = \"slow\"\nat = 2001.0\nmin = 1.0") +
          claim("H",
                "kind = \"compare\"\nleft = \"stock[A,B,culture]\"\nright = \"stock[B,A,culture]\"\nleft_variant = "
                "\"half\"\nright_variant = \"half\"\nat = 2001.0\nop = \">\"")));
  const auto params = calibration_parameters(*doc.table);
  const ClaimPlan plan(*doc.table, set, params);
  CHECK(plan.models() == 3);
  const std::vector<double> v{7.0, 0.6};
  const ClaimReport typed = plan.evaluate(v, ClaimOptions{});
  require_same_report(typed, on_document(*doc.table, set, params, v, ClaimOptions{}));
  // The values as set: S0 (1 - decay dt)^4 at 2001, with the variant's own decay in `slow`.
  auto stock_2001 = [](double decay) {
    std::ostringstream s;
    s.precision(4);
    s << "stock[A,B,culture]@2001 = " << 7.0 * std::pow(1 - decay * 0.25, 4);
    return s.str();
  };
  CHECK(typed.claims[0].checks[0].measured == stock_2001(0.6));
  CHECK(typed.claims[1].checks[0].measured == stock_2001(0.05));
  // No values: the scenario as it is, as evaluate_claims reads it.
  require_same_report(plan.evaluate({}, ClaimOptions{}), evaluate_claims(*doc.table, set, ClaimOptions{}));
}

TEST_CASE("on the flagship, a claim plan gives the document's numbers at prior draws, noisy runs included",
          "[claims][plan][baseline]") {
  Document doc = load_document(sptest::scenario("baseline.toml"));
  ClaimSet set = load_claims_from_string(
      sptest::read(sptest::scenario("claims.toml")) + "\n" + sptest::read(sptest::scenario("checks/data.toml")),
      "claims+data.toml");
  const auto params = calibration_parameters(*doc.table);
  REQUIRE(params.size() >= 20);
  const ClaimPlan plan(*doc.table, set, params);
  ClaimOptions o;
  o.runs = 4;
  o.seed = 7;
  // Three points of the box, near its corners and inside, every parameter moved.
  for (double u : {0.05, 0.37, 0.93}) {
    std::vector<double> v;
    for (const auto& p : params) v.push_back(p.from_unit(u));
    INFO("u = " << u);
    require_same_report(plan.evaluate(v, o), on_document(*doc.table, set, params, v, o));
  }
}

TEST_CASE("on the flagship, claims on its Scenario give the file's numbers, every variant included",
          "[claims][typed][baseline]") {
  // Variants patch the scenario's document (scenario_document): an event switched off, moves
  // added, Türkiye removed. The Scenario as loaded gives what the file gives.
  Document doc = load_document(sptest::scenario("baseline.toml"));
  const ValidScenario scenario = load_scenario(sptest::scenario("baseline.toml"));
  const ClaimSet set = load_claims(sptest::scenario("claims.toml"));
  ClaimOptions o;
  o.runs = 2;
  o.seed = 11;
  require_same_report(evaluate_claims(scenario.scenario(), set, o), evaluate_claims(*doc.table, set, o));
  // Its document reads back to itself.
  const auto once = scenario_document(scenario.scenario());
  CHECK(*scenario_document(build_scenario(*once)) == *once);
  // An invalid Scenario is refused with validate()'s message.
  Scenario bad = scenario;
  bad.params.alpha = 2.0;
  CHECK_THROWS_WITH(evaluate_claims(bad, set, o), Catch::Contains("'alpha' = 2 is out of range"));
}
