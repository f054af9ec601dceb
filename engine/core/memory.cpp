#include "smartpower/core/memory.hpp"
#include "smartpower/core/simulation.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>

#include "smartpower/core/format.hpp"
#include "smartpower/core/error.hpp"

namespace smartpower {

namespace {

constexpr double kKiB = 1024.0, kMiB = kKiB * 1024, kGiB = kMiB * 1024;

double sq(double x) { return x * x; }

// A "Key:   123 kB" line of a /proc file, in bytes (or -1).
double proc_kib(const char* file, const char* key) {
  std::ifstream in(file);
  std::string line;
  const std::string k = std::string(key) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(k, 0) == 0) {
      std::istringstream ss(line.substr(k.size()));
      double v = -1;
      ss >> v;
      return v < 0 ? -1 : v * kKiB;
    }
  }
  return -1;
}

// The first line of a file as a number of bytes (-1 if absent or "max").
double file_bytes_value(const std::string& path) {
  std::ifstream in(path);
  std::string word;
  if (!(in >> word) || word == "max") return -1;
  char* end = nullptr;
  const double v = std::strtod(word.c_str(), &end);
  return end && *end == 0 && v >= 0 ? v : -1;
}

// This process's cgroup (v2) folder under /sys/fs/cgroup.
std::string cgroup_dir() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0)
      return "/sys/fs/cgroup" + (line.size() > 3 && line.substr(3) != "/" ? line.substr(3) : "");
  }
  return "/sys/fs/cgroup";
}

// 123, 512K, 512M, 2G, 1.5T, 2GiB, 2GB: bytes (binary multiples), or -1.
double parse_bytes(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return -1;
  char* end = nullptr;
  const std::string digits = text.substr(0, i);
  const double v = std::strtod(digits.c_str(), &end);
  if (!end || *end != 0 || !std::isfinite(v)) return -1;
  std::string unit = text.substr(i);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit == "B") unit.clear();
  if (unit.size() >= 2 && unit.back() == 'B') unit.pop_back();
  if (unit.size() == 2 && unit.back() == 'I') unit.pop_back();
  if (unit.empty()) return v;
  if (unit == "K") return v * kKiB;
  if (unit == "M") return v * kMiB;
  if (unit == "G") return v * kGiB;
  if (unit == "T") return v * kGiB * 1024;
  return -1;
}

// Bytes of an ordered JSON value holding `members` numbers (nlohmann::ordered_json: a
// vector of (key, value) pairs on the heap, grown by doubling) plus its own entry in the
// parent object. Measured with the run command's summary (tests/test_memory.cpp).
double json_object_bytes(int members) {
  const double capacity = members <= 1 ? 1 : std::pow(2.0, std::ceil(std::log2(members)));
  return 48 + 24 + 16 + capacity * 48 + 2 * 48;
}

struct Parts {
  std::vector<std::pair<std::string, double>> list;
  double total() const {
    double t = 0;
    for (const auto& p : list) t += p.second;
    return t;
  }
  void add(std::string what, double bytes) { list.emplace_back(std::move(what), bytes); }
};

// run_ensemble's parts: those its result keeps (finals, mean and sd) and those it frees
// on return (batches, chunk buffers, M2).
void ensemble_parts(const ModelShape& s, const EnsembleOptions& opt, const std::string& label, Parts& kept,
                    Parts& transient) {
  const double N = s.actors, NN = sq(N);
  const std::size_t M = static_cast<std::size_t>(3 * N + 9 * NN + 6 * s.levers * NN);
  const std::size_t outcomes = static_cast<std::size_t>(3 * N + 9 * NN);
  const EnsemblePlan p = plan_ensemble(M, outcomes, s.steps, opt);
  const std::string pre = label.empty() ? "" : label + ": ";
  const int capacity = std::min(p.chunk, p.runs);
  const double batch = batch_bytes(s, capacity);
  const double lanes = static_cast<double>(batch_lanes(capacity));
  transient.add(pre + format_bytes(run_state_bytes(s)) + " per run state x " + format_count(lanes) +
                    (lanes == 1 ? " lane x " : " lanes x ") + std::to_string(p.threads) +
                    (p.threads == 1 ? " thread" : " threads") + " (with workspace)",
                batch * p.threads);
  kept.add(pre + "final outcomes of " + format_count(p.runs) + (p.runs == 1 ? " run" : " runs"),
           static_cast<double>(p.runs) * static_cast<double>(p.final_columns) * 8.0);
  if (p.stats) {
    kept.add(pre + "ensemble mean and sd at " + format_count(static_cast<double>(p.instants)) + " instants",
             2.0 * static_cast<double>(p.instants) * static_cast<double>(M) * 8.0);
    transient.add(pre + "running sums", static_cast<double>(p.instants) * static_cast<double>(M) * 8.0);
  }
  if (p.stats || p.series) {
    transient.add(pre + std::to_string(p.buffers()) + (p.buffers() == 1 ? " chunk" : " chunks") + " in flight (" +
                      (p.series ? "every run's series" : "statistics") + ")",
                  static_cast<double>(p.buffers()) * static_cast<double>(p.buffer_bytes()));
  }
}

MemoryEstimate make(const std::string& what, const ModelShape& s, const std::string& hint) {
  MemoryEstimate e;
  e.what = what;
  e.shape = format_count(s.actors) + " actors x " + format_count(s.levers) + (s.levers == 1 ? " lever" : " levers") +
            ", " + format_count(s.steps) + (s.steps == 1 ? " step" : " steps");
  e.hint = hint;
  return e;
}

void add_all(MemoryEstimate& e, const Parts& p) {
  for (const auto& [w, b] : p.list) e.add(w, b);
}

// The larger of two phases that do not overlap (e.g. the ensemble's workspace, freed
// before the summary is built, and the summary).
void add_larger(MemoryEstimate& e, const Parts& a, const Parts& b) { add_all(e, a.total() >= b.total() ? a : b); }

EnsembleOptions options(int runs, int threads) {
  EnsembleOptions o;
  o.runs = std::max(1, runs);
  o.threads = std::max(1, threads);
  return o;
}

}  // namespace

ModelShape shape_of(const Model& model) { return shape_of(model.scenario()); }

ModelShape shape_of(const Scenario& sc) {
  ModelShape s;
  s.actors = sc.n_actors();
  s.levers = sc.n_levers();
  s.steps = sc.info.steps();
  s.moves = static_cast<long long>(sc.moves.size());
  s.events = static_cast<long long>(sc.events.size());
  return s;
}

double MemoryEstimate::total() const {
  double t = 0;
  for (const auto& p : parts) t += p.second;
  return t;
}

void MemoryEstimate::add(std::string part, double bytes) { parts.emplace_back(std::move(part), bytes); }

std::string MemoryEstimate::describe() const {
  const double t = total();
  std::string out = format_bytes(t) + " at peak (" + shape;
  double other = 0;
  bool first = shape.empty();
  for (const auto& [what, bytes] : parts) {
    if (bytes < 0.05 * t) {
      other += bytes;
      continue;
    }
    out += (first ? "" : "; ") + what + ": " + format_bytes(bytes);
    first = false;
  }
  if (other > 0) out += (first ? "" : "; ") + std::string("the rest: ") + format_bytes(other);
  return out + ")";
}

std::string format_bytes(double b) {
  if (!(b < 1e300)) return "more than any machine has";
  if (b < kKiB) return std::to_string(static_cast<long long>(std::llround(b))) + " bytes";
  if (b < kMiB) return format_fixed(b / kKiB, 1) + " KiB";
  if (b < kGiB) return format_fixed(b / kMiB, 1) + " MiB";
  if (b < kGiB * 100) return format_fixed(b / kGiB, 1) + " GiB";
  return format_count(std::round(b / kGiB)) + " GiB";
}

std::string format_count(double n) {
  if (!(std::abs(n) < 1e18)) return format_fixed(n, 1);
  std::string digits = std::to_string(static_cast<long long>(std::llround(std::abs(n))));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

AvailableMemory available_memory() {
  if (const char* env = std::getenv("SMARTPOWER_MEMORY_LIMIT"); env && *env) {
    const double v = parse_bytes(env);
    if (v < 0) {
      throw InputError("SMARTPOWER_MEMORY_LIMIT='" + std::string(env) +
                       "': expected a number of bytes, optionally with K, M, G or T (e.g. 2000000000, 512M, 2G)");
    }
    return {v, "SMARTPOWER_MEMORY_LIMIT"};
  }
  AvailableMemory a{std::numeric_limits<double>::infinity(), "no limit found"};
  const double own = std::max(0.0, proc_kib("/proc/self/status", "VmRSS"));
  if (const double avail = proc_kib("/proc/meminfo", "MemAvailable"); avail >= 0) a = {avail + own, "MemAvailable"};
  rlimit rl{};
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    // Address space: what is mapped already (libraries, stacks) counts against it.
    const double mapped = std::max(0.0, proc_kib("/proc/self/status", "VmSize") - own);
    const double v = static_cast<double>(rl.rlim_cur) - mapped;
    if (v < a.bytes) a = {std::max(0.0, v), "RLIMIT_AS (ulimit -v)"};
  }
  if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    const double v = static_cast<double>(rl.rlim_cur);
    if (v < a.bytes) a = {v, "RLIMIT_DATA (ulimit -d)"};
  }
  const std::string dirs[] = {cgroup_dir(), "/sys/fs/cgroup"};
  for (const auto& dir : dirs) {
    const double max = file_bytes_value(dir + "/memory.max");
    if (max < 0) continue;
    const double current = file_bytes_value(dir + "/memory.current");
    const double v = max - std::max(0.0, (current < 0 ? 0 : current) - own);
    if (v < a.bytes) a = {std::max(0.0, v), "cgroup memory.max"};
    break;
  }
  return a;
}

void require_memory(const MemoryEstimate& e) {
  // Small work always fits (and skips reading /proc: sweeps check every point).
  const char* fake = std::getenv("SMARTPOWER_MEMORY_LIMIT");
  if ((!fake || !*fake) && e.total() < 64 * kMiB) return;
  const AvailableMemory a = available_memory();
  if (e.total() <= a.bytes) return;
  throw InputError(e.what + " needs about " + e.describe() + "; " + format_bytes(a.bytes) + " is available (" +
                   a.source + ")" + (e.hint.empty() ? "" : "; " + e.hint));
}

double process_base_bytes() { return 8 * kMiB; }

double model_bytes(const ModelShape& s) {
  const double N = s.actors, NN = sq(N), K = s.levers, T1 = s.steps + 1.0;
  // Scenario: stocks (K x N x N), alignment, border, distance, opened, exposure, partner
  // biases (N x N each); Model: similarity (N x N), capabilities and budgets per step, the
  // schedule of moves (at most every move at every step) and events.
  return 8 * ((K + 7) * NN + T1 * N * 4) +
         4 * (static_cast<double>(s.moves) * T1 + static_cast<double>(s.events) + 2 * T1) + N * (512 + 8 * K);
}

double run_state_bytes(const ModelShape& s) {
  const double N = s.actors, NN = sq(N);
  return 8 * (3 * N + 9 * NN + 6 * s.levers * NN);
}

double batch_bytes(const ModelShape& s, int capacity) {
  const double N = s.actors, NN = sq(N), K = s.levers;
  const double P = static_cast<double>(batch_lanes(capacity));
  const double opts = K * std::max(N - 1, 1.0);
  const double M = 3 * N + 9 * NN + 6 * K * NN;
  return 8 * (M * P + 2 * NN * P + 5 * NN + opts * P + 3 * N * P + 11 * P + K) +  // doubles
         4 * (opts * P + 3 * N * P + P) +                                         // floats
         2 * 48 * opts +                                                          // options
         M;                                                                       // live-entry marks (construction)
}

MemoryEstimate estimate_model(const ModelShape& s) {
  MemoryEstimate e = make("this scenario", s, "it is too large for this machine: use fewer actors, levers or steps");
  e.add("program and model", process_base_bytes() + model_bytes(s));
  e.add("one run's state", run_state_bytes(s));
  return e;
}

MemoryEstimate estimate_ensemble(const ModelShape& s, const EnsembleOptions& options) {
  MemoryEstimate est;
  est.what = "this ensemble";
  est.shape = format_count(s.actors) + " actors x " + format_count(s.levers) + " levers";
  est.hint = "use fewer runs, fewer threads or a smaller scenario";
  est.add("process and model", process_base_bytes() + model_bytes(s));
  add_ensemble(est, s, options);
  return est;
}

void add_ensemble(MemoryEstimate& e, const ModelShape& s, const EnsembleOptions& opt, const std::string& label) {
  Parts kept, transient;
  ensemble_parts(s, opt, label, kept, transient);
  add_all(e, kept);
  add_all(e, transient);
}

MemoryEstimate estimate_run(const ModelShape& s, int runs, int threads, const std::string& series) {
  MemoryEstimate e = make("this run", s,
                          series == "all" ? "use --series mean or none, fewer runs or a smaller scenario"
                                          : "use fewer runs or threads, --series none, or a smaller scenario");
  e.add("program and model", process_base_bytes() + model_bytes(s));
  EnsembleOptions o = options(runs, threads);
  o.series_stats = series == "mean";
  if (series == "all") o.on_series = [](int, int, std::span<const double>) {};
  Parts kept, transient, output;
  ensemble_parts(s, o, "", kept, transient);
  add_all(e, kept);
  // summary.json: every (actor, partner) pair's eight outcomes, each a number (one run)
  // or mean, sd and three quantiles, as a JSON tree and then as text.
  const double N = s.actors, entries = N * (N - 1) * 8 + 2 * N;
  const double tree = entries * json_object_bytes(runs > 1 ? 5 : 1) + N * (N - 1) * json_object_bytes(8);
  const double text = entries * (runs > 1 ? 190 : 40) * 2;
  output.add("summary.json (tree and text)", tree + text);
  output.add("column lookups", 2 * run_state_bytes(s));
  add_larger(e, transient, output);
  return e;
}

MemoryEstimate estimate_bench(const ModelShape& s, long long runs, int threads, int chunk, const std::string& series) {
  MemoryEstimate e = make("this benchmark", s, "use fewer runs, threads, actors or levers, or --series none");
  e.add("program and model", process_base_bytes() + model_bytes(s));
  const bool huge = runs > std::numeric_limits<int>::max();
  EnsembleOptions o = options(huge ? std::numeric_limits<int>::max() : static_cast<int>(runs), threads);
  if (chunk > 0) o.chunk = chunk;
  o.series_stats = series == "mean";
  add_ensemble(e, s, o);
  return e;
}

MemoryEstimate estimate_compare(const ModelShape& b, const ModelShape& w, int runs, int threads, int subsets) {
  MemoryEstimate e = make("this comparison", w, "use fewer --runs or threads, or a smaller scenario");
  e.add("program and both models", process_base_bytes() + model_bytes(b) + model_bytes(w));
  EnsembleOptions o = options(runs, threads);
  Parts kb, tb, kw, tw;
  ensemble_parts(b, o, "base", kb, tb);
  ensemble_parts(w, o, "what-if", kw, tw);
  add_all(e, kb);
  add_all(e, kw);
  // Then one subset ensemble at a time (finals only), its column means kept.
  Parts sub;
  if (subsets > 0) {
    EnsembleOptions so = o;
    so.series_stats = false;
    Parts ks, ts;
    ensemble_parts(w, so, "attribution", ks, ts);
    sub.add("attribution ensemble", ks.total() + ts.total() + model_bytes(w));
    sub.add("column means of " + std::to_string(subsets) + " cause subsets",
            subsets * 8.0 * (3.0 * w.actors + 9.0 * sq(w.actors)));
  }
  add_larger(e, tw.total() >= tb.total() ? tw : tb, sub);
  return e;
}

MemoryEstimate estimate_sweep(const ModelShape& s, long long points, int runs, int threads, std::size_t outcomes,
                              std::size_t parameters) {
  MemoryEstimate e = make("this sweep", s, "use fewer --runs, threads or points, or a smaller scenario");
  e.add("program", process_base_bytes());
  if (outcomes == 0)
    outcomes = static_cast<std::size_t>(s.actors + 3.0 * s.actors * (s.actors - 1));  // the default columns
  const double P = static_cast<double>(std::max(1LL, points));
  e.add("the points and their rows (" + format_count(P) + " points)",
        P * (8.0 * static_cast<double>(parameters) + 24.0 + 24.0 * static_cast<double>(outcomes) + 24.0));
  // Whole points run on separate threads (each a 1-thread ensemble) when there are
  // enough of them, else one point at a time with its runs split over the threads: the
  // larger of the two.
  const int T = std::max(1, threads);
  const int across = static_cast<int>(std::min<double>(T, P));
  Parts k1, t1, kT, tT;
  EnsembleOptions one = options(runs, 1), all = options(runs, T);
  one.series_stats = all.series_stats = false;
  // A sweep keeps the outcome columns it reports (at most the default outcomes).
  ensemble_parts(s, one, "", k1, t1);
  ensemble_parts(s, all, "", kT, tT);
  const double per_point_across = k1.total() + t1.total() + model_bytes(s) + 1024.0 * s.actors;  // + document clone
  const double per_point_within = kT.total() + tT.total() + model_bytes(s) + 1024.0 * s.actors;
  if (across * per_point_across >= per_point_within) {
    e.add(std::to_string(across) + (across == 1 ? " point" : " points") + " in flight (" +
              format_bytes(run_state_bytes(s)) + " per run state, final outcomes of " + format_count(runs) +
              (runs == 1 ? " run" : " runs") + " each)",
          across * per_point_across);
  } else {
    e.add("one point at a time on " + std::to_string(T) + " threads", per_point_within);
  }
  return e;
}

MemoryEstimate estimate_claims(const ModelShape& s, int variants, int runs, int threads, std::size_t probes) {
  MemoryEstimate e = make("this claims check", s, "use fewer --runs or threads, or a smaller scenario");
  e.add("program and " + std::to_string(std::max(1, variants)) + " variant models",
        process_base_bytes() + std::max(1, variants) * model_bytes(s));
  e.add(format_count(static_cast<double>(probes)) + " probe values of " + format_count(runs) + " runs",
        static_cast<double>(runs) * 8.0 * static_cast<double>(std::max<std::size_t>(probes, 1)));
  EnsembleOptions o = options(runs, threads);
  o.series_stats = false;
  o.chunk = std::clamp((o.runs + o.threads - 1) / o.threads, 1, 64);
  o.final_columns = {0};
  o.series_columns.assign(std::max<std::size_t>(probes / std::max(1, variants), 1), 0);
  o.on_series = [](int, int, std::span<const double>) {};
  add_ensemble(e, s, o);
  return e;
}

MemoryEstimate estimate_report(const ModelShape& s, int runs, int threads, std::size_t band_columns) {
  MemoryEstimate e = make("this report", s, "use fewer --runs or threads, or a smaller scenario");
  e.add("program and model", process_base_bytes() + model_bytes(s));
  EnsembleOptions o = options(runs, threads);
  o.on_series = [](int, int, std::span<const double>) {};
  add_ensemble(e, s, o);
  e.add("per-run bands", static_cast<double>(runs) * static_cast<double>(band_columns) * (s.steps + 1.0) * 8.0);
  return e;
}

}  // namespace smartpower
