// The batched engine: runs stepped together give the numbers each run gives alone, for
// any batch size; generated scenarios load and run; statistics and memory stay bounded.
#include <catch2/catch.hpp>

#include <cstring>

#include "helpers.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/io/scenario_gen.hpp"

using namespace smartpower;

namespace {
bool same_bytes(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}
}  // namespace

TEST_CASE("every run of a batch equals the same seed run alone, bit for bit, for any batch size",
          "[batch][determinism]") {
  const Model m(load_scenario(sptest::scenario("baseline.toml")));
  const std::size_t M = m.layout().size();
  std::vector<std::vector<double>> alone;
  Simulator sim(m);
  for (int r = 0; r < 13; ++r) {
    sim.reset(run_seed(3, r));
    sim.run(nullptr);
    alone.emplace_back(sim.metrics().begin(), sim.metrics().end());
  }
  for (int width : {1, 5, 8, 13}) {
    INFO("batch of " << width);
    BatchSimulator batch(m, width);
    for (int first = 0; first < 13; first += width) {
      const int count = std::min(width, 13 - first);
      std::vector<std::uint64_t> seeds;
      for (int r = 0; r < count; ++r) seeds.push_back(run_seed(3, first + r));
      batch.reset(seeds);
      batch.run(nullptr);
      std::vector<double> x(M);
      for (int r = 0; r < count; ++r) {
        batch.gather(r, x);
        REQUIRE(same_bytes(x, alone[first + r]));
      }
    }
  }
}

TEST_CASE("ensemble finals do not depend on the chunk; statistics depend only on it, never on threads",
          "[batch][determinism]") {
  const Model m(load_scenario(sptest::scenario("baseline.toml")));
  auto run = [&](int chunk, int threads) {
    EnsembleOptions o;
    o.runs = 70;
    o.seed = 4;
    o.chunk = chunk;
    o.threads = threads;
    return run_ensemble(m, o);
  };
  const auto a = run(64, 1), b = run(64, 2), c = run(7, 2);
  CHECK(same_bytes(a.finals, b.finals));
  CHECK(same_bytes(a.mean, b.mean));
  CHECK(same_bytes(a.sd, b.sd));
  CHECK(same_bytes(a.finals, c.finals));
  for (std::size_t q = 0; q < a.mean.size(); q += 97) {
    REQUIRE(a.mean[q] == Approx(c.mean[q]).epsilon(1e-12).margin(1e-14));
    REQUIRE(a.sd[q] == Approx(c.sd[q]).epsilon(1e-9).margin(1e-12));
  }
}

TEST_CASE("generated scenarios of any size load, validate and run", "[batch][generator]") {
  for (auto [n, k] : {std::pair{2, 1}, {3, 2}, {4, 8}, {16, 32}}) {
    INFO(n << " actors, " << k << " levers");
    GeneratorOptions g;
    g.actors = n;
    g.levers = k;
    g.steps = 12;
    const Model m(generate_scenario(g));
    CHECK(m.n_actors() == n);
    CHECK(m.n_levers() == k);
    CHECK(m.steps() == 12);
    EnsembleOptions o;
    o.runs = 9;
    const auto r = run_ensemble(m, o);
    CHECK(r.finals.size() == 9 * r.final_columns.size());
    CHECK(generate_scenario_toml(g) == generate_scenario_toml(g));
  }
  GeneratorOptions bad;
  bad.actors = 1;
  CHECK_THROWS_AS(generate_scenario(bad), InputError);
}

TEST_CASE("bench prints the throughput figures and the machine", "[batch][cli]") {
  std::string text;
  REQUIRE(sptest::run(sptest::bin() + " bench --actors 5 --levers 3 --runs 40 --steps 8 --threads 2", &text) == 0);
  CHECK_THAT(text, Catch::Contains("run-steps per second") && Catch::Contains("runs per second") &&
                       Catch::Contains("ns per dyad-lever update") && Catch::Contains("peak memory") &&
                       Catch::Contains("cores"));
  REQUIRE(sptest::run(sptest::bin() + " bench " + sptest::scenario("baseline.toml") + " --runs 20 --json", &text) == 0);
  CHECK_THAT(text, Catch::Contains("\"run_steps_per_second\"") && Catch::Contains("\"actors\": 4"));
}
