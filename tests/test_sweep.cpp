// The what-if toolkit: --set parsing, grid and Latin-hypercube designs, sweeps against
// closed-form answers, Morris screening with known effects, and the two commands.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "helpers.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/analysis/sweep.hpp"
#include "smartpower/analysis/sweep_toml.hpp"

using namespace smartpower;
using sptest::run;

namespace {

// Three actors, one hard lever that needs no capability, zero budgets: nobody acts, so
// stocks only decay, S(T) = S(0) * (1 - 0.2 * 0.25)^8, and A's dependence on B is
// S(B,A) / (S(B,A) + S(C,A)) at every instant (both stocks decay alike). With S(C,A) = 1
// and x = S(B,A)(0): d = x / (x + 1) and balance(A) = 1 - (HHI - 1/2) / (1/2) = 4 d (1 - d).
const char* kClosedForm = R"(
[scenario]
name = "closed form"
start = 2000.0
end = 2002.0
dt = 0.25
seed = 3

[model]
noise = 1.0
w_threat = 1.0

[[levers]]
id = "trade"
kind = "hard"
capability = "none"
decay = 0.2

[[actors]]
id = "A"
budget = 0.0
noise = 1.0
capabilities = { economy = 1.0, military = 1.0, population = 1.0 }
identity = { x = 1.0 }

[[actors]]
id = "B"
budget = 0.0
capabilities = { economy = 1.0, military = 1.0, population = 1.0 }
identity = { x = 1.0 }

[[actors]]
id = "C"
budget = 0.0
capabilities = { economy = 1.0, military = 1.0, population = 1.0 }
identity = { y = 1.0 }

[relations.B.A]
stocks = { trade = 2.0 }

[relations.C.A]
stocks = { trade = 1.0 }
)";

const double kDecay8 = std::pow(1.0 - 0.2 * 0.25, 8);

Document closed_form() {
  auto doc = load_document_from_string(kClosedForm, "closed.toml");
  build_scenario(*doc.table);
  return doc;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("parse_set_spec reads LO:HI:STEP, LO:HI and VALUE", "[sweep][spec]") {
  auto s = parse_set_spec("model.rho=0.1:0.9:0.2");
  CHECK(s.path == "model.rho");
  CHECK(s.lo == 0.1);
  CHECK(s.hi == 0.9);
  CHECK(s.step == 0.2);
  CHECK(s.has_step);
  s = parse_set_spec(" actors.TUR.budget = -1 : 2 ");
  CHECK(s.path == "actors.TUR.budget");
  CHECK(s.lo == -1.0);
  CHECK(s.hi == 2.0);
  CHECK_FALSE(s.has_step);
  s = parse_set_spec("model.noise=0");
  CHECK(s.lo == 0.0);
  CHECK(s.hi == 0.0);
  CHECK(parse_set_spec("model.rho=1e-3:+2e-1:5e-2").hi == 0.2);
}

TEST_CASE("bad --set specs name what was expected", "[sweep][spec][errors]") {
  CHECK_THAT(error_of([] { parse_set_spec("model.rho"); }),
             Catch::Contains("--set 'model.rho'") && Catch::Contains("no '='") && Catch::Contains("PATH=LO:HI:STEP"));
  CHECK_THAT(error_of([] { parse_set_spec("=0:1:0.1"); }), Catch::Contains("no parameter path"));
  CHECK_THAT(error_of([] { parse_set_spec("model.rho=0.9:0.1:0.1"); }),
             Catch::Contains("LO = 0.9 is greater than HI = 0.1") && Catch::Contains("LO <= HI"));
  CHECK_THAT(error_of([] { parse_set_spec("model.rho=0:1:0"); }), Catch::Contains("STEP = 0 must be positive"));
  CHECK_THAT(error_of([] { parse_set_spec("model.rho=0:1:-0.5"); }), Catch::Contains("STEP = -0.5 must be positive"));
  CHECK_THAT(error_of([] { parse_set_spec("model.rho=0:x:0.1"); }), Catch::Contains("HI = 'x' is not a number"));
  CHECK_THAT(error_of([] { parse_set_spec("model.rho=0:1:0.1:4"); }), Catch::Contains("too many ':'"));
  CHECK_THAT(error_of([] { parse_set_spec("model.rho=nan:1:0.1"); }), Catch::Contains("LO = 'nan' is not a number"));
  // A grid needs a STEP; a Latin hypercube does not.
  CHECK_THAT(error_of([] { grid_points({parse_set_spec("model.rho=0:0.5")}); }),
             Catch::Contains("a grid needs a STEP") && Catch::Contains("--lhs"));
  CHECK_NOTHROW(lhs_points({parse_set_spec("model.rho=0:0.5")}, 4, 1));
  CHECK_THAT(error_of([] { grid_points({parse_set_spec("model.rho=0:1:0.1"), parse_set_spec("model.rho=0:1:0.5")}); }),
             Catch::Contains("already set"));
  CHECK_THAT(error_of([] { grid_points({}); }), Catch::Contains("no --set given"));
}

TEST_CASE("check_set_spec: a --set path must name a number the scenario accepts", "[sweep][spec][errors]") {
  const Document doc = load_document(sptest::scenario("baseline.toml"));
  const auto& t = *doc.table;
  CHECK_NOTHROW(check_set_spec(t, parse_set_spec("model.rho=-1:0.9:0.1")));
  CHECK_NOTHROW(check_set_spec(t, parse_set_spec("actors.TUR.budget=0.5:2:0.5")));
  // Keys the file leaves at their default are accepted too.
  CHECK_NOTHROW(check_set_spec(t, parse_set_spec("relations.KAZ.TUR.stocks.trade=0:2:1")));
  CHECK_THAT(error_of([&] { check_set_spec(t, parse_set_spec("model.rhoo=0:0.5:0.1")); }),
             Catch::Contains("no number at 'model.rhoo'") && Catch::Contains("did you mean 'rho'"));
  CHECK_THAT(error_of([&] { check_set_spec(t, parse_set_spec("modle.rho=0:0.5:0.1")); }),
             Catch::Contains("'modle' not found") && Catch::Contains("did you mean 'model'"));
  CHECK_THAT(error_of([&] { check_set_spec(t, parse_set_spec("actors.KZA.budget=0:1:0.5")); }),
             Catch::Contains("'KZA' not found under 'actors'") && Catch::Contains("did you mean 'KAZ'"));
  CHECK_THAT(error_of([&] { check_set_spec(t, parse_set_spec("scenario.name=0:1:0.5")); }),
             Catch::Contains("is a string in the scenario, not a number"));
  CHECK_THAT(error_of([&] { check_set_spec(t, parse_set_spec("model.alpha=0.5:2:0.5")); }),
             Catch::Contains("HI = 2 is not accepted") && Catch::Contains("[0, 1]"));
}

TEST_CASE("grids enumerate every combination, first --set slowest", "[sweep][grid]") {
  const auto pts = grid_points({parse_set_spec("a.x=0:1:0.5"), parse_set_spec("b.y=10:20:10"), parse_set_spec("c.z=7")});
  REQUIRE(pts.size() == 3 * 2 * 1);
  const std::vector<std::vector<double>> want = {{0, 10, 7}, {0, 20, 7}, {0.5, 10, 7}, {0.5, 20, 7}, {1, 10, 7}, {1, 20, 7}};
  CHECK(pts == want);
  // Values are the decimals as written, HI included when it is on the grid.
  CHECK(grid_values(parse_set_spec("m.r=0.1:0.5:0.1")) == std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5});
  CHECK(grid_values(parse_set_spec("m.r=0:1:0.3")) == std::vector<double>{0, 0.3, 0.6, 0.9});
  CHECK(grid_values(parse_set_spec("m.r=-1:1:0.25")).size() == 9);
  CHECK(grid_values(parse_set_spec("m.r=2:2:0.5")) == std::vector<double>{2});
  // Counts multiply; more than the limit is refused before anything is allocated.
  CHECK(grid_points({parse_set_spec("a.x=0:99:1"), parse_set_spec("b.y=0:99:1")}).size() == 10000);
  CHECK_THAT(error_of([] { grid_points({parse_set_spec("a.x=0:1000:1"), parse_set_spec("b.y=0:1000:1")}); }),
             Catch::Contains("1002001 points (1001 x 1001)") && Catch::Contains("limit of 1000000"));
  CHECK_THAT(error_of([] { grid_points({parse_set_spec("a.x=0:1:1e-12")}); }), Catch::Contains("limit"));
}

TEST_CASE("Latin hypercubes hit every stratum once per dimension, deterministically", "[sweep][lhs]") {
  const std::size_t n = 37, dims = 4;
  const auto u = latin_hypercube(n, dims, 42);
  REQUIRE(u.size() == n);
  for (std::size_t d = 0; d < dims; ++d) {
    std::set<long> strata;
    for (const auto& row : u) {
      REQUIRE(row.size() == dims);
      CHECK(row[d] >= 0.0);
      CHECK(row[d] < 1.0);
      strata.insert(static_cast<long>(std::floor(row[d] * n)));
    }
    CHECK(strata.size() == n);
    CHECK(*strata.begin() == 0);
    CHECK(*strata.rbegin() == static_cast<long>(n) - 1);
  }
  CHECK(latin_hypercube(n, dims, 42) == u);
  CHECK(latin_hypercube(n, dims, 43) != u);
  // Mapped onto the ranges: inside [LO, HI], one point per 1/n of each range.
  const auto pts = lhs_points({parse_set_spec("a.x=-1:3"), parse_set_spec("b.y=10:20:5")}, 10, 9);
  REQUIRE(pts.size() == 10);
  std::set<long> sa, sb;
  for (const auto& p : pts) {
    CHECK(p[0] >= -1.0);
    CHECK(p[0] <= 3.0);
    CHECK(p[1] >= 10.0);
    CHECK(p[1] <= 20.0);
    sa.insert(static_cast<long>(std::floor((p[0] + 1.0) / 4.0 * 10)));
    sb.insert(static_cast<long>(std::floor((p[1] - 10.0) / 10.0 * 10)));
  }
  CHECK(sa.size() == 10);
  CHECK(sb.size() == 10);
  CHECK_THAT(error_of([] { lhs_points({parse_set_spec("a.x=0:1")}, 0, 1); }), Catch::Contains("expected a number of points"));
}

TEST_CASE("a sweep reproduces a closed-form dependence and balance", "[sweep][closed-form]") {
  const Document doc = closed_form();
  const auto pts = grid_points({parse_set_spec("relations.B.A.stocks.trade=0:4:1")});
  SweepOptions opt;
  opt.outputs = {"dependence[A,B]", "balance[A]", "stock[B,A,trade]", "dependence[A,*]"};
  const auto res = run_sweep(*doc.table, {"relations.B.A.stocks.trade"}, pts, opt);
  REQUIRE(res.rows.size() == 5);
  CHECK(res.outcomes == std::vector<std::string>{"dependence[A,B]", "balance[A]", "stock[B,A,trade]", "dependence[A,*]"});
  for (std::size_t i = 0; i < 5; ++i) {
    const double x = static_cast<double>(i);
    const double d = x / (x + 1.0);
    const auto& row = res.rows[i];
    INFO("x = " << x);
    CHECK(row.point == i);
    CHECK(row.values[0] == x);
    CHECK(row.outcomes[0].mean == Approx(d).margin(1e-12));
    CHECK(row.outcomes[1].mean == Approx(4 * d * (1 - d)).margin(1e-12));
    CHECK(row.outcomes[2].mean == Approx(x * kDecay8).margin(1e-12));
    CHECK(row.outcomes[3].mean == Approx(1.0));  // shares sum to one
  }

  // Noisy runs change nothing here (nobody acts): the quantiles equal the mean.
  opt.runs = 5;
  opt.threads = 3;
  const auto noisy = run_sweep(*doc.table, {"relations.B.A.stocks.trade"}, pts, opt);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(noisy.rows[i].outcomes[0].q05 == Approx(res.rows[i].outcomes[0].mean).margin(1e-12));
    CHECK(noisy.rows[i].outcomes[0].q95 == Approx(res.rows[i].outcomes[0].mean).margin(1e-12));
  }
  std::ostringstream csv;
  write_sweep_csv(csv, noisy);
  const std::string text = csv.str();
  CHECK(text.rfind("point,relations.B.A.stocks.trade,\"dependence[A,B]\",\"dependence[A,B].q05\",\"dependence[A,B].q95\","
                   "balance[A],balance[A].q05,balance[A].q95,",
                   0) == 0);
  CHECK(std::count(text.begin(), text.end(), '\n') == 6);
  CHECK_THAT(text, Catch::Contains("\n1,1,0.5,0.5,0.5,1,1,1,"));
}

TEST_CASE("default sweep outcomes cover balance and every pair's dependence, alignment, threat", "[sweep][outcomes]") {
  const Document doc = closed_form();
  const auto res = run_sweep(*doc.table, {"model.w_threat"}, {{1.0}}, SweepOptions{});
  REQUIRE(res.outcomes.size() == 3 + 3 * 6);
  CHECK(res.outcomes[0] == "balance[A]");
  CHECK(res.outcomes[3] == "dependence[A,B]");
  CHECK(res.outcomes[9] == "alignment[A,B]");
  CHECK(res.outcomes[20] == "threat[C,B]");
  const Model model(build_scenario(*doc.table));
  CHECK_THAT(error_of([&] { resolve_outcome("balanse[A]", model); }), Catch::Contains("did you mean 'balance'"));
  CHECK_THAT(error_of([&] { resolve_outcome("dependence[A,D]", model); }), Catch::Contains("no actor 'D'"));
  CHECK_THAT(error_of([&] { resolve_outcome("dependence[A]", model); }), Catch::Contains("takes 2 indices"));
  CHECK_THAT(error_of([&] { resolve_outcome("dependence[A,A]", model); }), Catch::Contains("selects nothing"));
}

TEST_CASE("sweeps name the failing point", "[sweep][errors]") {
  const Document doc = closed_form();
  // Each value is valid alone; together decay * dt > 1 is not.
  SweepOptions opt;
  opt.threads = 2;
  const auto msg = error_of([&] {
    run_sweep(*doc.table, {"levers.trade.decay", "scenario.dt"}, {{0.2, 0.25}, {0.2, 0.5}, {3.0, 0.5}, {3.0, 0.5}}, opt);
  });
  CHECK_THAT(msg, Catch::Contains("point 2 (levers.trade.decay = 3, scenario.dt = 0.5)"));
}

TEST_CASE("Morris trajectories move each factor once by delta on the grid", "[sweep][morris]") {
  const int k = 5, R = 6, p = 4;
  const auto d = morris_design(k, R, p, 11);
  CHECK(d.delta == Approx(2.0 / 3.0));
  REQUIRE(d.unit.size() == static_cast<std::size_t>(R * (k + 1)));
  for (int t = 0; t < R; ++t) {
    std::set<int> moved;
    CHECK(d.changed[t * (k + 1)] == -1);
    for (int m = 1; m <= k; ++m) {
      const auto r = static_cast<std::size_t>(t * (k + 1) + m);
      const int j = d.changed[r];
      moved.insert(j);
      for (int f = 0; f < k; ++f) {
        const double diff = d.unit[r][f] - d.unit[r - 1][f];
        CHECK(std::fabs(diff) == Approx(f == j ? d.delta : 0.0).margin(1e-15));
      }
    }
    CHECK(moved.size() == static_cast<std::size_t>(k));
  }
  for (const auto& row : d.unit) {
    for (double u : row) CHECK(std::fabs(u * (p - 1) - std::round(u * (p - 1))) < 1e-12);
  }
  CHECK(morris_design(k, R, p, 11).unit == d.unit);
  CHECK(morris_design(k, R, p, 12).unit != d.unit);
  // Campolongo's selection keeps R of the candidates, deterministically.
  const auto c = morris_design(k, R, p, 11, 40);
  CHECK(c.unit.size() == d.unit.size());
  CHECK(morris_design(k, R, p, 11, 40).unit == c.unit);
  CHECK_THAT(error_of([] { morris_design(3, 4, 5, 1); }), Catch::Contains("even number of grid levels"));
}

TEST_CASE("Morris finds no effect where there is none and the known one where there is", "[sweep][morris]") {
  const Document doc = closed_form();
  // w_threat only moves alignment, which nothing here reads back into dependence or
  // stocks (no soft lever, nobody acts): its elementary effects are exactly zero. The
  // stock of B toward A enters S(T) = x * 0.95^8 linearly and d = x / (x + 1).
  CalibrationParameter stock{"relations.B.A.stocks.trade", 1.0, 3.0, 2.0, false};
  CalibrationParameter threat{"model.w_threat", 0.0, 2.0, 1.0, false};
  MorrisOptions opt;
  opt.trajectories = 8;
  opt.outputs = {"stock[B,A,trade]", "dependence[A,B]", "balance[A]"};
  opt.seed = 5;
  const auto res = run_morris(*doc.table, {threat, stock}, opt);
  REQUIRE(res.effects.size() == 3);
  for (std::size_t o = 0; o < 3; ++o) {
    INFO(res.outcomes[o]);
    CHECK(res.effects[o][0].mu_star == 0.0);
    CHECK(res.effects[o][0].mu == 0.0);
    CHECK(res.effects[o][0].sigma == 0.0);
    CHECK(rank_by_mu_star(res.effects[o]).front() == 1);
  }
  // Linear: every EE is the whole-range change (3 - 1) * 0.95^8.
  CHECK(res.effects[0][1].mu_star == Approx(2.0 * kDecay8));
  CHECK(res.effects[0][1].mu == Approx(2.0 * kDecay8));
  CHECK(res.effects[0][1].sigma == Approx(0.0).margin(1e-12));
  // d = x / (x + 1) on the 4-level grid x in {1, 5/3, 7/3, 3}: an EE moves x between
  // 1 and 7/3 ((0.7 - 0.5) / (2/3) = 0.3) or between 5/3 and 3 ((0.75 - 0.625) / (2/3) = 0.1875).
  double sum = 0;
  int n = 0;
  const auto& d = res.design;
  for (std::size_t r = 1; r < d.unit.size(); ++r) {
    if (d.changed[r] != 1) continue;
    const double lo_u = std::min(d.unit[r][1], d.unit[r - 1][1]);
    sum += lo_u < 0.1 ? 0.3 : 0.1875;
    ++n;
  }
  REQUIRE(n == 8);
  CHECK(res.effects[1][1].mu_star == Approx(sum / n));
  CHECK(res.effects[1][1].mu == Approx(sum / n));
  // Same seed, same answer, whatever the threads.
  opt.threads = 3;
  const auto again = run_morris(*doc.table, {threat, stock}, opt);
  CHECK(again.effects[1][1].mu_star == res.effects[1][1].mu_star);
  CHECK(again.effects[2][1].sigma == res.effects[2][1].sigma);
}

TEST_CASE("parameter values follow the log scale and hit the bounds exactly", "[sweep][morris]") {
  CalibrationParameter lin{"x", 0.1, 0.7, 0.1, false}, lg{"y", 1.0, 100.0, 1.0, true};
  CHECK(parameter_value(lin, 0.0) == 0.1);
  CHECK(parameter_value(lin, 1.0) == 0.7);
  CHECK(parameter_value(lin, 0.5) == Approx(0.4));
  CHECK(parameter_value(lg, 0.5) == Approx(10.0));
  CHECK(parameter_value(lg, 1.0) == 100.0);
}

// ---- the commands ----

TEST_CASE("smartpower sweep writes one CSV row per point, byte-identical across threads", "[sweep][cli]") {
  const auto dir = sptest::temp_dir("sweep");
  const auto file = sptest::write(dir / "closed.toml", kClosedForm);
  const std::string cmd = sptest::bin() + " sweep " + file +
                          " --set relations.B.A.stocks.trade=0:4:1 --set model.w_threat=0:1:0.5 --runs 3 -q";
  std::string text;
  REQUIRE(run(cmd + " --threads 1 --out " + (dir / "a.csv").string(), &text) == 0);
  CHECK_THAT(text, Catch::Contains("swept 15 points (grid 5 x 3)") && Catch::Contains("wrote "));
  REQUIRE(run(cmd + " --threads 4 --out " + (dir / "sub" / "b.csv").string()) == 0);
  const auto a = sptest::read((dir / "a.csv").string());
  CHECK(a == sptest::read((dir / "sub" / "b.csv").string()));
  CHECK(std::count(a.begin(), a.end(), '\n') == 16);
  CHECK(a.rfind("point,relations.B.A.stocks.trade,model.w_threat,balance[A],balance[A].q05,balance[A].q95,", 0) == 0);
  CHECK_THAT(a, Catch::Contains("\"dependence[A,B]\"") && Catch::Contains("\"threat[C,B].q95\""));
  CHECK_THAT(a, Catch::Contains("\n3,1,0,1,1,1,"));  // x = 1: d = 1/2, balance 1
  // Without --out the CSV goes to standard output; --lhs samples instead of a grid.
  REQUIRE(run(sptest::bin() + " sweep " + file + " --set model.w_threat=0:2 --lhs 6 --output 'alignment[A,C]'", &text) == 0);
  CHECK(text.rfind("point,model.w_threat,\"alignment[A,C]\"\n", 0) == 0);
  CHECK(std::count(text.begin(), text.end(), '\n') == 7);
}

TEST_CASE("smartpower sweep rejects bad --set specs with exit 2 and says what it expected", "[sweep][cli][errors]") {
  const auto dir = sptest::temp_dir("sweep-bad");
  const auto file = sptest::write(dir / "closed.toml", kClosedForm);
  const std::string cmd = sptest::bin() + " sweep " + file + " -q --out " + (dir / "x.csv").string() + " --set ";
  struct Case {
    const char* spec;
    const char* message;
  };
  for (const Case& c : {Case{"model.w_threat", "no '=': expected PATH=LO:HI:STEP"},
                        Case{"model.w_threat=2:1:0.5", "LO = 2 is greater than HI = 1"},
                        Case{"model.w_threat=0:1:0", "STEP = 0 must be positive"},
                        Case{"model.w_thret=0:1:0.5", "did you mean 'w_threat'"},
                        Case{"actors.Z.budget=0:1:0.5", "'Z' not found under 'actors'"},
                        Case{"model.w_threat=0:100:0.0001", "1000001 points (1000001), more than the limit of 1000000"},
                        Case{"model.w_threat=0:1", "a grid needs a STEP"}}) {
    INFO(c.spec);
    std::string text;
    CHECK(run(cmd + c.spec, &text) == 2);
    CHECK_THAT(text, Catch::Contains(c.message));
  }
  CHECK_FALSE(std::filesystem::exists(dir / "x.csv"));
  std::string text;
  CHECK(run(sptest::bin() + " sweep " + file + " --set model.w_threat=0:1:0.5 --output 'balanse[A]'", &text) == 2);
  CHECK_THAT(text, Catch::Contains("did you mean 'balance'"));
  CHECK(run(sptest::bin() + " sweep --help", &text) == 0);
  CHECK_THAT(text, Catch::Contains("--lhs"));
}

TEST_CASE("smartpower sensitivity ranks the [calibration] parameters by mu*", "[sweep][cli][morris]") {
  const auto dir = sptest::temp_dir("morris");
  const auto file = sptest::write(dir / "closed.toml", std::string(kClosedForm) + R"(
[[calibration.parameters]]
path = "model.w_threat"
lo = 0.0
hi = 2.0

[[calibration.parameters]]
path = "relations.B.A.stocks.trade"
lo = 0.5
hi = 4.0
log = true
)");
  const std::string cmd = sptest::bin() + " sensitivity " + file + " --trajectories 6 --seed 3 -q";
  std::string text;
  REQUIRE(run(cmd + " --out " + (dir / "m.csv").string(), &text) == 0);
  CHECK_THAT(text, Catch::Contains("Morris elementary effects of 2 [calibration] parameters") &&
                       Catch::Contains("balance[A]") && Catch::Contains("dependence[A,B]") &&
                       Catch::Contains("dependence[A,C]") && Catch::Contains("mu*"));
  // The stock ranks first; w_threat has exactly no effect.
  CHECK_THAT(text, Catch::Contains("1     relations.B.A.stocks.trade  0.5 .. 4 log"));
  CHECK_THAT(text, Catch::Contains("2     model.w_threat              0 .. 2"));
  const auto csv = sptest::read((dir / "m.csv").string());
  CHECK(csv.rfind("outcome,rank,parameter,lo,hi,log,mu_star,mu,sigma\n", 0) == 0);
  CHECK_THAT(csv, Catch::Contains("\"dependence[A,B]\",2,model.w_threat,0,2,false,0,0,0\n"));
  // Deterministic: same bytes again, and with threads.
  REQUIRE(run(cmd + " --threads 3 --out " + (dir / "m2.csv").string()) == 0);
  CHECK(sptest::read((dir / "m2.csv").string()) == csv);
  // Chosen outcomes; a scenario without [calibration] is an input error.
  REQUIRE(run(cmd + " --output 'stock[B,A,trade]'", &text) == 0);
  CHECK_THAT(text, Catch::Contains("stock[B,A,trade]"));
  CHECK_THAT(text, !Catch::Contains("balance[A]"));
  const auto plain = sptest::write(dir / "plain.toml", kClosedForm);
  CHECK(run(sptest::bin() + " sensitivity " + plain, &text) == 2);
  CHECK_THAT(text, Catch::Contains("[calibration]"));
  CHECK(run(sptest::bin() + " sensitivity " + file + " --levels 3", &text) == 2);
  CHECK_THAT(text, Catch::Contains("even number of grid levels"));
  CHECK(run(sptest::bin() + " sensitivity " + file + " --method sobol", &text) == 2);
}
