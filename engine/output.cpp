#include "smartpower/output.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

#include "smartpower/error.hpp"

namespace smartpower {
namespace fs = std::filesystem;

const char* engine_version() { return "0.1.0"; }

namespace {
// Under `mpirun -np P` every rank computes the same results; rank 0 alone writes them.
bool writes_files() { return cluster().rank == 0; }

struct NullBuffer : std::streambuf {
  int overflow(int c) override { return c; }
};
std::ostream& null_stream() {
  static NullBuffer buffer;
  static std::ostream stream(&buffer);
  return stream;
}
}  // namespace

void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& fill) {
  if (!writes_files()) {
    fill(null_stream());
    return;
  }
  const fs::path target(path);
  const fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()));
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw InputError("cannot write '" + tmp.string() + "': check that the folder exists and is writable");
      fill(out);
      out.flush();
      if (!out) throw std::runtime_error("write to '" + tmp.string() + "' failed (disk full?)");
    }
    fs::rename(tmp, target);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

const std::vector<std::string>& OutputFolder::known_outputs() {
  static const std::vector<std::string> names = {"timeseries.csv", "summary.json", "compare.json", "report.html",
                                                 "sweep.csv", "sensitivity.csv", "claims.csv"};
  return names;
}

OutputFolder::OutputFolder(std::string dir) : dir_(std::move(dir)) {
  if (!writes_files()) return;
  std::error_code ec;
  if (fs::exists(dir_, ec) && !fs::is_directory(dir_, ec)) {
    throw InputError("output folder '" + dir_ + "' exists and is not a folder");
  }
  if (fs::is_directory(dir_, ec)) {
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
      const std::string name = entry.path().filename().string();
      const auto& known = known_outputs();
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      if (name.size() > 1 && name[0] == '.' && name.find(".partial.") != std::string::npos) {
        fs::remove(entry.path(), ec);  // debris of a killed run
        continue;
      }
      throw InputError("output folder '" + dir_ + "' holds '" + name +
                       "', which smartpower did not write; choose an empty or new folder so results are not mixed");
    }
  } else {
    fs::create_directories(dir_, ec);
    if (ec) throw InputError("cannot create output folder '" + dir_ + "': " + ec.message());
  }
}

OutputFolder::~OutputFolder() {
  if (committed_) return;
  streams_.clear();
  std::error_code ec;
  for (const auto& [name, tmp] : pending_) fs::remove(tmp, ec);
}

std::string OutputFolder::path(const std::string& name) const { return (fs::path(dir_) / name).string(); }

std::ostream& OutputFolder::open(const std::string& name) {
  if (!writes_files()) return null_stream();
  const std::string tmp = (fs::path(dir_) / ("." + name + ".partial." + std::to_string(::getpid()))).string();
  auto out = std::make_unique<std::ofstream>(tmp, std::ios::binary | std::ios::trunc);
  if (!*out) throw InputError("cannot write '" + tmp + "': check that the folder is writable");
  pending_.emplace_back(name, tmp);
  streams_.push_back(std::move(out));
  return *streams_.back();
}

void OutputFolder::write(const std::string& name, const std::function<void(std::ostream&)>& fill) { fill(open(name)); }

void OutputFolder::commit() {
  if (!writes_files()) {
    committed_ = true;
    return;
  }
  for (auto& s : streams_) {
    s->flush();
    if (!*s) throw std::runtime_error("writing into '" + dir_ + "' failed (disk full?)");
    s->close();
  }
  streams_.clear();
  std::vector<std::string> written;
  for (const auto& [name, tmp] : pending_) {
    fs::rename(tmp, fs::path(dir_) / name);
    written.push_back(name);
  }
  // Earlier outputs this run did not produce would otherwise mix with this run's.
  std::error_code ec;
  for (const auto& name : known_outputs()) {
    if (std::find(written.begin(), written.end(), name) == written.end()) fs::remove(fs::path(dir_) / name, ec);
  }
  committed_ = true;
}

void refuse_input_as_output(const std::string& output_path, const std::vector<std::string>& input_paths,
                            std::string_view role) {
  struct stat out {};
  if (::stat(output_path.c_str(), &out) != 0) return;  // nothing there yet: not an input
  for (const auto& input : input_paths) {
    struct stat in {};
    if (::stat(input.c_str(), &in) != 0) continue;
    if (in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
      throw InputError(std::string(role) + " '" + output_path + "' is the input file '" + input +
                       "'; an output never replaces an input: choose another path");
    }
  }
}

static std::string gib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  return buf;
}

void check_output_budget(const Model& model, long long runs, bool per_run_series, const std::string& out_dir,
                         double max_output_bytes, double max_memory_bytes) {
  const double N = model.n_actors(), K = model.n_levers(), instants = model.steps() + 1.0;
  const double state = static_cast<double>(model.layout().size()) * 8.0;
  if (state * 4 > max_memory_bytes) {
    throw InputError("the scenario has " + std::to_string(model.n_actors()) + " actors and " + std::to_string(model.n_levers()) +
                     " levers: one run's state needs " + gib(state) + "; the limit is " + gib(max_memory_bytes / 4));
  }
  const double finals = static_cast<double>(runs) * (3 * N + 9 * N * N) * 8.0;
  if (finals > max_memory_bytes) {
    throw InputError(std::to_string(runs) + " runs would keep " + gib(finals) + " of final outcomes in memory; the limit is " +
                     gib(max_memory_bytes) + " (use fewer runs)");
  }
  if (!per_run_series) return;
  // About 40 bytes per CSV row; rows per instant: actor, dyad and dyad-lever metrics.
  const double rows = 3 * N + 9 * N * (N - 1) + 6 * K * N * (N - 1);
  const double bytes = static_cast<double>(runs) * instants * rows * 40.0;
  std::error_code ec;
  fs::path probe = fs::absolute(out_dir);
  while (!probe.empty() && !fs::exists(probe, ec)) probe = probe.parent_path();
  const auto space = fs::space(probe.empty() ? fs::path(".") : probe, ec);
  const double free_bytes = ec ? max_output_bytes : static_cast<double>(space.available);
  if (bytes > std::min(max_output_bytes, free_bytes)) {
    throw InputError("writing every run's time series would take about " + gib(bytes) + " (free disk: " + gib(free_bytes) +
                     ", limit " + gib(max_output_bytes) + "); use --series mean or --series none, or fewer runs");
  }
}

std::string hex_bits(double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(bits));
  return buf;
}

double from_hex_bits(const std::string& hex) {
  const std::uint64_t bits = std::stoull(hex, nullptr, 16);
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

std::string format_number(double v) {
  if (v == 0) return "0";  // also folds -0
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void write_series_header(std::ostream& out) { out << "run,time,metric,actor,partner,lever,value\n"; }

void write_series_rows(std::ostream& out, const Model& model, const std::string& run_label,
                       std::span<const double> times, std::span<const double> series) {
  const auto& L = model.layout();
  const Scenario& sc = model.scenario();
  const int N = model.n_actors(), K = model.n_levers();
  const std::size_t M = L.size();
  std::string line;
  for (std::size_t t = 0; t < times.size(); ++t) {
    const double* x = series.data() + t * M;
    const std::string time = format_number(times[t]);
    for (int m = 0; m < kMetricCount; ++m) {
      const auto metric = static_cast<Metric>(m);
      const MetricInfo& info = metric_info(metric);
      if (info.shape == Shape::actor) {
        for (int i = 0; i < N; ++i) {
          out << run_label << ',' << time << ',' << info.name << ',' << sc.actors[i].id << ",,,"
              << format_number(x[L.index(metric, i)]) << '\n';
        }
      } else if (info.shape == Shape::dyad) {
        for (int i = 0; i < N; ++i) {
          for (int j = 0; j < N; ++j) {
            if (i == j) continue;
            out << run_label << ',' << time << ',' << info.name << ',' << sc.actors[i].id << ',' << sc.actors[j].id
                << ",," << format_number(x[L.index(metric, i, j)]) << '\n';
          }
        }
      } else {
        const bool unit_only = metric == Metric::real || metric == Metric::volume;
        for (int k = 0; k < K; ++k) {
          if (unit_only && sc.levers[k].unit_scale <= 0) continue;
          for (int i = 0; i < N; ++i) {
            for (int j = 0; j < N; ++j) {
              if (i == j) continue;
              out << run_label << ',' << time << ',' << info.name << ',' << sc.actors[i].id << ','
                  << sc.actors[j].id << ',' << sc.levers[k].id << ',' << format_number(x[L.index(metric, i, j, k)])
                  << '\n';
            }
          }
        }
      }
    }
  }
}

namespace {
nlohmann::ordered_json stats_json(const Stats& s, int runs) {
  nlohmann::ordered_json j;
  j["mean"] = s.mean;
  if (runs > 1) {
    j["sd"] = s.sd;
    j["q05"] = s.q05;
    j["q50"] = s.q50;
    j["q95"] = s.q95;
  }
  return j;
}
}  // namespace

nlohmann::ordered_json summary_json(const Model& model, const EnsembleResult& r, const RunInfo& info) {
  const auto& L = model.layout();
  const Scenario& sc = model.scenario();
  const int N = model.n_actors();
  // Column lookup: metric index -> position among the kept final columns.
  std::vector<long> pos(L.size(), -1);
  for (std::size_t c = 0; c < r.final_columns.size(); ++c) pos[r.final_columns[c]] = static_cast<long>(c);

  nlohmann::ordered_json j;
  j["engine"] = {{"name", "smartpower"}, {"version", engine_version()}};
  j["command"] = info.command;
  j["scenario"] = {{"file", info.file}, {"name", sc.info.name}, {"lens", info.lens}};
  j["seed"] = info.seed;
  j["runs"] = info.runs;
  j["time"] = r.times.empty() ? sc.info.end : r.times.back();
  j["statistics"] = info.runs > 1 ? "mean, sd and 5/50/95 % quantiles over runs" : "single run: the value";
  auto& actors = j["actors"];
  for (int i = 0; i < N; ++i) {
    nlohmann::ordered_json a;
    a["name"] = sc.actors[i].name;
    for (Metric m : {Metric::balance, Metric::hhi}) {
      const long c = pos[L.index(m, i)];
      if (c >= 0) a[metric_info(m).name] = stats_json(final_stats(r, c), info.runs);
    }
    nlohmann::ordered_json partners;
    for (int p = 0; p < N; ++p) {
      if (p == i) continue;
      nlohmann::ordered_json d;
      for (Metric m : {Metric::dependence, Metric::soft, Metric::hard, Metric::smart, Metric::soft_share,
                       Metric::alignment, Metric::threat, Metric::affinity}) {
        const long c = pos[L.index(m, i, p)];
        if (c >= 0) d[metric_info(m).name] = stats_json(final_stats(r, c), info.runs);
      }
      partners[sc.actors[p].id] = d;
    }
    a["partners"] = partners;
    actors[sc.actors[i].id] = a;
  }
  j["resolved_scenario"] = info.resolved_toml;
  return j;
}

}  // namespace smartpower
