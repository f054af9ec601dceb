#include "smartpower/analysis/abc_toml.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <fstream>
#include <limits>
#include <memory>
#include <set>
#include <span>
#include <sstream>

#include "smartpower/analysis/claims_toml.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/core/executor.hpp"
#include "smartpower/core/memory.hpp"
#include "smartpower/io/output.hpp"
#include "smartpower/core/simulation.hpp"
#include "core/splitmix64.hpp"

namespace smartpower {

namespace {

// The search space is the unit cube of CalibrationParameter::to_unit; the prior is
// uniform on it, so it is the same up to a constant everywhere inside the box.

// A proposal's random numbers: a splitmix64 stream (Steele, Lea & Flood 2014) seeded from
// (seed, generation, proposal index) alone, so a proposal is the same whichever thread or
// rank draws it, and whether or not the run was resumed.
class Stream {
 public:
  Stream(std::uint64_t seed, int generation, long long index)
      : s_(run_seed(run_seed(seed ^ 0xabc5c0ffee5eedULL, static_cast<std::uint64_t>(generation)),
                    static_cast<std::uint64_t>(index))) {}
  double uniform() { return s_.uniform(); }  // [0, 1)
  double normal() {                          // Box-Muller
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  SplitMix64 s_;
};

// The master seed of one proposal's runs: the shared `seed` (common random numbers), or
// with AbcOptions::own_noise one of its own from (seed, generation, proposal index) like
// its stream, so every proposal is simulated with fresh decision noise (the ABC posterior
// of a stochastic model, p(theta) P(d(x, y) <= eps | theta)). The same whichever thread or
// rank evaluates it.
std::uint64_t proposal_seed(const AbcOptions& opt, int generation, long long index) {
  if (!opt.own_noise) return opt.seed;
  return run_seed(run_seed(opt.seed ^ 0x5eedf0c0a15e0001ULL, static_cast<std::uint64_t>(generation)),
                  static_cast<std::uint64_t>(index));
}

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;

// The random-walk step of one generation's Metropolis-Hastings moves: a multivariate
// normal with (2.38^2 / d) times the covariance of the surviving population (Roberts,
// Gelman & Gilks 1997), through its Cholesky factor L (Sigma = L L^T).
Matrix make_step(const std::vector<std::vector<double>>& u) {
  const std::size_t N = u.size(), D = u[0].size();
  const auto Di = static_cast<Eigen::Index>(D);
  Vector mean = Vector::Zero(Di);
  for (std::size_t j = 0; j < N; ++j) {
    for (std::size_t d = 0; d < D; ++d) mean[static_cast<Eigen::Index>(d)] += u[j][d] / static_cast<double>(N);
  }
  Matrix cov = Matrix::Zero(Di, Di);
  for (std::size_t j = 0; j < N; ++j) {
    Vector x(Di);
    for (std::size_t d = 0; d < D; ++d) x[static_cast<Eigen::Index>(d)] = u[j][d] - mean[static_cast<Eigen::Index>(d)];
    cov.noalias() += x * x.transpose() / static_cast<double>(N);
  }
  Matrix sigma = (2.38 * 2.38 / static_cast<double>(D)) * cov;
  // A population collapsed onto a line (or a point) has a singular covariance: a ridge of
  // 1e-10 (in units of the box) keeps the step proper without moving it visibly.
  for (Eigen::Index d = 0; d < sigma.rows(); ++d) sigma(d, d) += 1e-10;
  Eigen::LLT<Matrix> llt(sigma);
  if (llt.info() != Eigen::Success) {
    // Not positive definite after rounding: keep the variances only.
    Matrix diag = sigma.diagonal().cwiseMax(1e-10).asDiagonal();
    llt.compute(diag);
  }
  return llt.matrixL();
}
// Checkpoint body lines:
//   p GEN INDEX U(16 hex digits per parameter) DISTANCE WEIGHT   one per particle, then
//   g GEN TOLERANCE PROPOSALS ACCEPTED EVALUATIONS SIMULATIONS   the generation is complete
// A generation is written in one append; particle lines without their `g` line (a kill
// while writing) are ignored, and a fresh block restarts at index 0.
struct Population {
  std::vector<std::vector<double>> u;
  std::vector<double> distance, weight;
};

}  // namespace

double AbcResult::ess() const {
  double s = 0, s2 = 0;
  for (const auto& p : particles) {
    s += p.weight;
    s2 += p.weight * p.weight;
  }
  return s2 > 0 ? s * s / s2 : 0;
}

std::size_t AbcResult::best() const {
  std::size_t b = 0;
  for (std::size_t i = 1; i < particles.size(); ++i) {
    if (particles[i].distance < particles[b].distance) b = i;
  }
  return b;
}

std::size_t AbcResult::distinct() const {
  std::set<std::vector<double>> seen;
  for (const auto& p : particles) seen.insert(p.values);
  return seen.size();
}

double weighted_quantile(std::vector<std::pair<double, double>> vw, double q) {
  if (vw.empty()) return 0;
  std::stable_sort(vw.begin(), vw.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  double total = 0;
  for (const auto& [v, w] : vw) total += w;
  double cum = 0;
  for (const auto& [v, w] : vw) {
    cum += w;
    if (cum >= q * total) return v;
  }
  return vw.back().first;
}

namespace {

void check_options(const AbcOptions& opt) {
  if (opt.particles < 2) {
    throw InputError("--particles " + std::to_string(opt.particles) + ": expected at least 2 particles");
  }
  if (opt.generations < 1) {
    throw InputError("--generations " + std::to_string(opt.generations) + ": expected at least 1 (the prior)");
  }
  if (opt.simulations < 0) throw InputError("--simulations " + std::to_string(opt.simulations) + ": expected >= 0 (0 = no budget)");
  if (!(std::isfinite(opt.claims_weight) && opt.claims_weight >= 0)) {
    throw InputError("--claims-weight " + format_number(opt.claims_weight) +
                     ": expected a finite weight >= 0 (1: the point fit's objective)");
  }
  if (!(opt.alpha > 0 && opt.alpha < 1)) {
    throw InputError("--alpha " + format_number(opt.alpha) + ": expected a quantile strictly between 0 and 1");
  }
  if (!(std::isfinite(opt.min_tolerance) && opt.min_tolerance >= 0)) {
    throw InputError("--min-tolerance " + format_number(opt.min_tolerance) + ": expected a finite distance >= 0 (0 = no floor)");
  }
  if (!(opt.min_acceptance > 0 && opt.min_acceptance <= 1)) {
    throw InputError("--min-acceptance " + format_number(opt.min_acceptance) + ": expected a rate in (0, 1]");
  }
  if (opt.settle < 0) throw InputError("--settle " + std::to_string(opt.settle) + ": expected >= 0 generations");
  if (opt.settle > 0 && !(opt.min_tolerance > 0)) {
    throw InputError("--settle " + std::to_string(opt.settle) + ": needs --min-tolerance (the tolerance to settle at)");
  }
  if (opt.moves < 1) throw InputError("--moves " + std::to_string(opt.moves) + ": expected at least 1 MH move per generation");
  if (opt.runs < 1) throw InputError("--runs " + std::to_string(opt.runs) + ": expected at least 1 noisy run");
  if (opt.threads < 1) throw InputError("--threads " + std::to_string(opt.threads) + ": expected at least 1");
}

// The sampler on a valid resolved document (the checkpoint's identity, the variants' base)
// and its parameters, checked against it.
AbcResult calibrate_abc_document(const Document& doc, std::vector<CalibrationParameter> parameters,
                                 const ClaimSet& claims, const AbcOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  AbcResult res;
  res.parameters = std::move(parameters);
  const auto& params = res.parameters;
  const std::size_t D = params.size();
  const int N = opt.particles;
  // The scenario and its variants compiled once; an evaluation sets the parameters on
  // typed copies of them.
  const ClaimPlan plan(*doc.table, claims, params);

  // Models one distance evaluation runs: the scenario and every variant a check reads.
  {
    std::set<std::string> variants;
    for (const Claim& c : claims.claims) {
      for (const Check& k : c.checks) {
        if (k.kind == CheckKind::interior_mix) continue;
        variants.insert(k.a.variant);
        if (k.kind == CheckKind::compare || k.kind == CheckKind::counterfactual) variants.insert(k.b.variant);
      }
    }
    res.models = static_cast<int>(variants.size());
  }
  const long long per_eval = static_cast<long long>(opt.runs) * res.models;

  // ---- Checkpoint.
  std::unique_ptr<CheckpointFile> ck;
  std::vector<Population> done;  // complete generations read back
  std::vector<AbcGeneration> done_info;
  long long evaluations = 0, simulations = 0;
  if (!opt.checkpoint.empty()) {
    std::vector<std::string> inputs = doc.files;
    if (!claims.path.empty()) inputs.push_back(claims.path);
    inputs.insert(inputs.end(), opt.inputs.begin(), opt.inputs.end());
    std::string claims_text;
    if (!claims.path.empty()) {
      std::ifstream in(claims.path, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      claims_text = ss.str();
    }
    // What a generation depends on. Generations, the budget and the acceptance floor only
    // decide where sampling stops, so a resume may change them.
    std::vector<std::string> fields = {"scenario=" + hex64(fnv1a64(to_toml(*doc.table))),
                                       "claims=" + hex64(fnv1a64(claims_text)),
                                       "runs=" + std::to_string(opt.runs),
                                       "seed=" + std::to_string(opt.seed),
                                       "parameters=" + std::to_string(D),
                                       "particles=" + std::to_string(N),
                                       "alpha=" + hex_bits(opt.alpha),
                                       "moves=" + std::to_string(opt.moves),
                                       "claims_weight=" + hex_bits(opt.claims_weight),
                                       std::string("noise=") + (opt.own_noise ? "own" : "shared"),
                                       "min_tolerance=" + hex_bits(opt.min_tolerance)};
    std::vector<CheckpointFile::Field> describe = {
        {"scenario", "another scenario (the file, its extends chain or its [calibration] box changed)"},
        {"claims", "another claims file"},
        {"runs", "another --runs"},
        {"seed", "another --seed"},
        {"parameters", "other calibration parameters"},
        {"particles", "another --particles"},
        {"alpha", "another --alpha"},
        {"moves", "another --moves"},
        {"claims_weight", "another --claims-weight"},
        {"noise", "another --noise"},
        {"min_tolerance", "another --min-tolerance"}};
    ck = std::make_unique<CheckpointFile>(opt.checkpoint, "abc", "v3", std::move(fields), std::move(describe), inputs,
                                          opt.resume, cluster().rank == 0);
    res.checkpoint = ck->ref();
    Population pending;
    int pending_gen = -1;
    for (const auto& line : ck->lines()) {
      const auto f = split_fields(line.text);
      if (f.empty() || (f[0] != "p" && f[0] != "g")) ck->corrupt(line, "expected a 'p' or 'g' line");
      std::size_t gen = 0;
      if (f.size() < 2 || !parse_index(f[1], gen) || gen != done.size()) {
        ck->corrupt(line, "expected generation " + std::to_string(done.size()));
      }
      if (f[0] == "p") {
        if (f.size() != 6) ck->corrupt(line, "expected 6 fields on a particle line, found " + std::to_string(f.size()));
        std::size_t index = 0;
        if (!parse_index(f[2], index)) ck->corrupt(line, "the particle index is not a number");
        if (index == 0) {
          pending = Population{};
          pending_gen = static_cast<int>(gen);
        }
        if (pending_gen != static_cast<int>(gen) || index != pending.u.size() || index >= static_cast<std::size_t>(N)) {
          ck->corrupt(line, "particle " + std::to_string(index) + " out of order");
        }
        if (f[3].size() != 16 * D) ck->corrupt(line, "the point has " + std::to_string(f[3].size()) + " hex digits; expected " + std::to_string(16 * D));
        std::vector<double> u(D);
        for (std::size_t d = 0; d < D; ++d) {
          if (!parse_hex_bits(f[3].substr(16 * d, 16), u[d]) || !(u[d] >= 0 && u[d] <= 1)) {
            ck->corrupt(line, "coordinate " + std::to_string(d + 1) + " is not a number in [0, 1] as 16 hex digits");
          }
        }
        double dist = 0, w = 0;
        if (!parse_hex_bits(f[4], dist) || !(dist >= 0)) ck->corrupt(line, "the distance is not a number >= 0 as 16 hex digits");
        if (!parse_hex_bits(f[5], w) || !(w >= 0 && w <= 1)) ck->corrupt(line, "the weight is not a number in [0, 1] as 16 hex digits");
        pending.u.push_back(std::move(u));
        pending.distance.push_back(dist);
        pending.weight.push_back(w);
      } else {
        if (f.size() != 7) ck->corrupt(line, "expected 7 fields on a generation line, found " + std::to_string(f.size()));
        if (pending_gen != static_cast<int>(gen) || pending.u.size() != static_cast<std::size_t>(N)) {
          ck->corrupt(line, "generation " + std::to_string(gen) + " does not have its " + std::to_string(N) + " particles");
        }
        AbcGeneration g;
        std::size_t proposals = 0, accepted = 0, ev = 0, sims = 0;
        if (!parse_hex_bits(f[2], g.tolerance) || !parse_index(f[3], proposals) || !parse_index(f[4], accepted) ||
            !parse_index(f[5], ev) || !parse_index(f[6], sims)) {
          ck->corrupt(line, "malformed generation line");
        }
        g.proposals = static_cast<long long>(proposals);
        g.accepted = static_cast<int>(accepted);
        evaluations = static_cast<long long>(ev);
        simulations = static_cast<long long>(sims);
        done.push_back(std::move(pending));
        done_info.push_back(g);
        pending = Population{};
        pending_gen = -1;
      }
    }
  }
  res.replayed_generations = static_cast<int>(done.size());
  const long long replayed_sims = simulations;

  // ---- Distance evaluation: a batch of points, spread over ranks and threads, each
  // evaluation on one thread (the runs of one evaluation are one vectorised batch).
  const Cluster cl = cluster();
  auto evaluate_batch = [&](const std::vector<std::vector<double>>& xs, std::span<const std::uint64_t> seeds) {
    const std::size_t B = xs.size();
    auto block = [&](int rank, int ranks, std::span<double> out) {
      std::vector<std::size_t> mine;
      for (std::size_t j = static_cast<std::size_t>(rank); j < B; j += static_cast<std::size_t>(ranks)) mine.push_back(j);
      auto evaluate = [&](std::size_t k) {
        detail::LocalEnsembles local;  // each evaluation runs on this thread alone
        const std::size_t j = mine[k];
        std::vector<double> v(D);
        for (std::size_t d = 0; d < D; ++d) v[d] = params[d].from_unit(xs[j][d]);
        try {
          ClaimOptions co;
          co.runs = opt.runs;
          co.seed = seeds[j];
          co.threads = 1;
          co.shortfall_weight = opt.claims_weight;
          co.stop = opt.stop;
          double f;
          try {
            f = plan.evaluate(v, co).objective;
          } catch (const NumericalError&) {
            f = 1e6;  // a parameter set that blows up is simply far
          }
          if (!std::isfinite(f)) f = 1e6;
          out[j] = f;
        } catch (const InputError& err) {
          std::string at;
          for (std::size_t d = 0; d < D; ++d) at += (d ? ", " : "") + params[d].path + " = " + format_number(v[d]);
          throw InputError(err.pos(), "calibration stopped at parameters (" + at + "): " + err.message());
        }
      };
      // The first error in index order, whichever thread met it first.
      parallel_for(mine.size(), std::max(1, opt.threads), evaluate);
    };
    std::vector<double> dist(B, 0.0);
    if (cl.size > 1) {
      const auto all = distributed_map(cl.size, B, [&](int rank, std::span<double> out) { block(rank, cl.size, out); });
      for (std::size_t j = 0; j < B; ++j) dist[j] = all[(j % static_cast<std::size_t>(cl.size)) * B + j];
    } else {
      block(0, 1, dist);
    }
    evaluations += static_cast<long long>(B);
    simulations += static_cast<long long>(B) * per_eval;
    return dist;
  };
  auto interrupted = [&] { return opt.stop && opt.stop->load(); };

  // ---- Generations.
  std::vector<AbcGeneration> info = done_info;
  Population prev;
  if (!done.empty()) prev = done.back();
  res.stopped.clear();
  auto finish_reason = [&](int gen_count, const AbcGeneration& last) -> std::string {
    if (gen_count >= opt.generations) return std::to_string(opt.generations) + " generations done";
    if (opt.min_tolerance > 0 && last.tolerance <= opt.min_tolerance) {
      const auto at_floor = std::count_if(info.begin(), info.end(),
                                          [&](const AbcGeneration& x) { return x.tolerance <= opt.min_tolerance; });
      if (at_floor > opt.settle) {
        return "the tolerance reached --min-tolerance " + format_number(opt.min_tolerance) +
               (opt.settle > 0 ? " and " + std::to_string(opt.settle) + " generation(s) settled at it" : std::string());
      }
    }
    if (last.acceptance() < opt.min_acceptance) {
      return "the MH acceptance rate fell below " + format_number(opt.min_acceptance);
    }
    return "";
  };
  if (!info.empty()) res.stopped = finish_reason(static_cast<int>(info.size()), info.back());
  while (res.stopped.empty()) {
    const int t = static_cast<int>(info.size());
    if (interrupted()) throw Interrupted("calibration interrupted");
    Population pop;
    AbcGeneration g;
    g.tolerance = std::numeric_limits<double>::infinity();
    // Evaluations in chunks (for progress and interruption; a chunk's bytes do not depend
    // on its size, every evaluation being independent of the others).
    auto evaluate = [&](const std::vector<std::vector<double>>& xs, std::span<const std::uint64_t> seeds,
                        long long done_before, long long of) {
      std::vector<double> out;
      out.reserve(xs.size());
      constexpr std::size_t chunk = 50;
      for (std::size_t a = 0; a < xs.size(); a += chunk) {
        if (interrupted()) throw Interrupted("calibration interrupted");
        const std::size_t b = std::min(xs.size(), a + chunk);
        const auto d = evaluate_batch(
            std::vector<std::vector<double>>(xs.begin() + static_cast<std::ptrdiff_t>(a),
                                             xs.begin() + static_cast<std::ptrdiff_t>(b)),
            seeds.subspan(a, b - a));
        out.insert(out.end(), d.begin(), d.end());
        if (interrupted()) throw Interrupted("calibration interrupted");
        if (opt.progress) {
          opt.progress({t, g.tolerance, g.accepted, static_cast<int>(of), done_before + static_cast<long long>(b),
                        evaluations, simulations, seconds(), false});
        }
      }
      return out;
    };
    auto budget_left = [&]() -> long long {
      if (opt.simulations <= 0 || per_eval <= 0) return std::numeric_limits<long long>::max();
      return (opt.simulations - simulations) / per_eval;
    };
    bool abandoned = false;
    if (t == 0) {
      // The prior: N uniform draws in the box, all kept.
      if (budget_left() < N) {
        throw InputError("the simulation budget (" + std::to_string(opt.simulations) +
                         ") is spent before the prior sample was complete; raise --simulations");
      }
      pop.u.resize(static_cast<std::size_t>(N), std::vector<double>(D));
      std::vector<std::uint64_t> seeds(static_cast<std::size_t>(N));
      for (int i = 0; i < N; ++i) {
        Stream s(opt.seed, 0, i);
        for (auto& v : pop.u[static_cast<std::size_t>(i)]) v = s.uniform();
        seeds[static_cast<std::size_t>(i)] = proposal_seed(opt, 0, i);
      }
      g.accepted = 0;
      pop.distance = evaluate(pop.u, seeds, 0, N);
      g.proposals = N;
      g.accepted = N;
    } else {
      // Adaptive SMC-ABC with MCMC moves (Del Moral, Doucet & Jasra 2012): the new
      // tolerance is the alpha-quantile of the current distances; particles above it drop
      // out, the survivors are resampled back to N, and every particle makes `moves`
      // Metropolis-Hastings steps of a Gaussian random walk that keep the ABC posterior at
      // this tolerance invariant (uniform prior: accept iff inside the box and within it).
      std::vector<double> d = prev.distance;
      double eps = quantile(d, opt.alpha);
      if (opt.min_tolerance > 0 && eps < opt.min_tolerance) eps = opt.min_tolerance;
      const bool settling = opt.min_tolerance > 0 && info.back().tolerance <= opt.min_tolerance;
      if (t > 1 && eps >= info.back().tolerance && !settling) {
        res.stopped = "the tolerance no longer shrinks (it stays at " + format_number(info.back().tolerance) + ")";
        break;
      }
      g.tolerance = eps;
      std::vector<std::size_t> alive;
      for (std::size_t j = 0; j < prev.u.size(); ++j) {
        if (prev.distance[j] <= eps) alive.push_back(j);
      }
      if (alive.empty()) {  // a quantile below every distance (cannot happen with ties kept)
        alive.push_back(static_cast<std::size_t>(std::min_element(prev.distance.begin(), prev.distance.end()) -
                                                 prev.distance.begin()));
      }
      // Systematic resampling of the survivors by weight, from the generation's own stream.
      // Settling at the floor every particle survives with its equal weight: kept as it is.
      if (settling && alive.size() == prev.u.size()) {
        pop.u = prev.u;
        pop.distance = prev.distance;
      } else {
        std::vector<double> cum(alive.size());
        double c = 0;
        for (std::size_t k = 0; k < alive.size(); ++k) cum[k] = c += prev.weight[alive[k]];
        Stream s(opt.seed, t, -1);
        const double u0 = s.uniform();
        std::size_t k = 0;
        for (int i = 0; i < N; ++i) {
          const double r = (u0 + i) / static_cast<double>(N) * c;
          while (k + 1 < alive.size() && cum[k] <= r) ++k;
          pop.u.push_back(prev.u[alive[k]]);
          pop.distance.push_back(prev.distance[alive[k]]);
        }
      }
      std::vector<std::vector<double>> survivors;
      for (std::size_t j : alive) survivors.push_back(prev.u[j]);
      const Matrix L = make_step(survivors);
      for (int m = 0; m < opt.moves && !abandoned; ++m) {
        // Every proposal's random numbers come from (seed, generation, move, particle).
        std::vector<std::vector<double>> xs;
        std::vector<std::uint64_t> seeds;
        std::vector<int> who;
        for (int i = 0; i < N; ++i) {
          const long long index = static_cast<long long>(m) * N + i;
          Stream s(opt.seed, t, index);
          Vector z(static_cast<Eigen::Index>(D));
          for (Eigen::Index e = 0; e < z.size(); ++e) z[e] = s.normal();
          const Vector step = L.triangularView<Eigen::Lower>() * z;
          std::vector<double> x(D);
          bool inside = true;
          for (std::size_t e = 0; e < D; ++e) {
            x[e] = pop.u[static_cast<std::size_t>(i)][e] + step[static_cast<Eigen::Index>(e)];
            inside = inside && x[e] >= 0 && x[e] <= 1;
          }
          if (inside) {  // outside the box the prior is zero: rejected without a run
            xs.push_back(std::move(x));
            seeds.push_back(proposal_seed(opt, t, index));
            who.push_back(i);
          }
        }
        if (budget_left() < static_cast<long long>(xs.size())) {
          abandoned = true;
          res.stopped = "the simulation budget (" + std::to_string(opt.simulations) + ") is spent in generation " +
                        std::to_string(t) + " (abandoned)";
          break;
        }
        const auto dist = evaluate(xs, seeds, g.proposals, static_cast<long long>(N) * opt.moves);
        for (std::size_t j = 0; j < xs.size(); ++j) {
          if (dist[j] <= eps) {
            pop.u[static_cast<std::size_t>(who[j])] = xs[j];
            pop.distance[static_cast<std::size_t>(who[j])] = dist[j];
            ++g.accepted;
          }
        }
        g.proposals += N;
      }
    }
    if (abandoned) break;
    // Equal weights after resampling: the effective sample size is N.
    pop.weight.assign(static_cast<std::size_t>(N), 1.0 / N);
    if (ck) {
      std::string block;
      for (int i = 0; i < N; ++i) {
        std::string u;
        for (double v : pop.u[static_cast<std::size_t>(i)]) u += hex_bits(v);
        block += "p " + std::to_string(t) + " " + std::to_string(i) + " " + u + " " +
                 hex_bits(pop.distance[static_cast<std::size_t>(i)]) + " " + hex_bits(pop.weight[static_cast<std::size_t>(i)]) + "\n";
      }
      block += "g " + std::to_string(t) + " " + hex_bits(g.tolerance) + " " + std::to_string(g.proposals) + " " +
               std::to_string(g.accepted) + " " + std::to_string(evaluations) + " " + std::to_string(simulations);
      ck->append(block);
    }
    info.push_back(g);
    prev = std::move(pop);
    if (opt.progress) {
      opt.progress({t, g.tolerance, g.accepted, t == 0 ? N : N * opt.moves, g.proposals, evaluations, simulations,
                    seconds(), true});
    }
    res.stopped = finish_reason(static_cast<int>(info.size()), g);
  }

  res.generations = info;
  res.evaluations = evaluations;
  res.simulations = simulations;
  res.computed_simulations = simulations - replayed_sims;
  res.seconds = seconds();
  res.particles.resize(prev.u.size());
  for (std::size_t i = 0; i < prev.u.size(); ++i) {
    auto& p = res.particles[i];
    p.values.resize(D);
    for (std::size_t d = 0; d < D; ++d) p.values[d] = params[d].from_unit(prev.u[i][d]);
    p.weight = prev.weight[i];
    p.distance = prev.distance[i];
  }
  return res;
}

}  // namespace

AbcResult calibrate_abc(const std::string& scenario_file, const ClaimSet& claims, const AbcOptions& opt) {
  check_options(opt);
  Document doc = load_document(scenario_file);
  build_scenario(*doc.table);
  return calibrate_abc_document(doc, calibration_parameters(*doc.table), claims, opt);
}

AbcResult calibrate_abc(const Scenario& scenario, const std::vector<CalibrationParameter>& parameters,
                        const ClaimSet& claims, const AbcOptions& opt) {
  check_options(opt);
  const ScenarioBox box = scenario_box(scenario, parameters);
  return calibrate_abc_document(box.document, box.parameters, claims, opt);
}

std::vector<PosteriorSummary> summarize_posterior(const AbcResult& r) {
  std::vector<PosteriorSummary> out;
  for (std::size_t d = 0; d < r.parameters.size(); ++d) {
    const auto& p = r.parameters[d];
    PosteriorSummary s;
    s.path = p.path;
    s.lo = p.lo;
    s.hi = p.hi;
    s.log = p.log;
    std::vector<std::pair<double, double>> vw;
    double total = 0, mean = 0;
    for (const auto& q : r.particles) {
      vw.emplace_back(q.values[d], q.weight);
      total += q.weight;
      mean += q.weight * q.values[d];
    }
    s.mean = total > 0 ? mean / total : 0;
    s.q05 = weighted_quantile(vw, 0.05);
    s.q50 = weighted_quantile(vw, 0.50);
    s.q95 = weighted_quantile(vw, 0.95);
    s.width_ratio = p.to_unit(s.q95) - p.to_unit(s.q05);
    out.push_back(s);
  }
  return out;
}

void write_posterior(const std::string& path, const AbcResult& r, const std::vector<std::string>& inputs) {
  write_atomically(
      path,
      [&](std::ostream& os) {
        os << "weight,distance";
        for (const auto& p : r.parameters) os << "," << p.path;
        os << "\n";
        for (const auto& q : r.particles) {
          os << format_number(q.weight) << "," << format_number(q.distance);
          for (double v : q.values) os << "," << format_number(v);
          os << "\n";
        }
      },
      inputs);
}

namespace {

// The best particle's fit; its claims are the caller's.
CalibrationResult best_fit(const AbcResult& r) {
  CalibrationResult c;
  c.parameters = r.parameters;
  if (r.particles.empty()) throw std::runtime_error("ABC calibration: no particles");
  const auto& b = r.particles[r.best()];
  c.best = b.values;
  c.objective = b.distance;
  c.evaluations = static_cast<int>(std::min<long long>(r.evaluations, std::numeric_limits<int>::max()));
  c.seconds = r.seconds;
  return c;
}

}  // namespace

CalibrationResult best_particle(const std::string& scenario_file, const ClaimSet& claims, const AbcResult& r,
                                const ClaimOptions& co) {
  CalibrationResult c = best_fit(r);
  Document doc = load_document(scenario_file);
  auto d = clone(*doc.table);
  set_parameters(*d, r.parameters, c.best);
  c.report = evaluate_claims(*d, claims, co);
  return c;
}

CalibrationResult best_particle(const Scenario& scenario, const ClaimSet& claims, const AbcResult& r,
                                const ClaimOptions& co) {
  CalibrationResult c = best_fit(r);
  c.report = evaluate_claims(with_parameters(ValidScenario(scenario).scenario(), r.parameters, c.best), claims, co);
  return c;
}

}  // namespace smartpower
