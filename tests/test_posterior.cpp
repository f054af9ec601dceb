// --posterior FILE [--draws N]: parameter uncertainty from a weighted posterior; run r
// takes a particle drawn from (seed, r) alone and keeps its own noise stream.
#include <catch2/catch.hpp>

#include <cstdio>
#include <set>

#include "helpers.hpp"
#include "smartpower/analysis/claims_toml.hpp"
#include "smartpower/analysis/compare.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/analysis/posterior.hpp"
#include "smartpower/analysis/sweep.hpp"
#include "smartpower/analysis/compare_toml.hpp"
#include "smartpower/analysis/sweep_toml.hpp"

using namespace smartpower;

namespace {
struct Fixture {
  std::filesystem::path dir = sptest::temp_dir("posterior");
  std::string scen = sptest::write(dir / "tiny.toml", sptest::tiny_scenario());
  std::string post(const std::string& name, const std::string& text) { return sptest::write(dir / name, text); }
  ~Fixture() { std::filesystem::remove_all(dir); }
};
// summary.json from "actors" on (the outcomes; the command line and labels come before).
std::string outcomes(const std::string& summary) { return summary.substr(summary.find("\"actors\"")); }
const char* kWide = "weight,distance,levers.trade.decay,levers.culture.decay\n1,0,0.02,0.02\n1,0,3.0,2.0\n";
}  // namespace

TEST_CASE("posterior: bad files exit 2 naming file and line", "[posterior]") {
  Fixture f;
  struct Case {
    std::string name, text, where, what;
  };
  const std::vector<Case> cases{
      {"empty.csv", "", "empty.csv:1:", "empty file"},
      {"header.csv", "w,d,levers.trade.decay\n1,0,0.5\n", "header.csv:1:", "header"},
      {"path.csv", "weight,distance,levers.trade.nope\n1,0,0.5\n", "path.csv:1:", "levers.trade.nope"},
      {"negative.csv", "weight,distance,levers.trade.decay\n1,0,0.5\n-1,0,0.4\n", "negative.csv:3:", "negative"},
      {"nan.csv", "weight,distance,levers.trade.decay\nnan,0,0.5\n", "nan.csv:2:", "weight"},
      {"short.csv", "weight,distance,levers.trade.decay\n1,0\n", "short.csv:2:", "fields"},
      {"text.csv", "weight,distance,levers.trade.decay\n1,0,abc\n", "text.csv:2:", "not a number"},
  };
  for (const auto& c : cases) {
    const std::string p = f.post(c.name, c.text);
    std::string out;
    const int st = sptest::run("'" + sptest::bin() + "' run '" + f.scen + "' --runs 4 -q --out '" + (f.dir / "o").string() +
                                   "' --posterior '" + p + "'",
                               &out);
    INFO(c.name << ": " << out);
    CHECK(st == 2);
    CHECK(out.find(c.where) != std::string::npos);
    CHECK(out.find(c.what) != std::string::npos);
  }
}

TEST_CASE("posterior: draws depend on (seed, run) only; --draws caps distinct draws", "[posterior]") {
  Fixture f;
  Document d = load_document(f.scen);
  const Posterior p = load_posterior(f.post("p.csv", "weight,distance,levers.trade.decay\n1,0,0.1\n2,0,0.2\n3,0,0.3\n0,0,0.9\n"),
                                     *d.table);
  const auto a = posterior_particles(p, 42, 200, 0), b = posterior_particles(p, 42, 50, 0);
  CHECK(std::equal(b.begin(), b.end(), a.begin()));
  std::set<int> seen(a.begin(), a.end());
  CHECK(seen == std::set<int>{0, 1, 2});  // weight 0 is never drawn
  const auto c = posterior_particles(p, 42, 200, 5);
  for (int r = 0; r < 200; ++r) CHECK(c[r] == a[r % 5]);
  CHECK(posterior_particles(p, 43, 200, 0) != a);
}

TEST_CASE("posterior: one particle at the scenario's own values gives plain run's numbers", "[posterior]") {
  Fixture f;
  const std::string p = f.post("one.csv", "weight,distance,levers.trade.decay,levers.culture.decay\n0.5,1.25,0.5,0.1\n");
  const std::string o1 = (f.dir / "plain").string(), o2 = (f.dir / "post").string();
  std::string out;
  REQUIRE(sptest::run("'" + sptest::bin() + "' run '" + f.scen + "' --runs 64 -q --out '" + o1 + "'", &out) == 0);
  CHECK(out.find("intervals include decision noise only") != std::string::npos);
  REQUIRE(sptest::run("'" + sptest::bin() + "' run '" + f.scen + "' --runs 64 -q --out '" + o2 + "' --posterior '" + p + "'",
                      &out) == 0);
  CHECK(out.find("intervals include decision noise and parameters (posterior") != std::string::npos);
  const std::string s1 = sptest::read(o1 + "/summary.json"), s2 = sptest::read(o2 + "/summary.json");
  CHECK(outcomes(s1) == outcomes(s2));
  CHECK(sptest::read(o1 + "/timeseries.csv") == sptest::read(o2 + "/timeseries.csv"));
  CHECK(s1.find("\"uncertainty\": \"decision noise only\"") != std::string::npos);
  CHECK(s2.find("\"uncertainty\": \"decision noise and parameters (posterior " + p + ", 64 draws)\"") != std::string::npos);
  CHECK(s2.find("\"draws\": 64") != std::string::npos);
}

TEST_CASE("posterior: same bytes for --threads 1 and 2", "[posterior]") {
  Fixture f;
  const std::string p = f.post("wide.csv", kWide);
  for (const char* draws : {"", " --draws 7"}) {
    std::string res[2];
    for (int t : {1, 2}) {
      const std::string o = (f.dir / ("t" + std::to_string(t))).string();
      REQUIRE(sptest::run("'" + sptest::bin() + "' run '" + f.scen + "' --runs 300 -q --threads " + std::to_string(t) +
                          " --out '" + o + "' --posterior '" + p + "'" + draws) == 0);
      res[t - 1] = sptest::read(o + "/summary.json") + sptest::read(o + "/timeseries.csv");
    }
    CHECK(res[0] == res[1]);
  }
}

TEST_CASE("posterior: compare A A is exactly zero", "[posterior]") {
  Fixture f;
  const std::string p = f.post("wide.csv", kWide);
  Document d = load_document(f.scen);
  const Posterior post = load_posterior(p, *d.table);
  CompareOptions o;
  o.runs = 60;
  o.threads = 2;
  o.posterior = &post;
  o.draws = 9;
  const Comparison c = compare_scenarios(*d.table, *d.table, o);
  REQUIRE(!c.changes.empty());
  for (const auto& ch : c.changes) {
    CHECK(ch.diff.mean == 0);
    CHECK(ch.diff.q05 == 0);
    CHECK(ch.diff.q95 == 0);
  }
  CHECK(c.uncertainty.find("parameters") != std::string::npos);
  std::string out;
  const std::string dir = (f.dir / "cmp").string();
  REQUIRE(sptest::run("'" + sptest::bin() + "' compare '" + f.scen + "' '" + f.scen + "' --runs 40 -q --out '" + dir +
                          "' --posterior '" + p + "' --draws 5",
                      &out) == 0);
  CHECK(out.find("intervals include decision noise and parameters") != std::string::npos);
  const std::string j = sptest::read(dir + "/compare.json");
  CHECK(j.find("\"draws\": 5") != std::string::npos);
}

TEST_CASE("posterior: two very different particles widen the 5-95 % interval", "[posterior]") {
  Fixture f;
  Document d = load_document(f.scen);
  const Posterior post = load_posterior(f.post("wide.csv", kWide), *d.table);
  Model model(build_scenario(*d.table));
  EnsembleOptions o;
  o.runs = 200;
  o.seed = 7;
  o.threads = 2;
  const EnsembleResult plain = run_ensemble(model, o);
  PosteriorModels models(post, *d.table);
  const EnsembleResult wide = run_grouped_ensemble(posterior_particles(post, o.seed, o.runs, 0), std::ref(models), o);
  REQUIRE(wide.final_columns == plain.final_columns);
  const std::size_t col = std::find(plain.final_columns.begin(), plain.final_columns.end(),
                                    model.layout().index(Metric::dependence, 0, 1)) -
                          plain.final_columns.begin();
  REQUIRE(col < plain.final_columns.size());
  const Stats a = final_stats(plain, col), b = final_stats(wide, col);
  INFO("plain [" << a.q05 << "," << a.q95 << "] posterior [" << b.q05 << "," << b.q95 << "]");
  CHECK(b.q95 - b.q05 > 2 * (a.q95 - a.q05));
}

TEST_CASE("posterior: claims with one particle at the scenario's own values match plain claims", "[posterior][claims]") {
  Fixture f;
  Document d = load_document(sptest::scenario("baseline.toml"));
  const ClaimSet set = load_claims(sptest::scenario("claims.toml"));
  const toml::node* v = get_path(*d.table, "levers.trade.flow_scale");
  REQUIRE(v);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v->value<double>().value());
  const Posterior post = load_posterior(f.post("one.csv", std::string("weight,distance,levers.trade.flow_scale\n1,0,") + buf + "\n"),
                                        *d.table);
  ClaimOptions o;
  o.runs = 16;
  o.threads = 2;
  const ClaimReport plain = evaluate_claims(*d.table, set, o);
  o.posterior = &post;
  const ClaimReport with = evaluate_claims(*d.table, set, o);
  REQUIRE(plain.claims.size() == with.claims.size());
  for (std::size_t i = 0; i < plain.claims.size(); ++i) {
    CHECK(plain.claims[i].pass_share == with.claims[i].pass_share);
    CHECK(plain.claims[i].margin == with.claims[i].margin);
  }
  CHECK(plain.objective == with.objective);
}

// ---- sweep and sensitivity ----------------------------------------------------------

namespace {
std::vector<OutcomeStats> flat(const SweepResult& r) {
  std::vector<OutcomeStats> out;
  for (const auto& row : r.rows) out.insert(out.end(), row.outcomes.begin(), row.outcomes.end());
  return out;
}
bool same(const std::vector<OutcomeStats>& a, const std::vector<OutcomeStats>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].mean != b[i].mean || a[i].q05 != b[i].q05 || a[i].q95 != b[i].q95) return false;
  }
  return true;
}
}  // namespace

TEST_CASE("posterior: a sweep with one particle is the plain sweep with the particle's values, the point winning",
          "[posterior][sweep]") {
  Fixture f;
  Document d = load_document(f.scen);
  // The particle sets both decays; the sweep then sets trade.decay itself (the point wins).
  const Posterior post = load_posterior(
      f.post("one.csv", "weight,distance,levers.trade.decay,levers.culture.decay\n1,0,0.9,0.3\n"), *d.table);
  const std::vector<std::string> paths{"levers.trade.decay"};
  const std::vector<std::vector<double>> points{{0.2}, {0.6}, {1.4}};
  SweepOptions o;
  o.runs = 24;
  o.seed = 5;
  o.threads = 2;
  o.posterior = &post;
  const SweepResult with = run_sweep(*d.table, paths, points, o);
  CHECK(with.uncertainty.find("decision noise and parameters (posterior") != std::string::npos);
  o.posterior = nullptr;
  const SweepResult plain_own = run_sweep(*d.table, paths, points, o);
  CHECK(plain_own.uncertainty == "decision noise only");
  auto fixed = clone(*d.table);
  set_path(*fixed, "levers.culture.decay", 0.3);
  const SweepResult plain = run_sweep(*fixed, paths, points, o);
  CHECK(same(flat(with), flat(plain)));
  CHECK(!same(flat(with), flat(plain_own)));  // the particle's culture decay did change something
}

TEST_CASE("posterior: sweep draws follow the seed, same bytes for --threads 1 and 2", "[posterior][sweep]") {
  Fixture f;
  const std::string p = f.post("wide.csv", kWide);
  auto sweep = [&](const std::string& extra) {
    std::string out;
    const std::string o = (f.dir / "sweep.csv").string();
    REQUIRE(sptest::run("'" + sptest::bin() + "' sweep '" + f.scen + "' --set actors.A.budget=0.5:1.5:0.5 --runs 40 -q --out '" +
                            o + "' --posterior '" + p + "'" + extra,
                        &out) == 0);
    CHECK(out.find("runs include decision noise and parameters (posterior") != std::string::npos);
    return sptest::read(o);
  };
  const std::string t1 = sweep(" --seed 3 --threads 1"), t2 = sweep(" --seed 3 --threads 2");
  CHECK(t1 == t2);
  CHECK(sweep(" --seed 4 --threads 2") != t1);
  CHECK(sweep(" --seed 3 --threads 2 --draws 1") != t1);  // one draw: one particle for every run
  // Without the posterior the same sweep is narrower at every point (two far-apart particles).
  std::string out;
  const std::string o = (f.dir / "plain.csv").string();
  REQUIRE(sptest::run("'" + sptest::bin() + "' sweep '" + f.scen + "' --set actors.A.budget=0.5:1.5:0.5 --runs 40 -q --seed 3 --out '" + o + "'",
                      &out) == 0);
  CHECK(out.find("runs include decision noise only") != std::string::npos);
  CHECK(sptest::read(o) != t1);
}

TEST_CASE("posterior: sensitivity moves posterior factors over the posterior's marginal", "[posterior][sweep]") {
  Fixture f;
  const std::string scen = sptest::write(f.dir / "cal.toml", sptest::tiny_scenario(R"(
[[calibration.parameters]]
path = "levers.trade.decay"
lo = 0.05
hi = 2.0

[[calibration.parameters]]
path = "levers.culture.decay"
lo = 0.02
hi = 1.0
)"));
  Document d = load_document(scen);
  const auto params = calibration_parameters(*d.table);
  MorrisOptions o;
  o.trajectories = 6;
  o.runs = 4;
  o.seed = 11;
  o.threads = 2;
  const MorrisResult plain = run_morris(*d.table, params, o);
  // One particle: trade.decay sits at one value, so its effects vanish exactly; culture.decay
  // is not in the posterior and keeps its prior range (and its effects).
  const Posterior one = load_posterior(f.post("one.csv", "weight,distance,levers.trade.decay\n1,0,0.7\n"), *d.table);
  o.posterior = &one;
  const MorrisResult with = run_morris(*d.table, params, o);
  REQUIRE(with.on_posterior == std::vector<bool>{true, false});
  CHECK(with.parameters[0].lo == 0.7);
  CHECK(with.parameters[0].hi == 0.7);
  for (std::size_t oi = 0; oi < plain.outcomes.size(); ++oi) {
    INFO(plain.outcomes[oi]);
    CHECK(with.effects[oi][0].mu_star == 0.0);
  }
  double plain_trade = 0, with_culture = 0;
  for (std::size_t oi = 0; oi < plain.outcomes.size(); ++oi) {
    plain_trade += plain.effects[oi][0].mu_star;
    with_culture += with.effects[oi][1].mu_star;
  }
  CHECK(plain_trade > 0);
  CHECK(with_culture > 0);
  // The CLI says which uncertainty the runs include and marks the posterior range.
  std::string out;
  REQUIRE(sptest::run("'" + sptest::bin() + "' sensitivity '" + scen + "' --trajectories 4 --runs 4 -q --posterior '" +
                          f.post("wide.csv", "weight,distance,levers.trade.decay\n1,0,0.3\n1,0,1.2\n") + "'",
                      &out) == 0);
  CHECK(out.find("runs include decision noise and parameters (posterior") != std::string::npos);
  CHECK(out.find("0.3 .. 1.2 posterior") != std::string::npos);
}

namespace {
// A what-if move of the tiny scenario: A pushes trade toward B from mid-2000.
const std::string kPush = R"(
[[moves]]
label = "push"
actor = "A"
target = "B"
lever = "trade"
from = 2000.5
scale = 2.0
)";
}  // namespace

TEST_CASE("posterior: compare runs particle groups side by side, same bytes as one after the other", "[posterior][compare]") {
  // --threads 2 runs whole particle groups on two threads (merged in group order);
  // --threads 1 runs them one after the other: compare.json must not tell them apart.
  Fixture f;
  const std::string p = f.post("wide.csv", kWide);
  const std::string whatif = sptest::write(f.dir / "whatif.toml", sptest::tiny_scenario(kPush));
  std::string res[2];
  for (int t : {1, 2}) {
    const std::string dir = (f.dir / ("cmp" + std::to_string(t))).string();
    REQUIRE(sptest::run("'" + sptest::bin() + "' compare '" + f.scen + "' '" + whatif + "' --runs 120 --draws 30 -q --threads " +
                        std::to_string(t) + " --out '" + dir + "' --posterior '" + p + "'") == 0);
    res[t - 1] = sptest::read(dir + "/compare.json");
  }
  CHECK(!res[0].empty());
  CHECK(res[0] == res[1]);
}

TEST_CASE("posterior: a what-if that removes an actor skips that actor's posterior columns", "[posterior][compare]") {
  Fixture f;
  const std::string p = f.post("actors.csv", "weight,distance,actors.C.capabilities.military,levers.trade.decay\n1,0,1.5,0.3\n1,0,4.5,0.9\n");
  const std::string without = sptest::write(f.dir / "no_c.toml", "extends = \"tiny.toml\"\nremove_actors = [\"C\"]\n");
  std::string out;
  const std::string dir = (f.dir / "noc").string();
  CHECK(sptest::run("'" + sptest::bin() + "' compare '" + f.scen + "' '" + without + "' --runs 20 -q --out '" + dir +
                        "' --posterior '" + p + "'",
                    &out) == 0);
  INFO(out);
  CHECK(out.find("intervals include decision noise and parameters") != std::string::npos);
}

TEST_CASE("posterior: compare's paired runs are each side's grouped ensemble, byte for byte", "[posterior][compare]") {
  // compare --posterior runs every side of a particle in one task (run_paired_posterior);
  // each side must be what run_grouped_ensemble gives it alone, and an attribution
  // subset's Model::with_disabled what the scenario with those moves disabled gives.
  Fixture f;
  const std::string p = f.post("wide.csv", kWide);
  const std::string whatif = sptest::write(f.dir / "whatif2.toml", sptest::tiny_scenario(kPush + R"(
[[moves]]
label = "pull"
actor = "B"
target = "A"
lever = "culture"
from = 2000.2
scale = 0.5
)"));
  Document b = load_document(f.scen), w = load_document(whatif);
  const Posterior post = load_posterior(p, *b.table);
  CompareOptions o;
  o.runs = 50;
  o.draws = 7;
  o.seed = 11;
  o.posterior = &post;
  for (int t : {1, 2}) {
    o.threads = t;
    const Comparison c = compare_scenarios(*b.table, *w.table, o);
    EnsembleOptions e;
    e.runs = o.runs;
    e.seed = o.seed;
    e.threads = 1;
    e.series_stats = false;
    const auto particles = posterior_particles(post, o.seed, o.runs, o.draws);
    PosteriorModels bm(post, *b.table), wm(post, *w.table);
    const EnsembleResult rb = run_grouped_ensemble(particles, std::ref(bm), e);
    const EnsembleResult rw = run_grouped_ensemble(particles, std::ref(wm), e);
    CHECK(c.base.finals == rb.finals);
    CHECK(c.base.final_columns == rb.final_columns);
    CHECK(c.whatif.finals == rw.finals);
    CHECK(c.whatif.times == rw.times);
  }
  // One subset: the first move off.
  const Model whole(build_scenario(*w.table));
  Scenario off = whole.scenario();
  off.moves[0].enabled = false;
  const Model rebuilt(off);
  const int first[] = {0};
  const Model derived = whole.with_disabled(first, {});
  EnsembleOptions e;
  e.runs = 20;
  e.series_stats = false;
  CHECK(run_ensemble(derived, e).finals == run_ensemble(rebuilt, e).finals);
  CHECK(run_ensemble(derived, e).finals != run_ensemble(whole, e).finals);
}
