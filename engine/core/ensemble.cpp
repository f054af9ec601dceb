#include "smartpower/core/ensemble.hpp"

#include <algorithm>
#include <cmath>

#pragma GCC optimize("fp-contract=off")  // explicit std::fma only: same bits on every ISA
#include <exception>
#include <memory>
#include <new>
#include <system_error>
#include <mutex>

#include "smartpower/core/error.hpp"
#include "smartpower/core/executor.hpp"
#include "smartpower/core/memory.hpp"

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

// Bytes of batch state, and of chunks in flight, that an ensemble aims to stay under.
constexpr std::size_t kEnsembleBudget = std::size_t{256} << 20;

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(SMARTPOWER_NO_CLONES)
#define SP_CLONES 1
#define SP_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), flatten))
#else
#define SP_KERNEL
#endif

// Mean and sum of squared deviations over the first W lanes (x[q * P + r]) of every entry
// q in `live` (the others stay 0). One pass on values shifted by lane 0's, eight partial
// sums (partial sum l takes lanes l, l + 8, l + 16, ...) combined in a fixed tree: the
// result depends only on the values, never on the instruction set. Returns whether every
// sum was finite, which it is when every value is (unless a sum overflows): the batch's
// finiteness check, for free.
//
// The eight partial sums are one 8-lane vector on AVX-512 and two 4-lane vectors
// elsewhere: GCC spills a 64-byte vector type to memory on AVX2 (3x slower there), and
// two 32-byte ones cost AVX-512 a fifth. The same additions in the same order either way.
#define SP_INLINE_STATS inline __attribute__((always_inline))

template <int Width>
SP_INLINE_STATS bool lane_stats_body(const double* x, std::size_t P, std::size_t W,
                                     const std::vector<std::pair<std::size_t, std::size_t>>& live, double* mean,
                                     double* m2) {
  typedef double vec __attribute__((vector_size(Width * sizeof(double))));
  constexpr int H = 8 / Width;  // vectors per set of eight partial sums
  const double inv_w = 1.0 / static_cast<double>(W);
  const std::size_t full = W / 8 * 8;
  double check = 0;  // stays finite while every shifted sum and every lane 0 is
  for (const auto& [begin, end] : live) {
    for (std::size_t q = begin; q < end; ++q) {
      const double* v = x + q * P;
      const double c = v[0];
      vec a1[H], a2[H];
      for (int h = 0; h < H; ++h) a1[h] = a2[h] = vec{};
      for (std::size_t r = 0; r < full; r += 8) {
        for (int h = 0; h < H; ++h) {
          vec a;
          __builtin_memcpy(&a, v + r + h * Width, sizeof a);
          const vec d = a - c;
          a1[h] += d;
          a2[h] += d * d;
        }
      }
      double s1[8], s2[8];
      for (int h = 0; h < H; ++h) {
        for (int l = 0; l < Width; ++l) {
          s1[h * Width + l] = a1[h][l];
          s2[h * Width + l] = a2[h][l];
        }
      }
      for (std::size_t r = full; r < W; ++r) {
        const double d = v[r] - c;
        s1[r - full] += d;
        s2[r - full] += d * d;
      }
      const double a = ((s1[0] + s1[1]) + (s1[2] + s1[3])) + ((s1[4] + s1[5]) + (s1[6] + s1[7]));
      const double b = ((s2[0] + s2[1]) + (s2[2] + s2[3])) + ((s2[4] + s2[5]) + (s2[6] + s2[7]));
      mean[q] = c + a * inv_w;
      m2[q] = std::max(0.0, b - a * a * inv_w);
      check += (c - c) + (a - a);
    }
  }
  return check == 0;
}

SP_KERNEL bool lane_stats4(const double* x, std::size_t P, std::size_t W,
                           const std::vector<std::pair<std::size_t, std::size_t>>& live, double* mean, double* m2) {
  return lane_stats_body<4>(x, P, W, live, mean, m2);
}

#ifdef SP_CLONES
__attribute__((target("arch=x86-64-v4"), flatten)) bool lane_stats8(
    const double* x, std::size_t P, std::size_t W, const std::vector<std::pair<std::size_t, std::size_t>>& live,
    double* mean, double* m2) {
  return lane_stats_body<8>(x, P, W, live, mean, m2);
}
bool lane_stats(const double* x, std::size_t P, std::size_t W,
                const std::vector<std::pair<std::size_t, std::size_t>>& live, double* mean, double* m2) {
  static const bool wide = __builtin_cpu_supports("x86-64-v4");
  return wide ? lane_stats8(x, P, W, live, mean, m2) : lane_stats4(x, P, W, live, mean, m2);
}
#else
bool lane_stats(const double* x, std::size_t P, std::size_t W,
                const std::vector<std::pair<std::size_t, std::size_t>>& live, double* mean, double* m2) {
#ifdef __AVX512F__
  return lane_stats_body<8>(x, P, W, live, mean, m2);
#else
  return lane_stats4(x, P, W, live, mean, m2);
#endif
}
#endif

// Chan et al.'s pairwise update: (na, mean, m2) absorbs a chunk's (nb, mean_b, m2_b).
SP_KERNEL void merge_stats(double na, double nb, std::size_t n, double* mean, double* m2, const double* mean_b,
                           const double* m2_b) {
  const double nt = na + nb, fb = nb / nt, fab = na * nb / nt;
  for (std::size_t q = 0; q < n; ++q) {
    const double d = mean_b[q] - mean[q];
    mean[q] += d * fb;
    m2[q] += m2_b[q] + d * d * fab;
  }
}

struct ChunkBuffers {
  std::vector<double> mean, m2;  // instants x metrics: the chunk's own mean and M2
  std::vector<double> series;    // runs x instants x series columns (only for on_series)
};

struct ChunkResult {
  int first = 0, count = 0;
  ChunkBuffers buf;
  std::exception_ptr error;
};

// Records a batch: per-instant statistics, per-run series, and the finals.
class ChunkObserver : public BatchObserver {
 public:
  ChunkObserver(std::size_t metrics, const std::vector<int>& steps, std::vector<char> wanted, int last_step, bool stats,
                bool series, const std::vector<std::size_t>& series_columns,
                const std::vector<std::size_t>& final_columns, double* finals)
      : M_(metrics),
        I_(steps.size()),
        steps_(steps),
        wanted_(std::move(wanted)),
        last_(last_step),
        stats_(stats),
        series_(series),
        scols_(series_columns),
        cols_(final_columns),
        finals_(finals) {}
  // Statistics reduce every live entry of every run: they double as the finiteness check.
  bool checks_finite() const override { return stats_; }
  bool saw_finite() const override { return finite_; }
  bool records(int step) const override { return wanted_.empty() || wanted_[static_cast<std::size_t>(step)]; }
  void begin(ChunkResult& cr) {
    cr_ = &cr;
    instant_ = 0;
  }
  void record(int step, double, const BatchSimulator& b) override {
    const std::size_t P = b.stride(), W = static_cast<std::size_t>(cr_->count);
    const double* x = b.lanes(0);
    while (instant_ < I_ && steps_[instant_] < step) ++instant_;  // past the declined instants
    if (stats_) {
      finite_ = lane_stats(x, P, W, b.live(), cr_->buf.mean.data() + instant_ * M_, cr_->buf.m2.data() + instant_ * M_);
    }
    if (series_) {
      const std::size_t C = scols_.empty() ? M_ : scols_.size();
      for (std::size_t r = 0; r < W; ++r) {
        double* row = cr_->buf.series.data() + (r * I_ + instant_) * C;
        if (scols_.empty()) {
          for (std::size_t q = 0; q < M_; ++q) row[q] = x[q * P + r];
        } else {
          for (std::size_t c = 0; c < C; ++c) row[c] = x[scols_[c] * P + r];
        }
      }
    }
    ++instant_;
    if (step == last_) {  // the last instant: keep the final columns
      const std::size_t F = cols_.size();
      for (std::size_t r = 0; r < W; ++r) {
        double* out = finals_ + (static_cast<std::size_t>(cr_->first) + r) * F;  // disjoint rows
        for (std::size_t f = 0; f < F; ++f) out[f] = x[cols_[f] * P + r];
      }
    }
  }

 private:
  std::size_t M_, I_;
  const std::vector<int>& steps_;
  std::vector<char> wanted_;  // per step: recorded (empty: every recorded instant)
  int last_;
  bool stats_, series_, finite_ = true;
  const std::vector<std::size_t>& scols_;
  const std::vector<std::size_t>& cols_;
  double* finals_;
  ChunkResult* cr_ = nullptr;
  std::size_t instant_ = 0;
};

// An exception as (kind, message), to send to other ranks, and back.
std::pair<double, std::string> classify(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const NumericalError& x) {
    return {1, x.what()};
  } catch (const Interrupted& x) {
    return {2, x.what()};
  } catch (const InputError& x) {
    return {3, x.what()};
  } catch (const std::exception& x) {
    return {4, x.what()};
  } catch (...) {
    return {4, "unknown error"};
  }
}

std::exception_ptr rebuild(double kind, const std::string& msg) {
  if (kind == 1) return std::make_exception_ptr(NumericalError(msg));
  if (kind == 2) return std::make_exception_ptr(Interrupted(msg));
  if (kind == 3) return std::make_exception_ptr(InputError(msg));
  return std::make_exception_ptr(std::runtime_error(msg));
}

}  // namespace

std::size_t EnsemblePlan::chunk_bytes() const {
  return sizeof(double) * ((stats ? 2 * instants * metrics : 0) +
                           (series ? static_cast<std::size_t>(chunk) * instants * series_columns : 0));
}

std::size_t EnsemblePlan::buffer_bytes() const {
  return sizeof(double) * ((stats ? 2 * instants * metrics : 0) +
                           (series ? static_cast<std::size_t>(std::min(chunk, runs)) * instants * series_columns : 0));
}

EnsemblePlan plan_ensemble(std::size_t M, std::size_t outcome_cols, int steps, const EnsembleOptions& opt, int ranks,
                           int rank) {
  EnsemblePlan p;
  p.runs = std::max(1, opt.runs);
  p.metrics = M;
  p.instants = recorded_steps(steps, std::max(1, opt.record_every)).size();
  p.final_columns = opt.final_columns.empty() ? outcome_cols : opt.final_columns.size();
  p.series_columns = opt.series_columns.empty() ? M : opt.series_columns.size();
  p.stats = opt.series_stats;
  p.series = static_cast<bool>(opt.on_series);
  // Runs per chunk: as asked, but no more than keeps one batch's state under 256 MiB (at
  // least 8 runs): a function of the scenario's size only, so results still do not depend
  // on threads or ranks. At N = 256 actors a run's state is 30 MB.
  const std::size_t run_bytes = std::max<std::size_t>(M, 1) * sizeof(double);
  const int cap = static_cast<int>(std::max<std::size_t>(8, kEnsembleBudget / run_bytes / 8 * 8));
  p.chunk = std::max(1, std::min(opt.chunk, cap));
  p.n_chunks = static_cast<int>((static_cast<long long>(p.runs) + p.chunk - 1) / p.chunk);
  ranks = std::max(1, ranks);
  const int own_chunks = p.n_chunks / ranks + (p.n_chunks % ranks > rank ? 1 : 0);
  p.threads = std::clamp(opt.threads, 1, std::max(1, own_chunks));
  // Chunks computed but not yet merged hold memory: bound them (at least one per thread).
  p.max_in_flight = static_cast<int>(
      std::clamp<std::size_t>(kEnsembleBudget / std::max<std::size_t>(p.chunk_bytes(), 1),
                              static_cast<std::size_t>(p.threads) + 1, 2 * static_cast<std::size_t>(p.threads) + 2));
  return p;
}

namespace {
EnsembleResult run_ensemble_planned(const Model& model, const EnsembleOptions& opt, const EnsemblePlan& plan, bool dist,
                                    const Cluster& cl) {
  const auto& L = model.layout();
  const std::size_t M = L.size();
  const std::vector<int> steps = recorded_steps(model.steps(), std::max(1, opt.record_every));
  const std::size_t I = steps.size();

  EnsembleResult res;
  res.runs = opt.runs;
  for (int n : steps) res.times.push_back(model.time_at(n));
  res.final_columns = opt.final_columns.empty() ? outcome_columns(L) : opt.final_columns;
  for (std::size_t c : res.final_columns) {
    if (c >= M) throw InputError("final column " + std::to_string(c) + " is outside the metric vector");
  }
  const std::size_t F = res.final_columns.size();
  res.finals.assign(static_cast<std::size_t>(opt.runs) * F, 0.0);
  const bool keep_series = static_cast<bool>(opt.on_series);
  for (std::size_t c : opt.series_columns) {
    if (c >= M) throw InputError("series column " + std::to_string(c) + " is outside the metric vector");
  }
  const std::size_t C = plan.series_columns;  // series columns
  if (opt.series_stats) {
    res.mean.assign(I * M, 0.0);
    res.sd.assign(I * M, 0.0);
  }
  std::vector<double> m2(opt.series_stats ? I * M : 0, 0.0);

  const int chunk = plan.chunk;
  const int n_chunks = plan.n_chunks;
  auto owner = [&](int c) { return c % cl.size; };
  const int threads = plan.threads;
  const int max_in_flight = plan.max_in_flight;

  std::mutex spare_mu;
  std::vector<ChunkBuffers> spare;  // recycled buffers: no allocation once warmed up
  auto take_spare = [&](ChunkBuffers& buf) {
    std::lock_guard<std::mutex> lk(spare_mu);
    if (!spare.empty()) {
      buf = std::move(spare.back());
      spare.pop_back();
    }
  };

  // What a thread keeps from one chunk to the next.
  struct Worker {
    // Built on the first chunk, inside the task's try: a failed allocation is that
    // chunk's error (reported in order), never an exception escaping the thread.
    std::unique_ptr<BatchSimulator> sim;
    std::unique_ptr<ChunkObserver> rec;
    std::vector<std::uint64_t> seeds;
  };
  std::vector<Worker> workers(static_cast<std::size_t>(std::max(1, threads)));
  // Finals only: record just the last instant, so the steps before it skip the
  // record-only metrics.
  const int every = opt.series_stats || keep_series ? std::max(1, opt.record_every) : std::max(1, model.steps());
  // Only the series steps asked for (series without statistics).
  std::vector<char> wanted;
  if (keep_series && !opt.series_stats && !opt.series_steps.empty()) {
    wanted.assign(static_cast<std::size_t>(model.steps()) + 1, 0);
    for (int n : opt.series_steps) {
      if (n < 0 || n > model.steps()) throw InputError("series step " + std::to_string(n) + " is outside the horizon");
      wanted[static_cast<std::size_t>(n)] = 1;
    }
  }

  // This rank's chunks, in order (all of them without mpirun).
  std::vector<int> mine;
  for (int c = 0; c < n_chunks; ++c) {
    if (owner(c) == cl.rank) mine.push_back(c);
  }
  auto compute = [&](int w, std::size_t k) {
    Worker& wk = workers[static_cast<std::size_t>(w)];
    ChunkResult cr;
    take_spare(cr.buf);
    cr.first = mine[k] * chunk;
    cr.count = std::min(chunk, opt.runs - cr.first);
    try {
      if (opt.stop && opt.stop->load()) throw Interrupted("interrupted");
      if (!wk.rec) {
        wk.rec = std::make_unique<ChunkObserver>(M, steps, wanted, model.steps(), opt.series_stats, keep_series,
                                                 opt.series_columns, res.final_columns, res.finals.data());
      }
      // As many lanes as the chunk has runs: a short last chunk (72 runs of a 200-run
      // ensemble) gets a batch of its own size instead of stepping the full chunk's lanes
      // with copies. A lane's numbers do not depend on the batch's size.
      if (!wk.sim || wk.sim->capacity() != cr.count) {
        wk.sim.reset();
        wk.sim = std::make_unique<BatchSimulator>(model, cr.count);
        wk.seeds.resize(static_cast<std::size_t>(chunk));
      }
      if (opt.series_stats) {
        cr.buf.mean.resize(I * M);
        cr.buf.m2.resize(I * M);
      }
      if (keep_series) {
        cr.buf.series.resize(static_cast<std::size_t>(cr.count) * I * C);
        if (!wanted.empty()) std::fill(cr.buf.series.begin(), cr.buf.series.end(), 0.0);  // declined rows: 0
      }
      for (int r = 0; r < cr.count; ++r) {
        const auto id = opt.run_ids.empty() ? static_cast<std::uint64_t>(cr.first + r) : opt.run_ids[cr.first + r];
        wk.seeds[r] = run_seed(opt.seed, id);
      }
      wk.sim->reset(std::span<const std::uint64_t>(wk.seeds.data(), cr.count));
      wk.rec->begin(cr);
      wk.sim->run(wk.rec.get(), every);
    } catch (const std::bad_alloc&) {
      cr.error = std::make_exception_ptr(std::runtime_error(
          "out of memory in a worker thread (a batch of " + format_count(std::min(chunk, opt.runs)) + " runs of " +
          format_count(model.n_actors()) + " actors x " + format_count(model.n_levers()) + " levers needs about " +
          format_bytes(batch_bytes(shape_of(model), std::min(chunk, opt.runs))) + "; " +
          format_bytes(available_memory().bytes) + " is available); use fewer runs, threads or actors"));
    } catch (...) {
      cr.error = std::current_exception();
    }
    return cr;
  };

  std::exception_ptr first_error;
  int merged_runs = 0;
  {
    // The executor computes this rank's chunks on up to `threads` threads (on this one when
    // there is one, or none can be had: SMARTPOWER_SINGLE_THREAD); threads the system
    // refuses are done without. Chunks are merged in order whoever computes them, so the
    // results stay the same bytes.
    OrderedTasks<ChunkResult> tasks(mine.size(), threads, static_cast<std::size_t>(max_in_flight), compute);
    // Merge chunks in order on this thread: the statistics depend on the chunk size, never
    // on which thread computed a chunk or when.
    for (int next_merge = 0; next_merge < n_chunks; ++next_merge) {
      ChunkResult cr;
      const bool mine_now = owner(next_merge) == cl.rank;
      if (mine_now) cr = tasks.next();
      if (dist) {
        // The owner tells every rank how the chunk went, then sends what it computed.
        double head[3] = {0, 0, 0};
        std::string msg;
        if (mine_now) {
          head[0] = cr.count;
          if (cr.error) {
            auto [kind, text] = classify(cr.error);
            head[1] = kind;
            msg = text;
            head[2] = static_cast<double>(msg.size());
          }
        }
        detail::broadcast_bytes(head, sizeof head, owner(next_merge));
        if (head[1] != 0) {
          msg.resize(static_cast<std::size_t>(head[2]));
          detail::broadcast_bytes(msg.data(), msg.size(), owner(next_merge));
          if (!mine_now) cr.error = rebuild(head[1], msg);
        } else {
          if (!mine_now) take_spare(cr.buf);
          cr.first = next_merge * chunk;
          cr.count = static_cast<int>(head[0]);
          const int src = owner(next_merge);
          if (opt.series_stats) {
            cr.buf.mean.resize(I * M);
            cr.buf.m2.resize(I * M);
            detail::broadcast_bytes(cr.buf.mean.data(), I * M * sizeof(double), src);
            detail::broadcast_bytes(cr.buf.m2.data(), I * M * sizeof(double), src);
          }
          detail::broadcast_bytes(res.finals.data() + static_cast<std::size_t>(cr.first) * F,
                                  static_cast<std::size_t>(cr.count) * F * sizeof(double), src);
          if (keep_series) {
            cr.buf.series.resize(static_cast<std::size_t>(cr.count) * I * C);
            detail::broadcast_bytes(cr.buf.series.data(), cr.buf.series.size() * sizeof(double), src);
          }
        }
      }
      if (cr.error) {
        first_error = cr.error;
        break;
      }
      if (opt.series_stats) {
        if (merged_runs == 0) {
          std::copy(cr.buf.mean.begin(), cr.buf.mean.end(), res.mean.begin());
          std::copy(cr.buf.m2.begin(), cr.buf.m2.end(), m2.begin());
        } else {
          merge_stats(merged_runs, cr.count, I * M, res.mean.data(), m2.data(), cr.buf.mean.data(), cr.buf.m2.data());
        }
      }
      if (opt.on_series) opt.on_series(cr.first, cr.count, cr.buf.series);
      merged_runs += cr.count;
      {
        std::lock_guard<std::mutex> lk(spare_mu);
        spare.push_back(std::move(cr.buf));
      }
      if (opt.progress) opt.progress(merged_runs, opt.runs);
    }
  }  // the executor's threads are joined here
  if (first_error) std::rethrow_exception(first_error);
  if (opt.series_stats) {
    for (std::size_t q = 0; q < I * M; ++q) res.sd[q] = opt.runs > 1 ? std::sqrt(m2[q] / (opt.runs - 1)) : 0.0;
  }
  return res;
}
}  // namespace

namespace {
// A std::bad_alloc as an error that says what ran out (exit 3, not "std::bad_alloc").
[[noreturn]] void out_of_memory(const Model& model, const EnsemblePlan& p, const char* where) {
  throw std::runtime_error("out of memory " + std::string(where) + " (" + format_count(model.n_actors()) +
                           " actors x " + format_count(model.n_levers()) + " levers, " + format_count(p.runs) +
                           " runs in batches of " + format_count(p.chunk) + " on " + std::to_string(p.threads) +
                           (p.threads == 1 ? " thread" : " threads") + "; " + format_bytes(available_memory().bytes) +
                           " is available); use fewer runs, threads or actors");
}
}  // namespace

EnsembleResult run_ensemble(const Model& model, const EnsembleOptions& opt) {
  if (opt.runs < 1) throw InputError("--runs must be at least 1");
  const auto& L = model.layout();
  const std::size_t M = L.size();
  // Several processes (mpirun): chunk c is computed on rank c mod P; every rank takes part
  // in every chunk's merge, so all of them end with the same result.
  const bool dist = detail::distribute_ensembles();
  const Cluster cl = dist ? cluster() : Cluster{};
  const EnsemblePlan plan = plan_ensemble(M, L.offset(Metric::stock), model.steps(), opt, cl.size, cl.rank);
  // Refused up front (exit 2) if it would not fit, before anything is allocated.
  require_memory(estimate_ensemble(shape_of(model), opt));
  try {
    return run_ensemble_planned(model, opt, plan, dist, cl);
  } catch (const std::bad_alloc&) {
    out_of_memory(model, plan, "while running the ensemble");
  }
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
