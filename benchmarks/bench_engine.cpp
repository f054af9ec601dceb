// Google Benchmark programs of smartpower (docs/performance.md). Build with
// -DSMARTPOWER_BENCHMARKS=ON; benchmarks/run.py runs them and writes the table.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "smartpower/analysis/claims_toml.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/io/scenario_gen.hpp"
#include "smartpower/core/simulation.hpp"

using namespace smartpower;

namespace {

std::string root() {
  if (const char* r = std::getenv("SMARTPOWER_ROOT")) return r;
  return SMARTPOWER_SOURCE_DIR;
}
std::string scenario(const std::string& rel) { return root() + "/scenarios/" + rel; }

const Model& baseline() {
  static const Model m(load_scenario(scenario("baseline.toml")));
  return m;
}

const Model& generated(int n, int k) {
  static std::map<std::pair<int, int>, std::unique_ptr<Model>> cache;
  auto& slot = cache[{n, k}];
  if (!slot) {
    GeneratorOptions g;
    g.actors = n;
    g.levers = k;
    g.steps = 120;
    slot = std::make_unique<Model>(generate_scenario(g));
  }
  return *slot;
}

void set_rates(benchmark::State& state, const Model& m, double runs) {
  const double steps = runs * m.steps();
  state.counters["run_steps_per_s"] = benchmark::Counter(steps * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["runs_per_s"] = benchmark::Counter(runs * state.iterations(), benchmark::Counter::kIsRate);
  const double updates = steps * m.n_actors() * (m.n_actors() - 1) * m.n_levers();
  // Seconds per update: Google Benchmark's rate inverted ("ns per dyad-lever update").
  state.counters["dyad_lever_updates_per_s"] =
      benchmark::Counter(updates * state.iterations(), benchmark::Counter::kIsRate);
}

// One run of the flagship baseline (4 actors, 8 levers, 120 quarterly steps).
void BM_FlagshipOneRun(benchmark::State& state) {
  const Model& m = baseline();
  Simulator sim(m);
  std::uint64_t run = 0;
  for (auto _ : state) {
    sim.reset(run_seed(1, run++));
    sim.run(nullptr);
    benchmark::DoNotOptimize(sim.metrics().data());
  }
  set_rates(state, m, 1);
}
BENCHMARK(BM_FlagshipOneRun)->Unit(benchmark::kMicrosecond);

// The flagship as a 10,000-run ensemble with aggregated output (per-instant mean and sd
// of every metric, and every run's final outcomes), on 1 and 2 threads.
void BM_FlagshipEnsemble(benchmark::State& state) {
  const Model& m = baseline();
  EnsembleOptions o;
  o.runs = 10000;
  o.threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto r = run_ensemble(m, o);
    benchmark::DoNotOptimize(r.mean.data());
  }
  set_rates(state, m, o.runs);
}
BENCHMARK(BM_FlagshipEnsemble)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

// Scaling on generated scenarios: N actors x K levers, one thread, the cost per step. Every
// size steps the same batch the same way: 8 runs stepped together (one AVX-512 vector per
// entry; 240 MB of state at N = 256), 120 steps, nothing recorded but the last instant
// (the per-instant statistics of N = 256 would be 30 MB per instant), on a simulator
// allocated once, as an ensemble's worker does for all its chunks. So the fitted exponents
// measure N and K alone: not the batch width (wider batches are cheaper per lane at small
// N and dearer at large N, where the state leaves the caches), and not the one-off
// allocation of the batch (at N = 256, 240 MB of fresh pages for the kernel to zero).
void BM_Scale(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), k = static_cast<int>(state.range(1));
  const Model& m = generated(n, k);
  constexpr int kRuns = 8;
  BatchSimulator sim(m, kRuns);
  std::vector<std::uint64_t> seeds;
  for (int r = 0; r < kRuns; ++r) seeds.push_back(run_seed(1, static_cast<std::uint64_t>(r)));
  sim.reset(seeds);  // the state's first touch (the kernel's page faults) outside the timing
  for (auto _ : state) {
    sim.reset(seeds);
    sim.run(nullptr);  // no observer: every instant checked for finiteness, the last one whole
    benchmark::ClobberMemory();
  }
  set_rates(state, m, kRuns);
}
BENCHMARK(BM_Scale)
    ->ArgNames({"N", "K"})
    ->Args({4, 8})
    ->Args({16, 8})
    ->Args({64, 8})
    ->Args({256, 8})
    ->Args({16, 32})
    ->Args({64, 32})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0);

// The claims check: the baseline and every claim variant, 8 noisy runs each.
void BM_Claims(benchmark::State& state) {
  const Document doc = load_document(scenario("baseline.toml"));
  const ClaimSet set = load_claims(scenario("claims.toml"));
  ClaimOptions o;
  o.runs = 8;
  for (auto _ : state) {
    auto rep = evaluate_claims(*doc.table, set, o);
    benchmark::DoNotOptimize(rep.objective);
  }
}
BENCHMARK(BM_Claims)->Unit(benchmark::kMillisecond);

// The loader: parse, follow extends, validate, compile the baseline.
void BM_Loader(benchmark::State& state) {
  const std::string path = scenario("baseline.toml");
  for (auto _ : state) {
    Model m(load_scenario(path));
    benchmark::DoNotOptimize(m.steps());
  }
}
BENCHMARK(BM_Loader)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
