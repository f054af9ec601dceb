#include "smartpower/ensemble.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "smartpower/error.hpp"

namespace smartpower {

std::vector<std::size_t> outcome_columns(const MetricLayout& layout) {
  std::vector<std::size_t> cols;
  const std::size_t end = layout.offset(Metric::stock);
  for (std::size_t c = 0; c < end; ++c) cols.push_back(c);
  return cols;
}

std::vector<int> recorded_steps(int steps, int every) {
  std::vector<int> out;
  for (int n = 0; n <= steps; ++n) {
    if (n % every == 0 || n == steps) out.push_back(n);
  }
  return out;
}

namespace {

// Records one run into a row-major (instants x metrics) buffer and keeps its finals.
class ChunkRecorder : public Observer {
 public:
  ChunkRecorder(std::size_t metrics, bool keep) : m_(metrics), keep_(keep) {}
  void begin(double* series_row) {
    row_ = series_row;
    instant_ = 0;
  }
  void record(int, double, std::span<const double> x) override {
    if (keep_) std::copy(x.begin(), x.end(), row_ + instant_ * m_);
    ++instant_;
  }

 private:
  std::size_t m_;
  bool keep_;
  double* row_ = nullptr;
  std::size_t instant_ = 0;
};

struct ChunkResult {
  int first = 0, count = 0;
  std::vector<double> series;  // count x instants x metrics (if needed)
  std::exception_ptr error;
};

}  // namespace

EnsembleResult run_ensemble(const Model& model, const EnsembleOptions& opt) {
  if (opt.runs < 1) throw InputError("--runs must be at least 1");
  const auto& L = model.layout();
  const std::size_t M = L.size();
  const std::vector<int> steps = recorded_steps(model.steps(), std::max(1, opt.record_every));
  const std::size_t I = steps.size();

  EnsembleResult res;
  res.runs = opt.runs;
  for (int n : steps) res.times.push_back(model.time_at(n));
  res.final_columns = opt.final_columns.empty() ? outcome_columns(L) : opt.final_columns;
  const std::size_t F = res.final_columns.size();
  res.finals.assign(static_cast<std::size_t>(opt.runs) * F, 0.0);
  const bool need_series = opt.series_stats || static_cast<bool>(opt.on_series);
  if (opt.series_stats) {
    res.mean.assign(I * M, 0.0);
    res.sd.assign(I * M, 0.0);
  }
  std::vector<double> m2(opt.series_stats ? I * M : 0, 0.0);

  const int chunk = std::max(1, opt.chunk);
  const int n_chunks = (opt.runs + chunk - 1) / chunk;
  const int threads = std::clamp(opt.threads, 1, std::max(1, n_chunks));
  const int max_in_flight = 2 * threads + 2;  // bounds memory of buffered chunks

  std::mutex mu;
  std::condition_variable cv;
  std::map<int, ChunkResult> done;  // completed chunks waiting to be merged in order
  int next_chunk = 0, next_merge = 0;
  bool abort = false;

  auto worker = [&]() {
    Simulator sim(model);
    ChunkRecorder rec(M, need_series);
    while (true) {
      int c;
      {
        std::unique_lock<std::mutex> lk(mu);
        cv.wait(lk, [&] { return abort || next_chunk >= n_chunks || next_chunk - next_merge < max_in_flight; });
        if (abort || next_chunk >= n_chunks) return;
        c = next_chunk++;
      }
      ChunkResult cr;
      cr.first = c * chunk;
      cr.count = std::min(chunk, opt.runs - cr.first);
      try {
        if (need_series) cr.series.assign(static_cast<std::size_t>(cr.count) * I * M, 0.0);
        for (int r = 0; r < cr.count; ++r) {
          if (opt.stop && opt.stop->load()) throw Interrupted("interrupted");
          const int run = cr.first + r;
          sim.reset(run_seed(opt.seed, static_cast<std::uint64_t>(run)));
          rec.begin(need_series ? cr.series.data() + static_cast<std::size_t>(r) * I * M : nullptr);
          sim.run(&rec, opt.record_every);
          const auto x = sim.metrics();
          double* out = res.finals.data() + static_cast<std::size_t>(run) * F;  // disjoint rows
          for (std::size_t f = 0; f < F; ++f) out[f] = x[res.final_columns[f]];
        }
      } catch (...) {
        cr.error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lk(mu);
        done.emplace(c, std::move(cr));
      }
      cv.notify_all();
    }
  };

  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);

  std::exception_ptr first_error;
  int merged_runs = 0;
  // Merge chunks in order on this thread (Welford/Chan updates in a fixed order).
  while (next_merge < n_chunks) {
    ChunkResult cr;
    {
      std::unique_lock<std::mutex> lk(mu);
      cv.wait(lk, [&] { return done.count(next_merge) > 0; });
      cr = std::move(done[next_merge]);
      done.erase(next_merge);
    }
    if (cr.error) {
      std::lock_guard<std::mutex> lk(mu);
      abort = true;
      first_error = cr.error;
      cv.notify_all();
      break;
    }
    if (opt.series_stats) {
      for (int r = 0; r < cr.count; ++r) {
        const double nr = static_cast<double>(merged_runs + r + 1);
        const double* row = cr.series.data() + static_cast<std::size_t>(r) * I * M;
        for (std::size_t q = 0; q < I * M; ++q) {
          const double d = row[q] - res.mean[q];
          res.mean[q] += d / nr;
          m2[q] += d * (row[q] - res.mean[q]);
        }
      }
    }
    if (opt.on_series) opt.on_series(cr.first, cr.count, cr.series);
    merged_runs += cr.count;
    {
      std::lock_guard<std::mutex> lk(mu);
      ++next_merge;
    }
    cv.notify_all();
    if (opt.progress) opt.progress(merged_runs, opt.runs);
  }
  for (auto& t : pool) t.join();
  if (first_error) std::rethrow_exception(first_error);
  if (opt.series_stats) {
    for (std::size_t q = 0; q < I * M; ++q) res.sd[q] = opt.runs > 1 ? std::sqrt(m2[q] / (opt.runs - 1)) : 0.0;
  }
  return res;
}

double quantile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double h = (static_cast<double>(v.size()) - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

Stats final_stats(const EnsembleResult& r, std::size_t col) {
  std::vector<double> v(r.runs);
  double mean = 0;
  for (int run = 0; run < r.runs; ++run) {
    v[run] = r.final_value(run, col);
    mean += (v[run] - mean) / (run + 1);
  }
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  Stats s;
  s.mean = mean;
  s.sd = r.runs > 1 ? std::sqrt(ss / (r.runs - 1)) : 0.0;
  s.q05 = quantile(v, 0.05);
  s.q50 = quantile(v, 0.50);
  s.q95 = quantile(v, 0.95);
  return s;
}

}  // namespace smartpower
