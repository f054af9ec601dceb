// Property test of the command line (issue 13, "never lose a user's file"): random
// command lines on random small scenarios. Each command runs in its own scratch folder
// that also holds the user's files (notes, data, a sub-folder, a folder next to --out).
// Whatever the command, its options and its inputs:
//   - the exit code is 0, 1, 2 or 130 (never 3 on these small scenarios, never a crash);
//   - exit 2 comes with a message on stderr, and no message says "internal error";
//   - every file the user had is still there, byte for byte (outside the --out target
//     and, since smartpower never replaces a file it did not write, inside it too);
//   - exit 2 creates nothing (at most the empty --out folder);
//   - other exits create files only at the --out target (and the folder's manifest).
// The seed is fixed, so a failure replays; SMARTPOWER_PROPERTY_SEED and
// SMARTPOWER_PROPERTY_CASES change it and the number of command lines.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "helpers.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/analysis/sweep.hpp"

namespace fs = std::filesystem;

namespace {

// A fixed, fully specified stream (std::uniform_int_distribution differs between
// standard libraries; this does not).
struct Rng {
  std::mt19937_64 g;
  explicit Rng(std::uint64_t seed) : g(seed) {}
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(g() % n); }
  bool chance(double p) { return static_cast<double>(g() >> 11) * 0x1.0p-53 < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }
};

std::string num(double v) {
  std::ostringstream ss;
  ss.precision(6);
  ss << std::showpoint << v;
  return ss.str();
}

struct Scenario {
  std::string text;  // the file the command is given
  std::string base;  // non-empty: the file it extends (base.toml)
  std::vector<std::string> actors;
  double start = 2000, end = 2002;
  bool has_lens = false, has_calibration = false;
};

const char* kLevers[][3] = {{"culture", "soft", ""}, {"trade", "hard", "economy"}, {"arms", "hard", "military"}};

// A small scenario: 2-4 actors, 1-3 levers, a horizon of 1-4 years; sometimes one
// defect, an extends chain, a lens or a [calibration] section.
Scenario random_scenario(Rng& r) {
  Scenario s;
  const int n_actors = 2 + static_cast<int>(r.below(3));
  const int n_levers = 1 + static_cast<int>(r.below(3));
  s.end = s.start + 1 + static_cast<double>(r.below(4));
  const double dt = r.pick(std::vector<double>{0.25, 0.5, 1.0});
  const int defect = r.chance(0.3) ? 1 + static_cast<int>(r.below(10)) : 0;
  std::ostringstream t;
  if (defect == 1) {
    t << "[scenario\nname = \"broken\"\n";  // TOML syntax
  }
  t << "[scenario]\nname = \"property\"\nstart = " << num(s.start)
    << "\nend = " << num(defect == 2 ? s.start - 1 : s.end) << "\ndt = " << num(defect == 3 ? 0.0 : dt)
    << "\nseed = " << r.below(1000)
    << "\n\n[model]\nrho = " << num(defect == 4 ? 7.0 : 0.2 + 0.1 * static_cast<double>(r.below(6)))
    << "\nalpha = 0.5\n"
    << (defect == 5 ? "rhoo = 0.5\n" : "") << "\n";
  for (int k = 0; k < n_levers; ++k) {
    t << "[[levers]]\nid = \"" << kLevers[k][0] << "\"\nkind = \"" << (defect == 6 && k == 0 ? "sofft" : kLevers[k][1])
      << "\"\n";
    if (*kLevers[k][2]) t << "capability = \"" << kLevers[k][2] << "\"\n";
    t << "decay = " << num(0.1 + 0.1 * static_cast<double>(r.below(4))) << "\nreturns = 0.5\n\n";
  }
  const char* ids[] = {"A", "B", "C", "D"};
  for (int a = 0; a < n_actors; ++a) {
    s.actors.push_back(ids[a]);
    t << "[[actors]]\nid = \"" << (defect == 7 && a == 1 ? "A" : ids[a])
      << "\"\ncapabilities = { economy = " << num(1.0 + static_cast<double>(r.below(50)))
      << ", military = " << num(0.5 + static_cast<double>(r.below(5)))
      << ", population = " << num(1.0 + static_cast<double>(r.below(20)))
      << " }\nbudget = " << num(defect == 8 && a == 0 ? -1.0 : 0.5 + 0.5 * static_cast<double>(r.below(4))) << "\n\n";
  }
  t << "[relations.A.B]\nborder = 1.0\nalignment = " << num(0.1 * static_cast<double>(r.below(9))) << "\n";
  if (defect == 9) t << "\n[relations.A.Z]\nborder = 1.0\n";
  if (r.chance(0.3)) {
    s.has_lens = true;
    t << "\n[lenses.realism]\ndescription = \"threat matters more\"\n\"model." << (defect == 10 ? "nope" : "w_threat")
      << "\" = 3.0\n";
  }
  if (r.chance(0.3)) {
    s.has_calibration = true;
    t << "\n[[calibration.parameters]]\npath = \"actors.A.budget\"\nlo = 0.5\nhi = 1.5\n"
      << "\n[[calibration.parameters]]\npath = \"model.rho\"\nlo = 0.2\nhi = 0.8\n";
  }
  s.text = t.str();
  if (r.chance(0.25)) {
    s.base = s.text;
    s.text =
        "extends = \"base.toml\"\n\n[overrides]\n\"model.rho\" = " + num(0.3 + 0.1 * static_cast<double>(r.below(3))) +
        "\n";
    if (r.chance(0.2)) s.text = "extends = \"missing-base.toml\"\n";
  }
  if (r.chance(0.03)) s.text = "";
  if (r.chance(0.03)) s.text = "# only a comment\n";
  return s;
}

std::string random_claims(Rng& r, const Scenario& s) {
  std::ostringstream t;
  const double at = s.start + static_cast<double>(r.below(static_cast<std::size_t>(s.end - s.start) + 1));
  const std::string metric =
      r.pick(std::vector<std::string>{"balance[A]", "dependence[A,B]", "balance[Q]", "volume[A,B,*]"});
  t << "[settings]\nshare = 0.5\n\n";
  if (r.chance(0.5)) t << "[variants.richer]\noverrides = { \"actors.A.budget\" = 3.0 }\n\n";
  t << "[[claims]]\nid = \"C1\"\ntext = \"A holds up\"\nsection = \"property\"\n[[claims.checks]]\nkind = \""
    << (r.chance(0.1) ? "rang" : "range") << "\"\nmetric = \"" << metric
    << "\"\nat = " << num(r.chance(0.1) ? 1900.0 : at) << "\nmin = " << num(r.chance(0.5) ? -1e9 : 1e9) << "\n";
  if (r.chance(0.3)) {
    t << "[[claims.checks]]\nkind = \"counterfactual\"\nmetric = \"balance[A]\"\nvariant = \"richer\"\nat = " << num(at)
      << "\neffect = \"raises\"\n";
  }
  return t.str();
}

// ---- running a command --------------------------------------------------------------

struct Outcome {
  int exit = -1;  // 128 + N: ended by signal N, -2: timed out
  std::string out, err;
  double seconds = 0;
};

Outcome execute(const fs::path& cwd, const fs::path& logs, const std::vector<std::string>& args, int interrupt_ms) {
  Outcome o;
  const fs::path out_file = logs / "stdout", err_file = logs / "stderr";
  const auto t0 = std::chrono::steady_clock::now();
  // SIGINT blocked across fork: until the child has the default disposition again (the
  // test framework's handler is inherited), an early interrupt stays pending.
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  ::sigprocmask(SIG_BLOCK, &block, &old);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::signal(SIGINT, SIG_DFL);
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    if (::chdir(cwd.c_str()) != 0) ::_exit(97);
    const int fo = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int fe = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int fi = ::open("/dev/null", O_RDONLY);
    if (fo < 0 || fe < 0 || fi < 0) ::_exit(98);
    ::dup2(fi, 0);
    ::dup2(fo, 1);
    ::dup2(fe, 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(99);
  }
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  int status = 0;
  bool interrupted = interrupt_ms < 0;
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!interrupted && ms >= interrupt_ms) {
      ::kill(pid, SIGINT);
      interrupted = true;
    }
    if (ms > 60'000) {  // a hang: kill it and report
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      o.exit = -2;
      o.out = sptest::read(out_file.string());
      o.err = sptest::read(err_file.string());
      return o;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // As a shell reports it: a SIGINT that lands before the handler is installed ends
  // the process by the signal, which is 130 to the user (any other signal fails).
  o.exit = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  o.out = sptest::read(out_file.string());
  o.err = sptest::read(err_file.string());
  return o;
}

// ---- snapshots ----------------------------------------------------------------------

struct Entry {
  char type = 'f';  // f file, d folder, l symlink, o other
  std::string content;
  bool operator==(const Entry& o) const { return type == o.type && content == o.content; }
};
using Snapshot = std::map<std::string, Entry>;  // path relative to the work folder

Snapshot snapshot(const fs::path& root) {
  Snapshot s;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::none, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const auto rel = fs::relative(it->path(), root).generic_string();
    Entry e;
    const auto st = it->symlink_status();
    if (fs::is_symlink(st)) {
      e.type = 'l';
      e.content = fs::read_symlink(it->path()).string();
    } else if (fs::is_directory(st)) {
      e.type = 'd';
    } else if (fs::is_regular_file(st)) {
      e.content = sptest::read(it->path().string());
    } else {
      e.type = 'o';
    }
    s[rel] = e;
  }
  return s;
}

// `p` is `target` or inside it (both relative, normalised).
bool within(const std::string& p, const std::string& target) {
  if (target.empty()) return false;
  return p == target ||
         (p.size() > target.size() && p.compare(0, target.size(), target) == 0 && p[target.size()] == '/');
}

std::string normal(const std::string& p) {
  auto n = fs::path(p).lexically_normal().generic_string();
  while (!n.empty() && n.back() == '/') n.pop_back();
  return n == "." ? "" : n;
}

// ---- one random command line --------------------------------------------------------

struct Case {
  std::vector<std::string> args;     // without the binary
  std::vector<std::string> targets;  // --out targets (relative to the work folder)
  int interrupt_ms = -1;             // >= 0: SIGINT after this many milliseconds
};

const std::string kUnicodeDir = "ünïcøde";

// User files present in every scratch folder.
void write_user_files(const fs::path& w, const Scenario& s, const std::string& claims) {
  fs::create_directories(w / "docs");
  fs::create_directories(w / "res" / "keep");
  fs::create_directories(w / kUnicodeDir);
  sptest::write(w / "notes.txt", "my notes\n");
  sptest::write(w / "data.csv", "year,value\n2000,1\n");
  sptest::write(w / "docs" / "thesis.md", "# chapter 1\n");
  sptest::write(w / "docs" / "timeseries.csv", "a user's own file with an output's name\n");
  sptest::write(w / "res" / "keep" / "figure.svg", "<svg/>\n");
  sptest::write(w / "res" / "results.csv", "user,results\n");
  sptest::write(w / "scen.toml", s.text);
  if (!s.base.empty()) sptest::write(w / "base.toml", s.base);
  sptest::write(w / (kUnicodeDir + "/scén.toml"), s.base.empty() ? s.text : s.base);
  sptest::write(w / "claims.toml", claims);
  sptest::write(w / "whatif.toml", "extends = \"scen.toml\"\n\n[overrides]\n\"actors.A.budget\" = 2.5\n");
}

Case random_case(Rng& r, const Scenario& s) {
  Case c;
  const std::vector<std::string> commands = {"run",   "validate",    "resolve", "claims", "compare",
                                             "sweep", "sensitivity", "report",  "keys",   "bench"};
  const std::string cmd = r.pick(commands);
  c.args.push_back(cmd);
  auto file = [&]() -> std::string {
    const double u = static_cast<double>(r.below(100));
    if (u < 78) return "scen.toml";
    if (u < 84) return kUnicodeDir + "/scén.toml";
    if (u < 89) return "nosuch.toml";
    if (u < 92) return "docs";
    if (u < 95) return "notes.txt";
    if (u < 98) return "";
    return "res/keep/../../scen.toml";
  };
  // An --out choice: a fresh name, a nested one (next to res/keep/), empty, a user file,
  // the scenario itself, a folder of user files, a unicode path.
  auto out_choice = [&](bool folder) -> std::string {
    std::vector<std::string> v = {folder ? "o" : "o.csv",
                                  folder ? "res/o" : "res/o.csv",
                                  "",
                                  "notes.txt",
                                  "scen.toml",
                                  "docs",
                                  "res",
                                  kUnicodeDir + (folder ? "/øut" : "/øut.csv"),
                                  "new/deep/" + std::string(folder ? "o" : "o.csv"),
                                  "res/results.csv",
                                  "claims.toml",
                                  "docs/timeseries.csv"};
    // Mostly a fresh, valid target.
    return r.chance(0.45) ? v[r.below(2)] : r.pick(v);
  };
  auto runs = [&]() -> std::string {
    return r.chance(0.8) ? std::to_string(1 + r.below(3))
                         : r.pick(std::vector<std::string>{"0", "-1", "-7", "abc", "1e3", "99999999999999", ""});
  };
  auto seed = [&]() -> std::string {
    return r.chance(0.7)
               ? std::to_string(r.below(100000))
               : r.pick(std::vector<std::string>{"18446744073709551615", "18446744073709551616",
                                                 "99999999999999999999999", "-5", "x", "9223372036854775807"});
  };
  auto maybe = [&](double p, std::initializer_list<std::string> a) {
    if (r.chance(p)) c.args.insert(c.args.end(), a);
  };
  const bool first_file = cmd != "keys" && !(cmd == "bench" && r.chance(0.5));
  if (first_file) c.args.push_back(file());
  if (cmd == "run") {
    std::string out = "out";  // the default
    if (r.chance(0.8)) {
      out = out_choice(true);
      c.args.insert(c.args.end(), {"--out", out});
    }
    c.targets.push_back(out);
    maybe(0.6, {"--runs", runs()});
    maybe(0.3, {"--series", r.pick(std::vector<std::string>{"mean", "none", "all", "bogus"})});
  } else if (cmd == "claims") {
    c.args.insert(c.args.end(), {"--claims", r.pick(std::vector<std::string>{"claims.toml", "claims.toml", "scen.toml",
                                                                             "nosuch.toml", "docs", ""})});
    maybe(0.5, {"--runs", runs()});
  } else if (cmd == "compare") {
    c.args.push_back(r.pick(std::vector<std::string>{"whatif.toml", "whatif.toml", "scen.toml", "nosuch.toml"}));
    maybe(0.5, {"--runs", runs()});
    maybe(0.2, {"--actor", r.pick(std::vector<std::string>{"A", "B", "Q", ""})});
    if (r.chance(0.6)) {
      const auto out = out_choice(true);
      c.args.insert(c.args.end(), {"--out", out});
      c.targets.push_back(out);
    }
  } else if (cmd == "sweep") {
    const std::vector<std::string> sets = {
        "model.rho=0.2:0.6:0.2",  "actors.A.budget=0.5:1.5:0.5", "model.alpha=0.4:0.6", "model.rho=0.5",
        "actors.A.budgett=1:2:1", "model.rho=0.6:0.2:0.1",       "model.rho=0.1:0.9:0", "=1:2:1",
        "model.rho=a:b",          "model.rho=0:1:1e-300",        "scenario.name=1:2:1", ""};
    const int n = 1 + static_cast<int>(r.below(2));
    for (int i = 0; i < n; ++i) c.args.insert(c.args.end(), {"--set", r.chance(0.6) ? sets[r.below(3)] : r.pick(sets)});
    maybe(0.3, {"--lhs", r.pick(std::vector<std::string>{"3", "5", "0", "-2", "2000000"})});
    maybe(0.4, {"--runs", runs()});
    if (r.chance(0.7)) {
      const auto out = out_choice(false);
      c.args.insert(c.args.end(), {"--out", out});
      c.targets.push_back(out);
      c.targets.push_back(out + ".checkpoint");
    }
    if (r.chance(0.1)) {
      const auto ck = r.pick(std::vector<std::string>{"ck.txt", "notes.txt", "scen.toml", "docs"});
      c.args.insert(c.args.end(), {"--checkpoint", ck});
      c.targets.push_back(ck);
    }
    maybe(0.05, {"--resume"});
  } else if (cmd == "sensitivity") {
    maybe(0.6, {"--trajectories", r.pick(std::vector<std::string>{"2", "3", "0", "-1"})});
    maybe(0.3, {"--levels", r.pick(std::vector<std::string>{"4", "3", "2", "1001"})});
    maybe(0.3, {"--runs", runs()});
    if (r.chance(0.5)) {
      const auto out = out_choice(false);
      c.args.insert(c.args.end(), {"--out", out});
      c.targets.push_back(out);
    }
    if (!std::count(c.args.begin(), c.args.end(), "--trajectories"))
      c.args.insert(c.args.end(), {"--trajectories", "2"});
  } else if (cmd == "report") {
    std::string out = "report.html";
    if (r.chance(0.7)) {
      out = r.chance(0.5) ? r.pick(std::vector<std::string>{"r.html", "res/r.html"}) : out_choice(false);
      c.args.insert(c.args.end(), {"--out", out});
    }
    c.targets.push_back(out);
    maybe(0.2, {"--compare", r.pick(std::vector<std::string>{"whatif.toml", "nosuch.toml"})});
    maybe(0.3, {"--runs", runs()});
    if (r.chance(0.2)) {
      const auto data = out_choice(true);
      c.args.insert(c.args.end(), {"--data", data});
      c.targets.push_back(data);
    }
  } else if (cmd == "bench") {
    c.args.insert(c.args.end(), {"--actors", r.chance(0.9) ? std::to_string(2 + r.below(3)) : "1", "--levers",
                                 std::to_string(1 + r.below(2)), "--steps", r.chance(0.9) ? "4" : "0", "--repeat", "1",
                                 "--threads", "1", "--runs", r.chance(0.9) ? std::to_string(1 + r.below(3)) : "-3"});
    if (r.chance(0.3)) {
      const auto emit = out_choice(false);
      c.args.insert(c.args.end(), {"--emit-scenario", emit});
      c.targets.push_back(emit);
    }
  } else if (cmd == "resolve" || cmd == "validate") {
    // no outputs
  }
  if (cmd != "keys" && cmd != "validate" && cmd != "bench" && cmd != "resolve") {
    maybe(0.3, {"--seed", seed()});
    maybe(0.5, {"--threads", r.chance(0.9) ? "1" : "0"});
    maybe(0.7, {"--quiet"});
  }
  if (cmd != "keys" && cmd != "validate" && cmd != "bench" && r.chance(s.has_lens ? 0.3 : 0.05)) {
    c.args.insert(c.args.end(), {"--lens", r.pick(std::vector<std::string>{"realism", "realism", "idealism", ""})});
  }
  if (r.chance(0.03)) c.args.push_back("--no-such-option");
  if (r.chance(0.02)) c.args.push_back("extra-positional");
  if (r.chance(0.06)) c.interrupt_ms = static_cast<int>(r.below(80));
  for (auto& t : c.targets) t = normal(t);
  return c;
}

std::string show(const std::vector<std::string>& args) {
  std::string s = "smartpower";
  for (const auto& a : args) s += " '" + a + "'";
  return s;
}

}  // namespace

TEST_CASE("random command lines never lose a user's file and end with a documented exit code", "[cli][property]") {
  std::uint64_t seed = 20240613;
  int cases = 200;
  if (const char* e = std::getenv("SMARTPOWER_PROPERTY_SEED")) seed = std::stoull(e);
  if (const char* e = std::getenv("SMARTPOWER_PROPERTY_CASES")) cases = std::stoi(e);
  Rng r(seed);
  const fs::path root = sptest::temp_dir("property");
  std::map<int, int> exits;
  std::map<std::string, int> per_command;
  std::vector<std::string> failures;
  double slowest = 0;
  std::string slowest_cmd;
  for (int i = 0; i < cases; ++i) {
    const Scenario s = random_scenario(r);
    const std::string claims = random_claims(r, s);
    const Case c = random_case(r, s);
    const fs::path scratch = root / std::to_string(i), work = scratch / "work";
    fs::create_directories(work);
    write_user_files(work, s, claims);
    const Snapshot before = snapshot(work);
    std::vector<std::string> argv = {sptest::bin()};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const Outcome o = execute(work, scratch, argv, c.interrupt_ms);
    const Snapshot after = snapshot(work);
    ++exits[o.exit];
    ++per_command[c.args[0]];
    if (o.seconds > slowest) {
      slowest = o.seconds;
      slowest_cmd = show(c.args);
    }
    std::vector<std::string> why;
    if (o.exit != 0 && o.exit != 1 && o.exit != 2 && o.exit != 130) why.push_back("exit " + std::to_string(o.exit));
    if (o.exit == 2 && o.err.find_first_not_of(" \n") == std::string::npos) why.push_back("exit 2 without a message");
    if (o.err.find("internal error") != std::string::npos) why.push_back("'internal error' on stderr");
    auto in_target = [&](const std::string& p) {
      for (const auto& t : c.targets) {
        if (within(p, t)) return true;
      }
      return false;
    };
    for (const auto& [path, entry] : before) {
      const auto it = after.find(path);
      const std::string where = in_target(path) ? " (inside the --out target)" : "";
      if (it == after.end()) {
        why.push_back("user's " + path + " is gone" + where);
      } else if (!(it->second == entry)) {
        why.push_back("user's " + path + " changed" + where);
      }
    }
    for (const auto& [path, entry] : after) {
      if (before.count(path)) continue;
      if (o.exit == 2) {
        // At most the empty --out folder (and the folders leading to it).
        bool leads_to_target = false;
        for (const auto& t : c.targets) leads_to_target |= within(t, path);
        if (!(entry.type == 'd' && leads_to_target)) why.push_back("exit 2 but created " + path);
      } else if (!in_target(path)) {
        const auto name = fs::path(path).filename().string();
        bool next_to_target = false;  // the folder's manifest of what smartpower wrote
        for (const auto& t : c.targets) next_to_target |= fs::path(path).parent_path() == fs::path(t).parent_path();
        bool leads_to_target = false;
        for (const auto& t : c.targets) leads_to_target |= within(t, path);
        const bool ok = (entry.type == 'd' && leads_to_target) ||
                        (next_to_target && (name == ".smartpower-manifest.json" || o.exit == 130));
        if (!ok) why.push_back("exit " + std::to_string(o.exit) + " created " + path + " outside the --out target");
      }
    }
    if (!why.empty()) {
      std::string msg = "case " + std::to_string(i) + ": " + show(c.args) +
                        (c.interrupt_ms >= 0 ? " (SIGINT after " + std::to_string(c.interrupt_ms) + " ms)" : "") +
                        "\n  exit " + std::to_string(o.exit) + "; stderr: " + o.err.substr(0, 400);
      for (const auto& w : why) msg += "\n  - " + w;
      msg += "\n  scenario:\n" + s.text;
      failures.push_back(msg);
    } else {
      fs::remove_all(scratch);
    }
  }
  std::ostringstream summary;
  summary << cases << " command lines (seed " << seed << "); exits:";
  for (const auto& [e, n] : exits) summary << " " << e << " x" << n;
  summary << "; commands:";
  for (const auto& [k, n] : per_command) summary << " " << k << " " << n;
  summary << "; slowest " << slowest << " s: " << slowest_cmd;
  INFO(summary.str());
  WARN(summary.str());
  for (const auto& f : failures) FAIL_CHECK(f);
  // Every kind of ending was reached: the generator exercises both sides.
  CHECK(exits[0] > 0);
  CHECK(exits[2] > 0);
  if (failures.empty()) fs::remove_all(root);
}

// Found by the sweep fuzz target (tests/fuzz/fuzz_sweep_spec.cpp): the points were built
// in memory, points x parameters values, before anything weighed them; --lhs 1000000
// with hundreds of --set took gigabytes. The library refuses beyond 16 million values.
TEST_CASE("sweep points: the library refuses points x parameters beyond its bound before building them", "[sweep]") {
  std::vector<smartpower::SetSpec> specs;
  for (int i = 0; i < 20; ++i) specs.push_back(smartpower::parse_set_spec("p" + std::to_string(i) + "=0:1"));
  CHECK_THROWS_WITH(smartpower::lhs_points(specs, 1'000'000, 1),
                    Catch::Contains("1000000 points x 20 parameters would hold 20000000 values") &&
                        Catch::Contains("fewer --set parameters"));
  CHECK(smartpower::lhs_points(specs, 1000, 1).size() == 1000);  // well within: built
  // A grid of 2^19 points (within the 1,000,000-point limit) over 32 parameters.
  std::vector<smartpower::SetSpec> grid;
  for (int i = 0; i < 32; ++i)
    grid.push_back(smartpower::parse_set_spec("g" + std::to_string(i) + (i < 19 ? "=0:1:1" : "=0.5")));
  CHECK_THROWS_AS(smartpower::grid_points(grid), smartpower::InputError);
  grid.resize(10);
  CHECK(smartpower::grid_points(grid).size() == 1024u);  // within: built
}
