// Memory guards: the peak-memory estimate of each command against the peak RSS the
// command really reaches (a child process, measured by wait4), refusals with the figures
// before any work starts, clean errors when memory or threads run out anyway.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/core/memory.hpp"
#include "smartpower/io/scenario_gen.hpp"

using namespace smartpower;
namespace fs = std::filesystem;

namespace {

struct Child {
  int status = -1;      // exit code, or -1 if killed by a signal
  double peak_rss = 0;  // bytes
  std::string output;   // stdout and stderr
};

// Runs the CLI with `args` in a child (environment `env` added, RLIMIT_AS `as_limit`
// bytes if > 0) and measures the child's peak RSS.
Child run_child(const std::vector<std::string>& args, const std::vector<std::pair<std::string, std::string>>& env = {},
                rlim_t as_limit = 0) {
  const fs::path log = sptest::temp_dir("mem") / "out.txt";
  const pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    if (as_limit > 0) {
      rlimit rl{as_limit, as_limit};
      ::setrlimit(RLIMIT_AS, &rl);
    }
    std::FILE* f = std::fopen(log.c_str(), "w");
    if (f) {
      ::dup2(::fileno(f), 1);
      ::dup2(::fileno(f), 2);
    }
    std::vector<char*> argv;
    std::string bin = sptest::bin();
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  Child c;
  int st = 0;
  rusage ru{};
  ::wait4(pid, &st, 0, &ru);
  c.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  c.peak_rss = static_cast<double>(ru.ru_maxrss) * 1024.0;  // KiB on Linux
  c.output = sptest::read(log.string());
  fs::remove_all(log.parent_path());
  return c;
}

std::string generated(const fs::path& dir, int actors, int levers, int steps) {
  GeneratorOptions g;
  g.actors = actors;
  g.levers = levers;
  g.steps = steps;
  return sptest::write(dir / ("g" + std::to_string(actors) + ".toml"), generate_scenario_toml(g));
}

// Sets an environment variable for the scope of one test section.
struct EnvVar {
  std::string name;
  EnvVar(std::string n, const std::string& value) : name(std::move(n)) { ::setenv(name.c_str(), value.c_str(), 1); }
  ~EnvVar() { ::unsetenv(name.c_str()); }
};

}  // namespace

TEST_CASE("the peak-memory estimate is within a factor of 2 of the measured peak RSS", "[memory]") {
#ifdef SMARTPOWER_SANITIZED
  WARN("AddressSanitizer build: its shadow memory inflates RSS and needs the whole address space; measured in the normal build");
  return;
#endif
  const auto dir = sptest::temp_dir("memfit");
  struct Case {
    std::vector<std::string> args;
    MemoryEstimate estimate;
  };
  std::vector<Case> cases;
  // bench: generated scenarios, batch state dominating (series none), statistics
  // dominating (series mean), several threads.
  for (auto [n, k, runs, threads, series] : std::vector<std::tuple<int, int, int, int, std::string>>{
           {60, 2, 32, 2, "mean"}, {120, 2, 16, 2, "none"}, {90, 4, 64, 1, "mean"}}) {
    cases.push_back({{"bench", "--actors", std::to_string(n), "--levers", std::to_string(k), "--runs",
                      std::to_string(runs), "--steps", "10", "--threads", std::to_string(threads), "--series", series},
                     estimate_bench({n, k, 10, n, n}, runs, threads, 0, series)});
  }
  // run: one run with every series (the per-run series buffer dominates), and an
  // ensemble whose summary.json holds mean, sd and quantiles of every pair.
  {
    const std::string file = generated(dir, 80, 2, 30);
    const Scenario sc = load_scenario(file);
    cases.push_back({{"run", file, "--out", (dir / "o1").string(), "-q"}, estimate_run(shape_of(sc), 1, 1, "all")});
    cases.push_back({{"run", file, "--runs", "24", "--series", "none", "--out", (dir / "o2").string(), "-q"},
                     estimate_run(shape_of(sc), 24, 1, "none")});
  }
  for (const auto& c : cases) {
    const Child r = run_child(c.args);
    INFO(c.args[0] << " " << c.args[1] << " ... estimate " << c.estimate.describe() << ", peak RSS "
                   << format_bytes(r.peak_rss) << "\n"
                   << r.output);
    REQUIRE(r.status == 0);
    // Sizes where the model, not the program, is most of the peak.
    CHECK(c.estimate.total() > 3 * process_base_bytes());
    const double ratio = c.estimate.total() / r.peak_rss;
    CHECK(ratio > 0.5);
    CHECK(ratio < 2.0);
  }
  fs::remove_all(dir);
}

TEST_CASE("every command refuses up front what would not fit, with the figures", "[memory]") {
  const std::string small = sptest::root() + "/tests/hostile/support/small.toml";
  const std::vector<std::pair<std::string, std::string>> tiny_memory{{"SMARTPOWER_MEMORY_LIMIT", "40M"}};
  const auto dir = sptest::temp_dir("memrefuse");
  struct Case {
    std::vector<std::string> args;
    std::string what;
  };
  const std::vector<Case> cases = {
      {{"run", small, "--runs", "2000000", "--out", (dir / "r").string(), "-q"}, "this run needs about"},
      {{"run", small, "--runs", "100000", "--threads", "2", "--out", (dir / "r").string(), "-q"}, "needs about"},
      {{"bench", "--actors", "300", "--levers", "4", "--runs", "1000"}, "this benchmark needs about"},
      {{"compare", small, small, "--runs", "1000000", "-q"}, "this comparison needs about"},
      {{"sweep", small, "--set", "model.rho=-0.5:0.5:0.5", "--runs", "1000000", "-q"}, "this sweep needs about"},
      {{"claims", sptest::scenario("baseline.toml"), "--claims", sptest::scenario("claims.toml"), "--runs", "1000000",
        "-q"},
       "needs about"},
  };
  for (const auto& c : cases) {
    const Child r = run_child(c.args, tiny_memory);
    INFO(c.args[0] << ": " << r.output);
    CHECK(r.status == 2);
    CHECK_THAT(r.output, Catch::Contains(c.what) && Catch::Contains("at peak") &&
                             Catch::Contains("40.0 MiB is available (SMARTPOWER_MEMORY_LIMIT)"));
  }
  // Nothing was written.
  CHECK_FALSE(fs::exists(dir / "r"));
  // Real limits: a generated 4,096 x 256 scenario needs tens of terabytes; refused
  // before it is generated (at once, whatever the machine).
  const Child huge = run_child({"bench", "--actors", "4096", "--levers", "256", "--runs", "10"});
  CHECK(huge.status == 2);
  CHECK_THAT(huge.output, Catch::Contains("GiB at peak") && Catch::Contains("4,096 actors x 256 levers") &&
                              Catch::Contains("is available ("));
  fs::remove_all(dir);
}

TEST_CASE("the memory there is: MemAvailable, limits, and SMARTPOWER_MEMORY_LIMIT", "[memory]") {
  {
    EnvVar v("SMARTPOWER_MEMORY_LIMIT", "512M");
    CHECK(available_memory().bytes == 512.0 * 1024 * 1024);
    CHECK(available_memory().source == "SMARTPOWER_MEMORY_LIMIT");
  }
  {
    EnvVar v("SMARTPOWER_MEMORY_LIMIT", "2G");
    CHECK(available_memory().bytes == 2.0 * 1024 * 1024 * 1024);
  }
  {
    EnvVar v("SMARTPOWER_MEMORY_LIMIT", "lots");
    CHECK_THROWS_AS(available_memory(), InputError);
    CHECK_THROWS_WITH(available_memory(), Catch::Contains("SMARTPOWER_MEMORY_LIMIT='lots'"));
  }
  const AvailableMemory real = available_memory();
  CHECK(real.bytes > 0);
  CHECK(real.source != "SMARTPOWER_MEMORY_LIMIT");
  CHECK(format_bytes(15.2 * 1024 * 1024 * 1024) == "15.2 GiB");
  CHECK(format_bytes(7.6 * 1024 * 1024) == "7.6 MiB");
  CHECK(format_count(2000) == "2,000");
  // The case: 2,000 actors x 2 levers, one run state of 640 MiB.
  const ModelShape s{2000, 2, 120, 0, 0};
  CHECK(run_state_bytes(s) > 600.0 * 1024 * 1024);
  const MemoryEstimate e = estimate_run(s, 10000, 2, "mean");
  {
    EnvVar v("SMARTPOWER_MEMORY_LIMIT", "16G");
    CHECK_THROWS_WITH(require_memory(e), Catch::Contains("this run needs about") &&
                                             Catch::Contains("2,000 actors x 2 levers") &&
                                             Catch::Contains("16.0 GiB is available"));
  }
}

TEST_CASE("the ensemble refuses before allocating, and the estimate follows its plan", "[memory]") {
  const Model model(sptest::tiny());
  EnsembleOptions o;
  o.runs = 100000;
  o.threads = 2;
  {
    EnvVar v("SMARTPOWER_MEMORY_LIMIT", "10M");
    CHECK_THROWS_WITH(run_ensemble(model, o), Catch::Contains("this ensemble needs about") &&
                                                  Catch::Contains("final outcomes of 100,000 runs") &&
                                                  Catch::Contains("10.0 MiB is available"));
  }
  // The plan run_ensemble follows: chunks capped by the batch budget, threads by chunks.
  const EnsemblePlan p = plan_ensemble(model.layout().size(), outcome_columns(model.layout()).size(), model.steps(), o);
  CHECK(p.chunk == 128);
  CHECK(p.n_chunks == (100000 + 127) / 128);
  CHECK(p.threads == 2);
  o.runs = 100;
  CHECK(plan_ensemble(model.layout().size(), outcome_columns(model.layout()).size(), model.steps(), o).threads == 1);
}

TEST_CASE("a thread that cannot be created: fewer threads, the same bytes; none at all: a clean error",
          "[memory][threads]") {
  const Model model(sptest::tiny());
  EnsembleOptions o;
  o.runs = 1000;
  o.chunk = 16;
  o.threads = 1;
  const EnsembleResult one = run_ensemble(model, o);
  o.threads = 4;
  {
    EnvVar v("SMARTPOWER_FAKE_THREAD_LIMIT", "2");
    const EnsembleResult fewer = run_ensemble(model, o);
    CHECK(fewer.finals == one.finals);
    CHECK(fewer.mean == one.mean);
    CHECK(fewer.sd == one.sd);
  }
  {
    EnvVar v("SMARTPOWER_FAKE_THREAD_LIMIT", "0");
    CHECK_THROWS_WITH(run_ensemble(model, o), Catch::Contains("could not start a worker thread"));
  }
  // Through the CLI: exit 3 and a message, not std::terminate (134).
  const std::string small = sptest::root() + "/tests/hostile/support/small.toml";
  const auto dir = sptest::temp_dir("threads");
  const Child r = run_child({"run", small, "--runs", "300", "--threads", "2", "--out", (dir / "o").string(), "-q"},
                            {{"SMARTPOWER_FAKE_THREAD_LIMIT", "0"}});
  CHECK(r.status == 3);
  CHECK_THAT(r.output, Catch::Contains("could not start a worker thread"));
  fs::remove_all(dir);
}

TEST_CASE("memory that runs out anyway is a clean error (exit 3), never SIGABRT", "[memory]") {
#ifdef SMARTPOWER_SANITIZED
  WARN("AddressSanitizer build: its shadow memory inflates RSS and needs the whole address space; measured in the normal build");
  return;
#endif
  // The guard is told there is plenty (SMARTPOWER_MEMORY_LIMIT) while the address space
  // is capped: the batches, built in the workers, fail to allocate.
  const Child r = run_child({"bench", "--actors", "300", "--levers", "2", "--runs", "64", "--steps", "5", "--threads",
                             "1", "--series", "none"},
                            {{"SMARTPOWER_MEMORY_LIMIT", "100G"}}, rlim_t{400} << 20);
  INFO(r.output);
  CHECK(r.status == 3);
  CHECK_THAT(r.output, Catch::Contains("out of memory"));
  CHECK_THAT(r.output, !Catch::Contains("std::bad_alloc"));
}

TEST_CASE("an extends chain is bounded in total bytes, not only per file", "[memory][limits]") {
  const auto dir = sptest::temp_dir("chain");
  const std::string pad = "# " + std::string(900, 'x') + "\n";
  sptest::write(dir / "f0.toml", sptest::tiny_scenario() + pad);
  for (int i = 1; i <= 3; ++i) {
    sptest::write(dir / ("f" + std::to_string(i) + ".toml"),
                  "extends = \"f" + std::to_string(i - 1) + ".toml\"\n" + pad);
  }
  Limits l;
  l.max_chain_bytes = 3000;  // each file is ~1 KB: f1 alone fits, the chain from f3 does not
  CHECK_NOTHROW(load_document((dir / "f1.toml").string(), l));
  CHECK_THROWS_WITH(load_document((dir / "f3.toml").string(), l),
                    Catch::Contains("the limit over the whole chain is 3000 bytes"));
  CHECK_NOTHROW(load_document((dir / "f3.toml").string()));  // the default: 32 MiB
  CHECK(Limits{}.max_chain_bytes == std::size_t{32} << 20);
  fs::remove_all(dir);
}

TEST_CASE("a sweep whose point threads cannot all start goes on with fewer, same bytes", "[memory][threads]") {
  const std::string small = sptest::root() + "/tests/hostile/support/small.toml";
  const auto dir = sptest::temp_dir("sweepthreads");
  const std::vector<std::string> args = {"sweep", small, "--set", "model.rho=-0.5:0.5:0.25", "--runs", "3", "-q"};
  auto with = [&](const std::string& out, const std::string& threads, const std::string& limit) {
    std::vector<std::string> a = args;
    a.insert(a.end(), {"--threads", threads, "--out", (dir / out).string()});
    return run_child(
        a, limit.empty() ? std::vector<std::pair<std::string, std::string>>{}
                         : std::vector<std::pair<std::string, std::string>>{{"SMARTPOWER_FAKE_THREAD_LIMIT", limit}});
  };
  REQUIRE(with("one.csv", "1", "").status == 0);
  const Child fewer = with("fewer.csv", "4", "1");
  INFO(fewer.output);
  REQUIRE(fewer.status == 0);
  CHECK(sptest::read((dir / "fewer.csv").string()) == sptest::read((dir / "one.csv").string()));
  const Child none = with("none.csv", "4", "0");
  CHECK(none.status == 3);
  CHECK_THAT(none.output, Catch::Contains("could not start a worker thread"));
  fs::remove_all(dir);
}
