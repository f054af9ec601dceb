// `smartpower bench`: ensemble throughput of a scenario file or of a generated N-actor,
// K-lever scenario, with the machine it ran on (docs/performance.md).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "commands.hpp"
#include "smartpower/core/format.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/core/memory.hpp"
#include "smartpower/io/output.hpp"
#include "smartpower/io/scenario_gen.hpp"
#include "table.hpp"

namespace smartpower::cli {
namespace {

struct BenchArgs {
  std::string file;
  int actors = 4, levers = 8, runs = 10000, steps = -1, threads = 0, chunk = 0, repeat = 1;
  long long seed = 1;
  std::string series = "mean";
  bool json = false;
  std::string emit;  // hidden: write the generated scenario here and stop
};

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto c = line.find(':');
      return c == std::string::npos ? line : line.substr(c + 2);
    }
  }
  return "unknown";
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

std::string json_str(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

int do_bench(const Context& ctx, const BenchArgs& a) {
  if (!a.emit.empty()) {
    GeneratorOptions g;
    g.actors = a.actors;
    g.levers = a.levers;
    g.steps = a.steps > 0 ? a.steps : 120;
    g.seed = static_cast<std::uint64_t>(a.seed);
    const std::string text = generate_scenario_toml(g);
    write_atomically(a.emit, [&](std::ostream& os) { os << text; });
    std::cout << "wrote " << a.emit << " (" << text.size() << " bytes)\n";
    return 0;
  }
  Scenario sc;
  std::string label;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = a.threads > 0 ? a.threads : cores;
  if (!a.file.empty()) {
    sc = load_scenario(a.file);
    if (a.steps > 0) sc.info.end = sc.info.start + sc.info.dt * a.steps;
    label = a.file;
    require_memory(estimate_bench(shape_of(sc), a.runs, threads, a.chunk, a.series));
  } else {
    // Refused before the scenario is even generated if it would not fit.
    require_memory(estimate_bench({a.actors, a.levers, a.steps > 0 ? a.steps : 120, a.actors, a.actors}, a.runs,
                                  threads, a.chunk, a.series));
    GeneratorOptions g;
    g.actors = a.actors;
    g.levers = a.levers;
    g.steps = a.steps > 0 ? a.steps : 120;
    g.seed = static_cast<std::uint64_t>(a.seed);
    sc = generate_scenario(g);
    label = "generated";
  }
  const Model model(std::move(sc));
  const int N = model.n_actors(), K = model.n_levers(), T = model.steps();

  EnsembleOptions opt;
  opt.runs = a.runs;
  opt.seed = static_cast<std::uint64_t>(a.seed);
  opt.threads = threads;
  if (a.chunk > 0) opt.chunk = a.chunk;
  opt.series_stats = a.series == "mean";
  opt.stop = ctx.stop;
  double best = 1e300;
  for (int rep = 0; rep < std::max(1, a.repeat); ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    const EnsembleResult res = run_ensemble(model, opt);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  const double run_steps = static_cast<double>(a.runs) * T;
  const double dyad_levers = run_steps * N * (N - 1) * K;
  const double rs_per_s = run_steps / best, runs_per_s = a.runs / best;
  const double ns_update = best * 1e9 / dyad_levers, ns_update_core = ns_update * std::min(threads, cores);
  const double peak = peak_rss_mib();
  if (a.json) {
    std::cout << "{\"impl\": \"smartpower\", \"scenario\": " << json_str(label) << ", \"actors\": " << N
              << ", \"levers\": " << K << ", \"steps\": " << T << ", \"runs\": " << a.runs
              << ", \"threads\": " << threads << ", \"chunk\": " << opt.chunk << ", \"series\": " << json_str(a.series)
              << ", \"seconds\": " << best << ", \"run_steps_per_second\": " << rs_per_s
              << ", \"runs_per_second\": " << runs_per_s << ", \"ns_per_dyad_lever_update\": " << ns_update
              << ", \"core_ns_per_dyad_lever_update\": " << ns_update_core << ", \"peak_rss_mib\": " << peak
              << ", \"cores\": " << cores << ", \"cpu\": " << json_str(cpu_model()) << "}\n";
    return 0;
  }
  std::cout << "smartpower bench: " << label << ", " << N << " actors, " << K << " levers, " << T << " steps, "
            << a.runs << " runs, " << threads << (threads == 1 ? " thread" : " threads") << ", series " << a.series
            << " (best of " << std::max(1, a.repeat) << ")\n"
            << "machine: " << cores << (cores == 1 ? " core, " : " cores, ") << cpu_model() << "\n\n";
  Table t({"figure", "value"});
  t.add({"wall time", format_fixed(best, 3) + " s"});
  t.add({"run-steps per second", format_fixed(rs_per_s, 0)});
  t.add({"runs per second", format_fixed(runs_per_s, 1)});
  t.add({"ns per dyad-lever update (wall)", format_fixed(ns_update, 3)});
  t.add({"ns per dyad-lever update (per core)", format_fixed(ns_update_core, 3)});
  t.add({"peak memory", format_fixed(peak, 1) + " MiB"});
  t.print(std::cout, "  ");
  return 0;
}

void register_bench(CLI::App& app, Context& ctx) {
  // Under `mpirun -np P` every rank runs the same command and ends with the same results
  // (run_ensemble merges every chunk on every rank), so the files they write are the
  // same bytes; only rank 0 prints.
  if (built_with_mpi() && cluster().size > 1 && cluster().rank != 0) {
    if (!std::freopen("/dev/null", "w", stdout)) std::cout.setstate(std::ios::badbit);
  }
  static BenchArgs a;
  auto* cmd = app.add_subcommand(
      "bench",
      "measure ensemble throughput (run-steps/s, runs/s, ns per dyad-lever update, peak memory) on a "
      "scenario FILE or a generated N-actor, K-lever scenario");
  cmd->add_option("FILE", a.file, "scenario TOML file (default: a generated scenario, see --actors/--levers)");
  cmd->add_option("--actors,-N", a.actors, "actors of the generated scenario")
      ->check(CLI::Range(2, 4096))
      ->capture_default_str();
  cmd->add_option("--levers,-K", a.levers, "levers of the generated scenario")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--runs,-r", a.runs, "runs in the ensemble")
      ->check(CLI::Range(1, 100'000'000))
      ->capture_default_str();
  cmd->add_option("--steps", a.steps, "steps (default: the file's horizon; 120 for a generated scenario)")
      ->check(CLI::Range(1, 1'000'000));
  cmd->add_option("--threads,-t", a.threads, "worker threads (default: every core)")->check(CLI::Range(1, 1024));
  cmd->add_option("--chunk", a.chunk, "runs per batch (default: the ensemble default, 128)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--series", a.series,
                  "aggregated output: mean (per-instant mean and sd of every metric, as `run`) or none (finals only)")
      ->check(CLI::IsMember({"mean", "none"}))
      ->capture_default_str();
  cmd->add_option("--seed,-s", a.seed, "master seed (and the generator's)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--repeat", a.repeat, "timed repetitions; the best counts")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cmd->add_flag("--json", a.json, "one line of JSON instead of the table");
  // Hidden: the generated scenario as a file (memory and scaling measurements run it).
  cmd->add_option("--emit-scenario", a.emit, "write the generated scenario to this file and stop")->group("");
  cmd->callback([&ctx]() { ctx.action = [&ctx]() { return do_bench(ctx, a); }; });
}

const CommandRegistrar registrar(50, register_bench);

}  // namespace
}  // namespace smartpower::cli
