#include "smartpower/output.hpp"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

#include "smartpower/error.hpp"

namespace smartpower {
namespace fs = std::filesystem;

const char* engine_version() { return "0.1.0"; }

void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& fill) {
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
