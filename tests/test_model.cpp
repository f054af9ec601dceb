// Each mechanism of docs/model.md on its own, against values computed by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <vector>

#include "helpers.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/core/simulation.hpp"

using namespace smartpower;

TEST_CASE("stocks decay geometrically and grow with effort", "[model][decay]") {
  // (1 - 0.1 * 0.25) * 2 + 0.25 * 1 = 2.2
  CHECK(decay_step(2.0, 0.1, 0.25, 1.0) == Approx(2.2));
  // Without effort a stock halves in log(2)/0.5 ~ 1.39 years at decay 0.5.
  double s = 1.0;
  for (int n = 0; n < 4; ++n) s = decay_step(s, 0.5, 0.25, 0.0);
  CHECK(s == Approx(std::pow(0.875, 4)));
  // A negative effort cannot push a stock below zero.
  CHECK(decay_step(0.1, 0.1, 0.25, -10.0) == 0.0);
  // The steady state is effort / decay.
  s = 0;
  for (int n = 0; n < 2000; ++n) s = decay_step(s, 0.2, 0.25, 0.5);
  CHECK(s == Approx(2.5).epsilon(1e-9));
}

TEST_CASE("CES smart power has the right limits", "[model][ces]") {
  // rho = 1: a weighted sum.
  CHECK(ces(2.0, 4.0, 0.25, 1.0) == Approx(0.25 * 2 + 0.75 * 4));
  // rho -> 0: the Cobb-Douglas limit hard^alpha soft^(1-alpha).
  CHECK(ces(2.0, 4.0, 0.25, 1e-9) == Approx(std::pow(2.0, 0.25) * std::pow(4.0, 0.75)).epsilon(1e-6));
  CHECK(ces(2.0, 4.0, 0.25, 0.0) == Approx(std::pow(2.0, 0.25) * std::pow(4.0, 0.75)));
  // rho -> -inf: the minimum (Leontief).
  CHECK(ces(2.0, 4.0, 0.5, -60.0) == Approx(2.0).epsilon(0.02));
  // Zero inputs.
  CHECK(ces(0.0, 0.0, 0.5, 0.5) == 0.0);
  CHECK(ces(0.0, 3.0, 0.5, -1.0) == 0.0);                     // complements: nothing without hard
  CHECK(ces(0.0, 4.0, 0.5, 0.5) == Approx(0.5 * 0.5 * 4.0));  // (0.5 * 4^0.5)^2 = 1
}

TEST_CASE("smart power peaks at an interior mix for rho < 1 (C20)", "[model][ces]") {
  for (double rho : {0.5, 0.0, -1.0}) {
    const double total = 10.0, alpha = 0.4;
    double best = -1, best_x = -1;
    for (int s = 0; s <= 100; ++s) {
      const double hard = total * s / 100.0;
      const double v = ces(hard, total - hard, alpha, rho);
      if (v > best) {
        best = v;
        best_x = hard;
      }
    }
    INFO("rho = " << rho);
    CHECK(best_x > 0.0);
    CHECK(best_x < total);
    CHECK(best > ces(total, 0.0, alpha, rho));
    CHECK(best > ces(0.0, total, alpha, rho));
  }
  // rho = 1 has no interior optimum: the corner with the larger weight wins.
  CHECK(ces(10.0, 0.0, 0.6, 1.0) > ces(5.0, 5.0, 0.6, 1.0));
}

TEST_CASE("HHI and balance index are bounded", "[model][balance]") {
  const std::vector<double> even{1.0 / 3, 1.0 / 3, 1.0 / 3}, one{1.0, 0.0, 0.0}, mid{0.5, 0.3, 0.2};
  CHECK(hhi(even) == Approx(1.0 / 3));
  CHECK(balance_index(hhi(even), 3) == Approx(1.0));
  CHECK(hhi(one) == Approx(1.0));
  CHECK(balance_index(hhi(one), 3) == Approx(0.0));
  // 0.25 + 0.09 + 0.04 = 0.38; 1 - (0.38 - 1/3) / (2/3) = 0.93
  CHECK(balance_index(hhi(mid), 3) == Approx(0.93));
  CHECK(balance_index(1.0, 1) == 0.0);  // a single partner is full dependence
}

TEST_CASE("softmax allocation spends exactly the budget", "[model][softmax]") {
  const std::vector<double> u{0.0, 1.0, -2.0, 0.5};
  std::vector<double> out(4);
  softmax_allocate(u, 1.0, 3.0, out);
  double sum = 0;
  for (double v : out) sum += v;
  CHECK(sum == Approx(3.0));
  CHECK(out[1] > out[3]);
  CHECK(out[3] > out[0]);
  CHECK(out[0] > out[2]);
  CHECK(out[1] / out[0] == Approx(std::exp(1.0)));
  // A high temperature spreads effort evenly; a low one concentrates it.
  softmax_allocate(u, 1e6, 4.0, out);
  CHECK(out[2] == Approx(1.0).epsilon(1e-5));
  softmax_allocate(u, 1e-3, 1.0, out);
  CHECK(out[1] == Approx(1.0));
  // Huge utilities do not overflow.
  softmax_allocate(std::vector<double>{1e308, 1e308}, 1.0, 2.0, out);
  CHECK(out[0] == Approx(1.0));
}

TEST_CASE("alignment stays in [-1, 1] whatever the pressure", "[model][alignment]") {
  double a = 0.9;
  for (int n = 0; n < 1000; ++n) {
    const double z = (n % 2 ? 1e6 : -1e6) * std::sin(n);
    a = alignment_step(a, z, 4.0, 0.25);  // rate * dt = 1: jumps to the target
    REQUIRE(a >= -1.0);
    REQUIRE(a <= 1.0);
  }
  CHECK(alignment_step(0.0, 0.5, 1.0, 0.25) == Approx(0.25 * std::tanh(0.5)));
}

namespace {
Model tiny_model(const std::string& extra, const std::string& info = "") { return Model(sptest::tiny(extra, info)); }
}  // namespace

TEST_CASE("influence follows stock, returns and affinity-driven receptivity", "[model][influence]") {
  // B has a culture stock of 4 toward A. A and B share identity x, so sim = 1;
  // alignment 0 -> affinity = 0.5 * 1 + 0.5 * 0.5 = 0.75; receptivity 0.1 + 0.9 * 0.75.
  const Model m = tiny_model(R"(
[relations.B.A]
stocks = { culture = 4.0, trade = 9.0 }
)");
  Simulator sim(m);
  sim.reset(1);
  struct First : Observer {
    std::vector<double> x;
    void record(int n, double, std::span<const double> v) override {
      if (n == 0) x.assign(v.begin(), v.end());
    }
  } obs;
  sim.run(&obs);
  const auto& L = m.layout();
  const int A = 0, B = 1, C = 2;
  CHECK(obs.x[L.index(Metric::affinity, A, B)] == Approx(0.75));
  CHECK(obs.x[L.index(Metric::soft, A, B)] == Approx(4.0 * 0.775));
  // Trade is hard, scaled by economy: B's share 2 / (1 + 2), need exponent 0.5.
  CHECK(obs.x[L.index(Metric::hard, A, B)] == Approx(9.0 * std::sqrt(2.0 / 3.0)));
  // Smart power is the CES of the two with alpha = rho = 0.5.
  CHECK(obs.x[L.index(Metric::smart, A, B)] ==
        Approx(ces(9.0 * std::sqrt(2.0 / 3.0), 3.1, 0.5, 0.5)));
  // Nobody else engages A, so A depends on B alone.
  CHECK(obs.x[L.index(Metric::dependence, A, B)] == Approx(1.0));
  CHECK(obs.x[L.index(Metric::dependence, A, C)] == Approx(0.0));
  CHECK(obs.x[L.index(Metric::balance, A)] == Approx(0.0));
  // Threat of C to A: border 1, C's military share 3/4, base 0.1, softened by
  // affinity 0.5 * 0 + 0.5 * 0.5 = 0.25 (no shared identity): 0.75 * 0.1 / 1.25.
  CHECK(obs.x[L.index(Metric::threat, A, C)] == Approx(0.75 * 0.1 / 1.25));
  // Without a border the threat shrinks to the proximity floor 0.2.
  CHECK(obs.x[L.index(Metric::threat, A, B)] == Approx(0.2 * 0.5 * 0.1 / (1 + 3.1 + 0.75)));
}

TEST_CASE("efforts spend each actor's budget and dependence shares sum to one", "[model][allocation]") {
  const Model m = tiny_model(R"(
[relations.B.A]
stocks = { culture = 1.0 }
[relations.C.A]
stocks = { trade = 2.0 }
)");
  Simulator sim(m);
  sim.reset(3);
  struct All : Observer {
    const MetricLayout* L;
    int checked = 0;
    void record(int, double, std::span<const double> x) override {
      for (int i = 0; i < 3; ++i) {
        double effort = 0, dep = 0;
        for (int j = 0; j < 3; ++j) {
          dep += x[L->index(Metric::dependence, i, j)];
          for (int k = 0; k < 2; ++k) effort += x[L->index(Metric::effort, i, j, k)];
        }
        CHECK(effort == Approx(x[L->index(Metric::budget, i)]));
        CHECK(dep == Approx(1.0));
        CHECK(x[L->index(Metric::balance, i)] >= 0.0);
        CHECK(x[L->index(Metric::balance, i)] <= 1.0);
        ++checked;
      }
    }
  } obs;
  obs.L = &m.layout();
  sim.run(&obs);
  CHECK(obs.checked == 3 * 5);
}

TEST_CASE("events shock stocks at their step, moves rescale effort in their window", "[model][events]") {
  const Model m = tiny_model(R"(
[[events]]
label = "treaty"
source = "test"
time = 2000.5
actor = "A"
target = "B"
lever = "culture"
stock = 2.0
alignment = 0.5
mutual = true

[[moves]]
label = "embargo"
actor = "A"
target = "*"
lever = "trade"
from = 2000.25
to = 2000.75
scale = 0.0
effort = 0.5
)");
  struct Rec : Observer {
    std::vector<std::vector<double>> xs;
    void record(int, double, std::span<const double> v) override { xs.emplace_back(v.begin(), v.end()); }
  } obs;
  Simulator sim(m);
  sim.reset(1);
  sim.run(&obs);
  const auto& L = m.layout();
  REQUIRE(obs.xs.size() == 5);
  // Instant 2 (2000.5) holds the shock: 2 on top of two quarters of effort.
  const double before = obs.xs[1][L.index(Metric::stock, 0, 1, 0)];
  const double e1 = obs.xs[1][L.index(Metric::effort, 0, 1, 0)];
  CHECK(obs.xs[2][L.index(Metric::stock, 0, 1, 0)] == Approx(0.975 * before + 0.25 * e1 + 2.0));
  CHECK(obs.xs[2][L.index(Metric::stock, 1, 0, 0)] > 2.0);  // mutual
  CHECK(obs.xs[2][L.index(Metric::alignment, 0, 1)] > 0.45);
  // The move replaces A's trade effort by 0.5 per partner at 2000.25 and 2000.5 only.
  CHECK(obs.xs[1][L.index(Metric::effort, 0, 1, 1)] == Approx(0.5));
  CHECK(obs.xs[2][L.index(Metric::effort, 0, 2, 1)] == Approx(0.5));
  CHECK(obs.xs[3][L.index(Metric::effort, 0, 1, 1)] != Approx(0.5));
  CHECK(obs.xs[0][L.index(Metric::effort, 0, 1, 1)] != Approx(0.5));
}

TEST_CASE("a move without 'to' lasts to the end, its last recorded instant included", "[model][events]") {
  const Model m = tiny_model(R"(
[[moves]]
label = "embargo from mid-year on"
actor = "A"
target = "*"
lever = "trade"
from = 2000.5
scale = 0.0
effort = 0.5
)");
  struct Rec : Observer {
    std::vector<std::vector<double>> xs;
    void record(int, double, std::span<const double> v) override { xs.emplace_back(v.begin(), v.end()); }
  } obs;
  Simulator sim(m);
  sim.reset(1);
  sim.run(&obs);
  const auto& L = m.layout();
  REQUIRE(obs.xs.size() == 5);
  CHECK(obs.xs[1][L.index(Metric::effort, 0, 1, 1)] != Approx(0.5));  // before the move
  for (int n : {2, 3, 4}) {  // 2000.5, 2000.75 and the final instant 2001.0
    INFO("instant " << n);
    CHECK(obs.xs[n][L.index(Metric::effort, 0, 1, 1)] == Approx(0.5));
    CHECK(obs.xs[n][L.index(Metric::effort, 0, 2, 1)] == Approx(0.5));
  }
}

TEST_CASE("the decision noise is logistic with unit variance, independent across options", "[model][noise]") {
  // One deciding actor, three levers of equal utility (no strategy terms, no biases): the
  // efforts' log ratios are the noise differences eps_k - eps_l, whatever the budget.
  // Options 0 and 1 take their uniforms from one random draw, option 2 from the next.
  auto doc = load_document_from_string(R"(
[scenario]
name = "noise"
start = 0.0
end = 25.0
dt = 0.25

[[levers]]
id = "a"
kind = "soft"
decay = 0.5
[[levers]]
id = "b"
kind = "soft"
decay = 0.5
[[levers]]
id = "c"
kind = "soft"
decay = 0.5

[[actors]]
id = "A"
noise = 1.0
temperature = 1.0
capabilities = { economy = 1.0, military = 1.0, population = 1.0 }

[[actors]]
id = "B"
budget = 0.0
capabilities = { economy = 1.0, military = 1.0, population = 1.0 }
)",
                                       "noise.toml");
  const Model m(build_scenario(*doc.table));
  struct Diffs : Observer {
    const MetricLayout* L;
    std::vector<double> d01, d02, d12;
    void record(int, double, std::span<const double> x) override {
      const double e0 = x[L->index(Metric::effort, 0, 1, 0)], e1 = x[L->index(Metric::effort, 0, 1, 1)],
                   e2 = x[L->index(Metric::effort, 0, 1, 2)];
      d01.push_back(std::log(e0 / e1));
      d02.push_back(std::log(e0 / e2));
      d12.push_back(std::log(e1 / e2));
    }
  } obs;
  obs.L = &m.layout();
  Simulator sim(m);
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    sim.reset(seed);
    sim.run(&obs);
  }
  const auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
  };
  const auto cov = [&](const std::vector<double>& a, const std::vector<double>& b) {
    const double ma = mean(a), mb = mean(b);
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - ma) * (b[i] - mb);
    return s / static_cast<double>(a.size() - 1);
  };
  REQUIRE(obs.d01.size() == 300u * 101u);
  const double n = static_cast<double>(obs.d01.size());
  for (const auto* d : {&obs.d01, &obs.d02, &obs.d12}) {
    // A difference of two independent unit-variance logistic variables: mean 0, variance 2.
    CHECK(std::abs(mean(*d)) < 4 * std::sqrt(2.0 / n));
    CHECK(cov(*d, *d) == Approx(2.0).epsilon(0.03));
  }
  // cov(e0 - e2, e1 - e2) = var(e2) = 1 when the three are independent (correlation 1/2);
  // options sharing a draw would show here.
  CHECK(cov(obs.d02, obs.d12) == Approx(1.0).epsilon(0.05));
  CHECK(cov(obs.d01, obs.d12) == Approx(-1.0).epsilon(0.05));  // -var(e1)
  // Logistic, not normal: P(|eps_k - eps_l| > 3 sd) is 0.61 % for this difference (its
  // excess kurtosis is 0.6), 0.27 % for a normal one.
  double tail = 0;
  for (double x : obs.d01) tail += std::abs(x) > 3 * std::sqrt(2.0) ? 1 : 0;
  CHECK(tail / n > 0.0045);
  CHECK(tail / n < 0.0080);
}

TEST_CASE("noisy decisions spend the budget to double precision and survive extreme temperatures",
          "[model][noise]") {
  // 17 actors, 8 levers: 128 options per actor, whose single-precision weights are summed
  // in double; and one actor so cold (temperature 1e-37) that its utilities over the
  // temperature leave the float range, which sends it to the double-precision path.
  std::string text = R"(
[scenario]
name = "budget"
start = 0.0
end = 5.0
dt = 0.25
)";
  for (int k = 0; k < 8; ++k) {
    text += "[[levers]]\nid = \"l" + std::to_string(k) + "\"\nkind = \"" + (k % 2 ? "hard" : "soft") +
            "\"\ndecay = 0.3\n";
  }
  for (int i = 0; i < 17; ++i) {
    text += "[[actors]]\nid = \"A" + std::to_string(i) + "\"\nnoise = 1.0\nbudget = " + std::to_string(1 + i) +
            ".0\ncapabilities = { economy = " + std::to_string(1 + i % 5) +
            ".0, military = 1.0, population = 1.0 }\nstrategy = { diversify = 1.0, affinity = 0.5 }\n";
    if (i == 3) text += "temperature = 1e-37\nlever_bias = { l0 = 30.0 }\n";
  }
  auto doc = load_document_from_string(text, "budget.toml");
  const Model m(build_scenario(*doc.table));
  struct Budget : Observer {
    const MetricLayout* L;
    double worst = 0;
    int checked = 0;
    void record(int, double, std::span<const double> x) override {
      for (int i = 0; i < 17; ++i) {
        double spent = 0;
        for (int j = 0; j < 17; ++j) {
          for (int k = 0; k < 8; ++k) spent += x[L->index(Metric::effort, i, j, k)];
        }
        worst = std::max(worst, std::abs(spent / x[L->index(Metric::budget, i)] - 1));
        ++checked;
      }
    }
  } obs;
  obs.L = &m.layout();
  Simulator sim(m);
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    sim.reset(seed);
    REQUIRE_NOTHROW(sim.run(&obs));
  }
  CHECK(obs.checked == 20 * 21 * 17);
  CHECK(obs.worst < 1e-13);  // summing the weights in float left errors of about 3e-7
}

TEST_CASE("a simulator reused after a numerical error starts clean", "[model][numerics]") {
  auto doc = load_document_from_string(sptest::overflow_scenario(), "overflow.toml");
  const Model m(build_scenario(*doc.table));
  struct Early : Observer {
    std::vector<double> seen;
    void record(int step, double, std::span<const double> x) override {
      if (step <= 5) seen.insert(seen.end(), x.begin(), x.end());
    }
  };
  Early fresh, reused;
  Simulator a(m), b(m);
  a.reset(7);
  CHECK_THROWS_AS(a.run(&fresh), NumericalError);
  b.reset(3);
  CHECK_THROWS_AS(b.run(nullptr), NumericalError);  // throws at an unrecorded step
  b.reset(7);
  CHECK_THROWS_AS(b.run(&reused), NumericalError);
  REQUIRE(fresh.seen.size() == reused.seen.size());
  CHECK(std::memcmp(fresh.seen.data(), reused.seen.data(), fresh.seen.size() * sizeof(double)) == 0);
}

TEST_CASE("gravity scales a lever's effort by the economies' product over distance (eq. 14)", "[model][gravity]") {
  // Trade between A (economy 1) and B (economy 2) at distance 4: with nu = 1, Y = 2 and
  // lambda = 0.5 the factor is (1 * 2 / 4)^1 * 4^-0.5 = 0.25; between A and C (economy 1,
  // distance 1 by default) (1 / 4) * 1 = 0.25 too; B-C: 2 / 4 = 0.5. Culture (soft) keeps 1.
  const std::string keys = R"(
[overrides]
"levers.trade.mass_exponent" = 1.0
"levers.trade.mass_scale" = 2.0
"levers.trade.distance_exponent" = 0.5
[relations.A.B]
distance = 4.0
)";
  const Model plain = tiny_model("");
  const Model grav = tiny_model(keys);
  CHECK(!plain.has_gravity());
  REQUIRE(grav.has_gravity());
  CHECK(grav.gravity(0, 1, 0, 1) == Approx(0.25));
  CHECK(grav.gravity(0, 1, 1, 0) == Approx(0.25));  // symmetric
  CHECK(grav.gravity(0, 1, 0, 2) == Approx(0.25));
  CHECK(grav.gravity(0, 1, 1, 2) == Approx(0.5));
  CHECK(grav.gravity(0, 0, 0, 1) == 1.0);
  struct First : Observer {
    std::vector<double> x;
    void record(int instant, double, std::span<const double> v) override {
      if (instant == 0) x.assign(v.begin(), v.end());
    }
  };
  First a, b;
  Simulator sa(plain), sb(grav);
  sa.reset(1);
  sb.reset(1);
  sa.run(&a);
  sb.run(&b);
  // The decision is the same at instant 0 (same stocks); the efforts differ by g.
  const auto& L = plain.layout();
  CHECK(b.x[L.index(Metric::effort, 0, 1, 1)] == Approx(0.25 * a.x[L.index(Metric::effort, 0, 1, 1)]));
  CHECK(b.x[L.index(Metric::effort, 1, 2, 1)] == Approx(0.5 * a.x[L.index(Metric::effort, 1, 2, 1)]));
  CHECK(b.x[L.index(Metric::effort, 0, 1, 0)] == a.x[L.index(Metric::effort, 0, 1, 0)]);
  // Without the keys nothing changes, bit for bit, whatever the distances.
  const Model far = tiny_model("[relations.A.B]\ndistance = 9.0\n");
  First c;
  Simulator sc(far);
  sc.reset(1);
  sc.run(&c);
  CHECK(std::memcmp(c.x.data(), a.x.data(), a.x.size() * sizeof(double)) == 0);
}

TEST_CASE("the larger economy's mass enters with its own exponent (eq. 14, mass_asymmetry)", "[model][gravity]") {
  // Economies A 1, B 2, C 1 (tiny_model), Y = 2, nu = 1, nu' = -0.5: A-B is
  // (1 * 2 / 4)^1 * (max(1, 2) / 2)^-0.5 = 0.5 * 1 = 0.5; A-C (1 / 4) * (1 / 2)^-0.5 = 0.25 * sqrt(2);
  // B-C like A-B. Symmetric in (i, j), like the rest of g.
  const Model m = tiny_model(R"(
[overrides]
"levers.trade.mass_exponent" = 1.0
"levers.trade.mass_scale" = 2.0
"levers.trade.mass_asymmetry" = -0.5
)");
  REQUIRE(m.has_gravity());
  CHECK(m.gravity(0, 1, 0, 1) == Approx(0.5));
  CHECK(m.gravity(0, 1, 1, 0) == Approx(0.5));
  CHECK(m.gravity(0, 1, 0, 2) == Approx(0.25 * std::sqrt(2.0)));
  CHECK(m.gravity(0, 1, 1, 2) == Approx(0.5));
  CHECK(m.gravity(0, 0, 0, 1) == 1.0);  // a soft lever has no mass term
  // The asymmetry alone (nu = 0) is a gravity too: (max / Y)^nu'.
  const Model alone = tiny_model("[overrides]\n\"levers.trade.mass_asymmetry\" = 1.0\n");
  REQUIRE(alone.has_gravity());
  CHECK(alone.gravity(0, 1, 0, 2) == Approx(1.0));  // max(1, 1) / 1
  CHECK(alone.gravity(0, 1, 0, 1) == Approx(2.0));  // max(1, 2) / 1
  // Out of its range it is refused with the key's name.
  CHECK_THROWS_WITH(tiny_model("[overrides]\n\"levers.trade.mass_asymmetry\" = 11.0\n"), Catch::Contains("mass_asymmetry"));
}

TEST_CASE("distances are symmetric and positive", "[model][gravity][errors]") {
  CHECK_THROWS_WITH(tiny_model("[relations.A.B]\ndistance = 2.0\n[relations.B.A]\ndistance = 3.0\n"),
                    Catch::Contains("distances are symmetric"));
  CHECK_THROWS_WITH(tiny_model("[relations.A.B]\ndistance = 0.0\n"), Catch::Contains("distance"));
  CHECK_NOTHROW(tiny_model("[relations.A.B]\ndistance = 2.0\n[relations.B.A]\ndistance = 2.0\n"));
}

TEST_CASE("a relation's channel opens at `opened` and builds up over `opening` years (eq. 14)", "[model][gravity][opening]") {
  // A-B opens at 2000.25 with tau = 0.5 on trade: g is 0 before and at the opening instant,
  // 1 - exp(-0.25 / 0.5) a quarter later, 1 - exp(-1) after tau; A-C (no opening year) and
  // culture (no opening time) stay exactly 1. Symmetric: given on one side, B-A opens too.
  const Model m = tiny_model(R"(
[overrides]
"levers.trade.opening" = 0.5
[relations.A.B]
opened = 2000.25
)");
  REQUIRE(m.has_gravity());
  CHECK(m.gravity(0, 1, 0, 1) == 0.0);
  CHECK(m.gravity(1, 1, 0, 1) == 0.0);
  CHECK(m.gravity(2, 1, 0, 1) == Approx(1 - std::exp(-0.5)));
  CHECK(m.gravity(3, 1, 1, 0) == Approx(1 - std::exp(-1.0)));
  for (int n = 0; n <= 4; ++n) {
    CHECK(m.gravity(n, 1, 0, 2) == 1.0);
    CHECK(m.gravity(n, 0, 0, 1) == 1.0);
  }
  // Effort toward B on trade has no effect before the opening: A's trade stock toward B
  // stays at 0 through the opening instant, and grows after it.
  struct Trade : Observer {
    std::vector<double> s;
    std::size_t idx = 0;
    void record(int, double, std::span<const double> v) override { s.push_back(v[idx]); }
  };
  Trade t;
  t.idx = m.layout().index(Metric::stock, 0, 1, 1);
  Simulator sim(m);
  sim.reset(1);
  sim.run(&t);
  REQUIRE(t.s.size() == 5);
  CHECK(t.s[0] == 0.0);
  CHECK(t.s[1] == 0.0);
  CHECK(t.s[2] == 0.0);  // the effort of instant 1 (g = 0) lands at instant 2
  CHECK(t.s[3] > 0.0);
  // An opening time without an opening year, or the reverse, changes nothing, bit for bit.
  const Model plain = tiny_model("");
  for (const char* extra : {"[overrides]\n\"levers.trade.opening\" = 0.5\n", "[relations.A.B]\nopened = 2000.25\n"}) {
    const Model x = tiny_model(extra);
    Trade a, b;
    a.idx = b.idx = t.idx;
    Simulator sa(plain), sb(x);
    sa.reset(1);
    sb.reset(1);
    sa.run(&a);
    sb.run(&b);
    CHECK(std::memcmp(a.s.data(), b.s.data(), a.s.size() * sizeof(double)) == 0);
  }
  // Symmetric, and in range.
  CHECK_THROWS_WITH(tiny_model("[relations.A.B]\nopened = 2000.0\n[relations.B.A]\nopened = 2000.5\n"),
                    Catch::Contains("opening years are symmetric"));
  CHECK_THROWS_WITH(tiny_model("[overrides]\n\"levers.trade.opening\" = -1.0\n"), Catch::Contains("opening"));
}

TEST_CASE("a priced lever's reach moves with the price index to the relation's exposure (eq. 14, prices)",
          "[model][gravity][price]") {
  // The price runs log-linearly from 10 (2000) to 40 (2001): q(t)/q_0 is 2^(4 (t - 2000)),
  // 2 at mid-year. Trade is priced (pi = 1) and A-B has exposure 0.5 (given on one side):
  // g = (q/q_0)^0.5, 1 at the start, sqrt(2) at 2000.5, 2 at the end, for A-B and B-A alike;
  // A-C (no exposure) and culture (not priced) stay exactly 1.
  const std::string price = "price = [[2000.0, 10.0], [2001.0, 40.0]]\n";
  const std::string keys = "[overrides]\n\"levers.trade.price_exponent\" = 1.0\n[relations.A.B]\nprice_exposure = 0.5\n";
  const Model m = tiny_model(keys, price);
  REQUIRE(m.has_gravity());
  CHECK(m.gravity(0, 1, 0, 1) == 1.0);
  CHECK(m.gravity(2, 1, 0, 1) == Approx(std::sqrt(2.0)).epsilon(1e-14));
  CHECK(m.gravity(2, 1, 1, 0) == m.gravity(2, 1, 0, 1));
  CHECK(m.gravity(4, 1, 0, 1) == Approx(2.0).epsilon(1e-14));
  CHECK(m.gravity(1, 1, 0, 1) == Approx(std::pow(2.0, 0.25)).epsilon(1e-14));  // q/q_0 = 4^0.25
  for (int n = 0; n <= 4; ++n) {
    CHECK(m.gravity(n, 1, 0, 2) == 1.0);
    CHECK(m.gravity(n, 0, 0, 1) == 1.0);
  }
  // With a reference price the factor is 1 there: q_0 = 20 is reached at 2000.5.
  const Model ref = tiny_model(keys, price + "price_reference = 20.0\n");
  CHECK(ref.gravity(2, 1, 0, 1) == Approx(1.0).epsilon(1e-14));
  CHECK(ref.gravity(0, 1, 0, 1) == Approx(std::sqrt(0.5)).epsilon(1e-14));
  CHECK(ref.gravity(4, 1, 0, 1) == Approx(std::sqrt(2.0)).epsilon(1e-14));
  // A price before the first point is the first value, after the last the last: a series
  // starting later than the run is flat until it starts (q_0 is its first value).
  const Model late = tiny_model(keys, "price = [[2000.5, 10.0], [2001.0, 40.0]]\n");
  CHECK(late.gravity(2, 1, 0, 1) == 1.0);
  CHECK(late.gravity(4, 1, 0, 1) == Approx(2.0).epsilon(1e-14));
  // A price without exposure, or an exposure without a price, or a priced lever without
  // either, changes nothing, bit for bit.
  struct Trade : Observer {
    std::vector<double> s;
    std::size_t idx = 0;
    void record(int, double, std::span<const double> v) override { s.push_back(v[idx]); }
  };
  const auto stocks = [&](const Model& x) {
    Trade t;
    t.idx = x.layout().index(Metric::stock, 0, 1, 1);
    Simulator sim(x);
    sim.reset(1);
    sim.run(&t);
    return t.s;
  };
  const std::vector<double> plain = stocks(tiny_model(""));
  const std::pair<std::string, std::string> unchanged[] = {
      {price, ""}, {"", keys}, {price, "[relations.A.B]\nprice_exposure = 0.5\n"}};
  for (const auto& [p, extra] : unchanged) {
    const std::vector<double> s = stocks(tiny_model(extra, p));
    REQUIRE(s.size() == plain.size());
    CHECK(std::memcmp(s.data(), plain.data(), s.size() * sizeof(double)) == 0);
  }
  // With price and exposure the stock differs (the effort of instant 0 is the same, g = 1).
  const std::vector<double> moved = stocks(m);
  CHECK(moved[1] == plain[1]);
  CHECK(moved[3] != plain[3]);
  // Exposures are symmetric; price points must be positive with increasing times.
  CHECK_THROWS_WITH(tiny_model("[relations.A.B]\nprice_exposure = 0.5\n[relations.B.A]\nprice_exposure = 0.4\n", price),
                    Catch::Contains("price exposures are symmetric"));
  CHECK_THROWS_WITH(tiny_model(keys, "price = [[2001.0, 10.0], [2000.0, 40.0]]\n"), Catch::Contains("the times must increase"));
  CHECK_THROWS_WITH(tiny_model(keys, "price = [[2000.0, 0.0]]\n"), Catch::Contains("(0, 1e12]"));
  // validate() makes the same checks on a Scenario built in code.
  Scenario sc = sptest::tiny();
  sc.info.price = {{2000.0, 10.0}, {2000.0, 20.0}};
  CHECK_THROWS_WITH(validate(sc), Catch::Contains("the times must increase"));
}

TEST_CASE("a capability given as data is log-linear between its points and flat outside (eq. 1)", "[model][path]") {
  // B's economy: 2 at 2000.25, 8 at 2000.75 -> 4 at 2000.5 (the geometric mean), 2 before,
  // 8 after. A keeps its exponential (here constant) economy.
  const Model m = tiny_model(R"(
[overrides]
"actors.B.path" = { economy = [[2000.25, 2.0], [2000.75, 8.0]] }
)");
  CHECK(m.capability(0, 1, 0) == 2.0);
  CHECK(m.capability(1, 1, 0) == 2.0);
  CHECK(m.capability(2, 1, 0) == Approx(4.0).epsilon(1e-12));
  CHECK(m.capability(3, 1, 0) == 8.0);
  CHECK(m.capability(4, 1, 0) == 8.0);
  CHECK(m.capability(2, 0, 0) == 1.0);
  CHECK(m.capability(2, 1, 1) == 1.0);  // military keeps its own (constant) value
  CHECK_THROWS_WITH(tiny_model("[overrides]\n\"actors.B.path\" = { economy = [[2000.5, 2.0], [2000.25, 8.0]] }\n"),
                    Catch::Contains("increase"));
  CHECK_THROWS_WITH(tiny_model("[overrides]\n\"actors.B.path\" = { economy = [[2000.5, 0.0]] }\n"),
                    Catch::Contains("(0, 1e12]"));
}

TEST_CASE("flow is flow_scale times the efforts both ways, for levers with a flow_scale only", "[model][flow]") {
  // docs/model.md, Metrics: flow[i,j,k] = flow_scale_k * (e[k](i,j) + e[k](j,i)), recorded
  // at every recorded instant from the efforts chosen there; 0 for levers without the key.
  const Model plain = tiny_model("");
  const Model fl = tiny_model("[overrides]\n\"levers.trade.flow_scale\" = 2.5\n");
  struct Rec : Observer {
    std::vector<std::vector<double>> xs;
    void record(int, double, std::span<const double> v) override { xs.emplace_back(v.begin(), v.end()); }
  } a, b;
  Simulator sa(plain), sb(fl);
  sa.reset(1);
  sb.reset(1);
  sa.run(&a);
  sb.run(&b);
  const auto& L = fl.layout();
  REQUIRE(b.xs.size() == a.xs.size());
  for (const auto& x : b.xs) {
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) {
        if (i == j) continue;
        const double want = 2.5 * (x[L.index(Metric::effort, i, j, 1)] + x[L.index(Metric::effort, j, i, 1)]);
        CHECK(x[L.index(Metric::flow, i, j, 1)] == Approx(want).epsilon(1e-15));
        CHECK(x[L.index(Metric::flow, i, j, 1)] > 0);
        CHECK(x[L.index(Metric::flow, i, j, 0)] == 0.0);  // culture has no flow_scale
      }
    }
  }
  CHECK(lever_metric_on(Metric::flow, fl.scenario().levers[1]));
  CHECK(!lever_metric_on(Metric::flow, fl.scenario().levers[0]));
  // The key changes no other number: every other entry is the same, bit for bit.
  for (std::size_t s = 0; s < a.xs.size(); ++s) {
    for (std::size_t q = 0; q < L.size(); ++q) {
      if (q >= L.offset(Metric::flow) && q < L.offset(Metric::flow) + 3 * 3 * 2) continue;
      CHECK(a.xs[s][q] == b.xs[s][q]);
    }
  }
}
