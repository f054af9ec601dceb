#include "smartpower/analysis/posterior.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <mutex>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "smartpower/analysis/abc.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/core/executor.hpp"
#include "smartpower/core/memory.hpp"
#include "smartpower/io/output.hpp"
#include "smartpower/core/simulation.hpp"

namespace smartpower {
namespace {

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(cur);
  for (auto& f : out) {
    const auto b = f.find_first_not_of(" \t"), e = f.find_last_not_of(" \t");
    f = b == std::string::npos ? "" : f.substr(b, e - b + 1);
  }
  return out;
}

[[noreturn]] void fail(const std::string& file, int line, int column, const std::string& msg) {
  throw InputError(SourcePos{file, line, column}, "posterior: " + msg);
}

}  // namespace

Posterior load_posterior(const std::string& file, const toml::table& scenario) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(SourcePos{file, 0, 0}, "posterior: cannot read '" + file + "'");
  Posterior p;
  p.file = file;
  std::string line;
  int n = 0;
  bool header = false;
  double total = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto f = split_csv(line);
    if (!header) {
      if (f.size() < 3 || f[0] != "weight" || f[1] != "distance") {
        fail(file, n, 1, "the header must be 'weight,distance,<parameter path>...' (as calibrate --method abc writes it)");
      }
      std::set<std::string> seen;
      for (std::size_t c = 2; c < f.size(); ++c) {
        if (f[c].empty()) fail(file, n, 1, "column " + std::to_string(c + 1) + " of the header has no parameter path");
        if (!seen.insert(f[c]).second) fail(file, n, 1, "parameter '" + f[c] + "' appears twice in the header");
        const toml::node* at = get_path(scenario, f[c]);
        if (!at || !(at->is_floating_point() || at->is_integer())) {
          fail(file, n, 1, "'" + f[c] + "' is not a number of the scenario" + (at ? "" : " (no such key)"));
        }
        p.paths.push_back(f[c]);
      }
      header = true;
      continue;
    }
    if (f.size() != p.paths.size() + 2) {
      fail(file, n, 1, "row has " + std::to_string(f.size()) + " fields, the header " + std::to_string(p.paths.size() + 2));
    }
    std::vector<double> v(f.size());
    for (std::size_t c = 0; c < f.size(); ++c) {
      char* end = nullptr;
      v[c] = std::strtod(f[c].c_str(), &end);
      if (f[c].empty() || *end != '\0') fail(file, n, 1, "field " + std::to_string(c + 1) + " '" + f[c] + "' is not a number");
      if (c == 0 && !(v[0] >= 0 && std::isfinite(v[0]))) {
        fail(file, n, 1, "weight " + f[0] + " is negative or not finite (weights must be finite and >= 0)");
      }
      if (c != 1 && !std::isfinite(v[c])) fail(file, n, 1, "field " + std::to_string(c + 1) + " is not finite");
    }
    total += v[0];
    p.weights.push_back(v[0]);
    p.values.insert(p.values.end(), v.begin() + 2, v.end());
  }
  if (!header) fail(file, std::max(n, 1), 1, "empty file (expected a header 'weight,distance,<parameter path>...')");
  if (p.weights.empty()) fail(file, n, 1, "no particles after the header");
  if (!(total > 0) || !std::isfinite(total)) fail(file, n, 1, "the weights sum to " + format_number(total) + ", not a positive number");
  return p;
}

int posterior_draw(const Posterior& p, std::uint64_t seed, std::uint64_t draw) {
  const std::uint64_t x = run_seed(run_seed(seed ^ 0x9057e4105eedULL, draw), 0x70a57e7);
  const double u = static_cast<double>(x >> 11) * 0x1.0p-53;
  double total = 0;
  for (double w : p.weights) total += w;
  const double target = u * total;
  double acc = 0;
  int last = 0;
  for (int k = 0; k < p.size(); ++k) {
    if (p.weights[k] <= 0) continue;
    last = k;
    acc += p.weights[k];
    if (target < acc) return k;
  }
  return last;
}

std::vector<int> posterior_particles(const Posterior& p, std::uint64_t seed, int runs, int draws) {
  std::vector<int> out(static_cast<std::size_t>(runs));
  std::map<int, int> memo;
  for (int r = 0; r < runs; ++r) {
    const int d = draws > 0 ? r % draws : r;
    auto it = memo.find(d);
    if (it == memo.end()) it = memo.emplace(d, posterior_draw(p, seed, static_cast<std::uint64_t>(d))).first;
    out[r] = it->second;
  }
  return out;
}

double posterior_quantile(const Posterior& p, std::size_t path, double q) {
  std::vector<std::pair<double, double>> vw;
  for (int k = 0; k < p.size(); ++k) {
    if (p.weights[static_cast<std::size_t>(k)] > 0) vw.emplace_back(p.value(k, path), p.weights[static_cast<std::size_t>(k)]);
  }
  if (q <= 0) return std::min_element(vw.begin(), vw.end())->first;
  return weighted_quantile(std::move(vw), q);
}

void apply_particle(toml::table& doc, const Posterior& p, int k) {
  for (std::size_t i = 0; i < p.paths.size(); ++i) {
    // load_posterior checked every column against the scenario; a what-if that removes an
    // actor (remove_actors) no longer holds that actor's columns, and has no use for them.
    if (get_path(doc, p.paths[i])) set_path(doc, p.paths[i], p.value(k, i));
  }
}

std::string uncertainty_label(const Posterior* p, int runs, int draws) {
  if (!p) return "decision noise only";
  const int n = draws > 0 ? std::min(draws, runs) : runs;
  return "decision noise and parameters (posterior " + p->file + ", " + std::to_string(n) + (n == 1 ? " draw)" : " draws)");
}

EnsembleResult run_grouped_ensemble(const std::vector<int>& particle_of_run,
                                    const std::function<std::shared_ptr<const Model>(int)>& model_of,
                                    const EnsembleOptions& opt) {
  if (opt.runs < 1) throw InputError("--runs must be at least 1");
  if (particle_of_run.size() != static_cast<std::size_t>(opt.runs)) throw std::logic_error("run_grouped_ensemble: one particle per run");
  // Groups in order of their first run.
  std::vector<int> order;
  std::map<int, std::vector<std::uint64_t>> groups;
  for (int r = 0; r < opt.runs; ++r) {
    auto& g = groups[particle_of_run[r]];
    if (g.empty()) order.push_back(particle_of_run[r]);
    g.push_back(static_cast<std::uint64_t>(r));
  }
#if defined(__GLIBC__)
  if (order.size() > 1) {
    // Many small ensembles allocate and free the same large buffers: keep them in the heap
    // rather than mmap and page-fault them in again per group (2.7x faster on the flagship).
    static const bool tuned = (mallopt(M_MMAP_THRESHOLD, 32 << 20), mallopt(M_TRIM_THRESHOLD, 256 << 20), true);
    (void)tuned;
  }
#endif
  EnsembleResult out;
  out.runs = opt.runs;
  std::vector<double> m2;
  int done = 0, merged = 0;
  // Merges group g (its runs `ids`) into `out`, in group order: the same bytes whoever ran it.
  auto merge = [&](EnsembleResult& g, const std::vector<std::uint64_t>& ids) {
    const int n = static_cast<int>(ids.size());
    const std::size_t C = g.final_columns.size();
    if (merged == 0) {
      out.times = g.times;
      out.final_columns = g.final_columns;
      out.finals.assign(static_cast<std::size_t>(opt.runs) * C, 0.0);
      out.mean = g.mean;
      m2.resize(g.sd.size());
      for (std::size_t q = 0; q < g.sd.size(); ++q) m2[q] = g.sd[q] * g.sd[q] * (n - 1);
    } else if (!g.mean.empty()) {
      const double na = merged, nb = n, nt = na + nb;
      for (std::size_t q = 0; q < g.mean.size(); ++q) {
        const double delta = g.mean[q] - out.mean[q];
        out.mean[q] += delta * nb / nt;
        m2[q] += g.sd[q] * g.sd[q] * (nb - 1) + delta * delta * na * nb / nt;
      }
    }
    merged += n;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      std::copy_n(g.finals.begin() + static_cast<std::ptrdiff_t>(i * C), C,
                  out.finals.begin() + static_cast<std::ptrdiff_t>(ids[i] * C));
    }
  };
  auto finish = [&]() {
    out.sd.resize(m2.size());
    for (std::size_t q = 0; q < m2.size(); ++q) out.sd[q] = opt.runs > 1 ? std::sqrt(m2[q] / (opt.runs - 1)) : 0.0;
    return std::move(out);
  };

  // Groups are small (a few runs each: one batch, one thread), so with several threads
  // whole groups run side by side, one thread each, and are merged in group order on this
  // thread: the same bytes as one after the other. Not with per-run series (their callback
  // is called in group order on this thread) nor across MPI ranks (each group's ensemble
  // is then spread over the ranks).
  const int T = std::min<int>(std::max(1, opt.threads), static_cast<int>(order.size()));
  if (T > 1 && !opt.on_series && cluster().size == 1) {
    std::mutex model_mu;  // model_of caches lazily: one caller at a time
    OrderedTasks<EnsembleResult> tasks(order.size(), T, 2 * static_cast<std::size_t>(T) + 2,  // bounds the results held
                                       [&](int, std::size_t i) {
                                         std::shared_ptr<const Model> model;
                                         {
                                           std::lock_guard<std::mutex> lk(model_mu);
                                           model = model_of(order[i]);
                                         }
                                         const auto& ids = groups.at(order[i]);
                                         EnsembleOptions o = opt;
                                         o.runs = static_cast<int>(ids.size());
                                         o.run_ids = ids;
                                         o.threads = 1;
                                         o.progress = nullptr;
                                         return run_ensemble(*model, o);
                                       });
    for (std::size_t i = 0; i < order.size(); ++i) {
      // Rethrows the first failing group in group order, as one after the other.
      EnsembleResult g = tasks.next();
      const auto& ids = groups.at(order[i]);
      merge(g, ids);
      done += static_cast<int>(ids.size());
      if (opt.progress) opt.progress(done, opt.runs);
    }
    return finish();
  }

  for (int k : order) {
    const auto& ids = groups[k];
    auto model = model_of(k);
    EnsembleOptions o = opt;
    o.runs = static_cast<int>(ids.size());
    o.run_ids = ids;
    if (opt.on_series) {
      o.on_series = [&](int first, int count, std::span<const double> s) {
        const std::size_t per = count > 0 ? s.size() / static_cast<std::size_t>(count) : 0;
        for (int r = 0; r < count; ++r) opt.on_series(static_cast<int>(ids[first + r]), 1, s.subspan(r * per, per));
      };
    }
    if (opt.progress) o.progress = [&, base = done](int d, int) { opt.progress(base + d, opt.runs); };
    EnsembleResult g = run_ensemble(*model, o);
    done += o.runs;
    if (order.size() == 1) {
      g.runs = opt.runs;
      return g;  // one particle: exactly run_ensemble
    }
    merge(g, ids);
  }
  return finish();
}

ValidScenario particle_scenario(const Posterior& p, toml::table& doc, int k) {
  try {
    apply_particle(doc, p, k);
    return build_scenario(doc);
  } catch (const InputError& e) {
    throw InputError(SourcePos{p.file, k + 2, 1}, "posterior: particle " + std::to_string(k + 1) +
                                                     " (this row, if the file has no blank lines) gives an invalid scenario: " +
                                                     e.message());
  }
}

namespace {

// Keeps a batch's final instant (what run_ensemble keeps without series statistics):
// out[r * F + f] is lane r's value of metric entry cols[f].
class FinalsObserver : public BatchObserver {
 public:
  FinalsObserver(int last_step, const std::vector<std::size_t>& cols, double* out)
      : last_(last_step), cols_(cols), out_(out) {}
  void record(int step, double, const BatchSimulator& b) override {
    if (step != last_) return;
    const std::size_t P = b.stride(), F = cols_.size();
    const double* x = b.lanes(0);
    for (int r = 0; r < b.runs(); ++r) {
      double* row = out_ + static_cast<std::size_t>(r) * F;
      for (std::size_t f = 0; f < F; ++f) row[f] = x[cols_[f] * P + static_cast<std::size_t>(r)];
    }
  }

 private:
  int last_;
  const std::vector<std::size_t>& cols_;
  double* out_;
};

// One side's part of a particle's task: its runs' finals (runs x columns).
struct SideFinals {
  bool done = false;
  std::vector<std::size_t> columns;
  std::vector<double> times, finals;
};

}  // namespace

std::vector<EnsembleResult> run_paired_posterior(const std::vector<int>& particle_of_run, int sides,
                                                 const std::function<void(int, int, const SideRun&)>& run,
                                                 const EnsembleOptions& opt) {
  if (opt.runs < 1) throw InputError("--runs must be at least 1");
  if (particle_of_run.size() != static_cast<std::size_t>(opt.runs)) throw std::logic_error("run_paired_posterior: one particle per run");
  if (opt.series_stats || opt.on_series) throw std::logic_error("run_paired_posterior: finals only");
  // Groups of runs by particle, in order of their first run.
  std::vector<int> order;
  std::vector<std::vector<std::uint64_t>> ids;
  {
    std::map<int, std::size_t> group_of;
    for (int r = 0; r < opt.runs; ++r) {
      auto [it, fresh] = group_of.emplace(particle_of_run[static_cast<std::size_t>(r)], order.size());
      if (fresh) {
        order.push_back(particle_of_run[static_cast<std::size_t>(r)]);
        ids.emplace_back();
      }
      ids[it->second].push_back(static_cast<std::uint64_t>(r));
    }
  }
#if defined(__GLIBC__)
  if (order.size() > 1) {
    // As run_grouped_ensemble: many particles allocate and free the same model tables and
    // batches; keep them in the heap rather than mmap and page-fault them in again.
    static const bool tuned = (mallopt(M_MMAP_THRESHOLD, 32 << 20), mallopt(M_TRIM_THRESHOLD, 256 << 20), true);
    (void)tuned;
  }
#endif
  const int T = std::clamp(opt.threads, 1, static_cast<int>(order.size()));

  // Particle i's task: every side's finals of the particle's runs, on this worker's thread.
  auto task = [&](int worker, std::size_t i) {
    const std::vector<std::uint64_t>& mine = ids[i];
    const int n = static_cast<int>(mine.size());
    std::vector<SideFinals> out(static_cast<std::size_t>(sides));
    std::vector<std::uint64_t> seeds;
    const SideRun side_run = [&](int side, const Model& model) {
      if (side < 0 || side >= sides) throw std::logic_error("run_paired_posterior: no such side");
      SideFinals& sf = out[static_cast<std::size_t>(side)];
      const auto& L = model.layout();
      const std::size_t M = L.size();
      sf.columns = opt.final_columns.empty() ? outcome_columns(L) : opt.final_columns;
      for (std::size_t c : sf.columns) {
        if (c >= M) throw InputError("final column " + std::to_string(c) + " is outside the metric vector");
      }
      EnsembleOptions o = opt;
      o.runs = n;
      const EnsemblePlan plan = plan_ensemble(M, L.offset(Metric::stock), model.steps(), o);
      // As run_ensemble checks each group (free below 64 MiB).
      require_memory(estimate_ensemble(shape_of(model), o));
      sf.times.clear();
      for (int step : recorded_steps(model.steps(), std::max(1, opt.record_every))) sf.times.push_back(model.time_at(step));
      const std::size_t F = sf.columns.size();
      sf.finals.assign(static_cast<std::size_t>(n) * F, 0.0);
      // Finals only: record just the last instant (as run_ensemble without statistics).
      const int every = std::max(1, model.steps());
      for (int first = 0; first < n; first += plan.chunk) {
        if (opt.stop && opt.stop->load()) throw Interrupted("interrupted");
        const int count = std::min(plan.chunk, n - first);
        seeds.resize(static_cast<std::size_t>(count));
        for (int r = 0; r < count; ++r) seeds[static_cast<std::size_t>(r)] = run_seed(opt.seed, mine[static_cast<std::size_t>(first + r)]);
        BatchSimulator sim(model, count);
        sim.reset(seeds);
        FinalsObserver obs(model.steps(), sf.columns, sf.finals.data() + static_cast<std::size_t>(first) * F);
        sim.run(&obs, every);
      }
      sf.done = true;
    };
    try {
      run(worker, order[i], side_run);
    } catch (const std::bad_alloc&) {
      throw std::runtime_error("out of memory in a worker thread (posterior particle " + std::to_string(order[i] + 1) +
                               ", " + format_count(n) + " runs; " + format_bytes(available_memory().bytes) +
                               " is available); use fewer runs, threads or actors");
    }
    for (const auto& sf : out) {
      if (!sf.done) throw std::logic_error("run_paired_posterior: a side was not run");
    }
    return out;
  };

  std::vector<EnsembleResult> res(static_cast<std::size_t>(sides));
  OrderedTasks<std::vector<SideFinals>> tasks(order.size(), T, 2 * static_cast<std::size_t>(T) + 2, task);
  for (std::size_t i = 0; i < order.size(); ++i) {
    // Rethrows the first failing particle in particle order, whatever the thread count.
    std::vector<SideFinals> got = tasks.next();
    for (std::size_t s = 0; s < got.size(); ++s) {
      EnsembleResult& r = res[s];
      SideFinals& g = got[s];
      const std::size_t F = g.columns.size();
      if (i == 0) {
        r.runs = opt.runs;
        r.times = std::move(g.times);
        r.final_columns = std::move(g.columns);
        r.finals.assign(static_cast<std::size_t>(opt.runs) * F, 0.0);
      } else if (F != r.final_columns.size()) {
        throw std::logic_error("run_paired_posterior: a side's columns differ between particles");
      }
      for (std::size_t k = 0; k < ids[i].size(); ++k) {
        std::copy_n(g.finals.begin() + static_cast<std::ptrdiff_t>(k * F), F,
                    r.finals.begin() + static_cast<std::ptrdiff_t>(ids[i][k] * F));
      }
    }
    if (opt.progress) opt.progress(static_cast<int>(i + 1), static_cast<int>(order.size()));
  }
  return res;
}

PosteriorModels::PosteriorModels(const Posterior& p, const toml::table& doc, std::function<void(Scenario&)> modify)
    : p_(p), doc_(clone(doc)), modify_(std::move(modify)), models_(static_cast<std::size_t>(p.size())) {}

PosteriorModels::PosteriorModels(PosteriorModels& parent, std::function<void(Scenario&)> modify)
    : p_(parent.p_), parent_(&parent), modify_(std::move(modify)), models_(parent.models_.size()) {}

std::shared_ptr<const Model> PosteriorModels::operator()(int k) {
  auto& m = models_[static_cast<std::size_t>(k)];
  if (m) return m;
  if (parent_) {
    Scenario s = (*parent_)(k)->scenario();
    if (modify_) modify_(s);
    m = std::make_shared<const Model>(std::move(s));
    return m;
  }
  auto d = clone(*doc_);
  Scenario s = particle_scenario(p_, *d, k);
  if (modify_) modify_(s);
  m = std::make_shared<const Model>(std::move(s));
  return m;
}

}  // namespace smartpower
