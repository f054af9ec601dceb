// One step of the model, docs/model.md equation by equation (numbers in brackets).
#include "smartpower/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "smartpower/error.hpp"

namespace smartpower {
namespace {

constexpr MetricInfo kMetrics[kMetricCount] = {
    {"balance", Shape::actor, "balance index of actor (1 = perfectly multi-vector)"},
    {"hhi", Shape::actor, "concentration of actor's dependence (Herfindahl)"},
    {"budget", Shape::actor, "actor's effort budget per year"},
    {"dependence", Shape::dyad, "share of actor's dependence on partner"},
    {"soft", Shape::dyad, "soft power of partner over actor"},
    {"hard", Shape::dyad, "hard power of partner over actor"},
    {"smart", Shape::dyad, "smart (CES) power of partner over actor"},
    {"soft_share", Shape::dyad, "soft / (soft + hard) of partner's power over actor"},
    {"alignment", Shape::dyad, "actor's alignment with partner, in [-1, 1]"},
    {"threat", Shape::dyad, "threat actor perceives from partner"},
    {"affinity", Shape::dyad, "actor's affinity for partner, in [0, 1]"},
    {"counter", Shape::dyad, "partner's value to actor as a counterweight to actor's top threat"},
    {"stock", Shape::dyad_lever, "actor's accumulated engagement with partner through lever"},
    {"influence", Shape::dyad_lever, "partner's influence over actor through lever"},
    {"lever_dependence", Shape::dyad_lever, "share of actor's dependence on partner through lever"},
    {"effort", Shape::dyad_lever, "actor's effort per year toward partner through lever"},
    {"real", Shape::dyad_lever, "stock in the lever's real unit (unit_scale * stock)"},
    {"volume", Shape::dyad_lever, "two-way stock in real units: unit_scale * (stock(a,p) + stock(p,a))"},
};

// splitmix64: seeds the per-run xoshiro256++ stream.
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

inline std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// x^gamma with the common exponents special-cased; 0^gamma = 0 for gamma > 0.
inline double pow_returns(double x, double gamma) {
  if (x <= 0) return 0;
  if (gamma == 1.0) return x;
  if (gamma == 0.5) return std::sqrt(x);
  return std::pow(x, gamma);
}

inline double share(double a, double b) { return (a + b) > 0 ? a / (a + b) : 0.5; }

}  // namespace

const MetricInfo& metric_info(Metric m) { return kMetrics[static_cast<int>(m)]; }

int metric_by_name(std::string_view name) {
  for (int m = 0; m < kMetricCount; ++m) {
    if (name == kMetrics[m].name) return m;
  }
  return -1;
}

MetricLayout::MetricLayout(int n_actors, int n_levers) : n_(n_actors), k_(n_levers) {
  std::size_t o = 0;
  for (int m = 0; m < kMetricCount; ++m) {
    offset_[m] = o;
    switch (kMetrics[m].shape) {
      case Shape::actor: o += n_; break;
      case Shape::dyad: o += static_cast<std::size_t>(n_) * n_; break;
      default: o += static_cast<std::size_t>(k_) * n_ * n_; break;
    }
  }
  size_ = o;
}

Model::Model(Scenario scenario)
    : sc_(std::move(scenario)), n_(sc_.n_actors()), k_(sc_.n_levers()), t_(sc_.info.steps()), layout_(n_, k_) {
  const auto& info = sc_.info;
  caps_.resize(static_cast<std::size_t>(t_ + 1) * n_ * 3);
  budget_.resize(static_cast<std::size_t>(t_ + 1) * n_);
  for (int n = 0; n <= t_; ++n) {
    const double el = info.time_at(n) - info.start;  // [1]
    for (int i = 0; i < n_; ++i) {
      const Actor& a = sc_.actors[i];
      double* c = &caps_[(static_cast<std::size_t>(n) * n_ + i) * 3];
      c[0] = a.capabilities.economy * std::exp(a.growth.economy * el);
      c[1] = a.capabilities.military * std::exp(a.growth.military * el);
      c[2] = a.capabilities.population * std::exp(a.growth.population * el);
      budget_[static_cast<std::size_t>(n) * n_ + i] = a.budget * std::exp(a.budget_growth * el);
    }
  }
  sim_.assign(static_cast<std::size_t>(n_) * n_, 0.0);  // [2]
  for (int i = 0; i < n_; ++i) {
    for (int j = 0; j < n_; ++j) {
      const auto& vi = sc_.actors[i].identity;
      const auto& vj = sc_.actors[j].identity;
      double dot = 0, ni = 0, nj = 0;
      for (std::size_t d = 0; d < vi.size(); ++d) {
        dot += vi[d] * vj[d];
        ni += vi[d] * vi[d];
        nj += vj[d] * vj[d];
      }
      sim_[static_cast<std::size_t>(i) * n_ + j] = (ni > 0 && nj > 0) ? dot / std::sqrt(ni * nj) : 0.0;
    }
  }
  // Events at the step whose interval [t_n, t_n + dt) holds their time.
  std::vector<std::vector<int>> ev(t_ + 1), mv(t_ + 1);
  for (std::size_t e = 0; e < sc_.events.size(); ++e) {
    if (!sc_.events[e].enabled) continue;
    int n = static_cast<int>(std::floor((sc_.events[e].time - info.start) / info.dt + 1e-9));
    ev[std::clamp(n, 0, t_)].push_back(static_cast<int>(e));
  }
  for (std::size_t m = 0; m < sc_.moves.size(); ++m) {
    const Move& mo = sc_.moves[m];
    if (!mo.enabled) continue;
    for (int n = 0; n <= t_; ++n) {
      const double t = info.time_at(n);
      if (t + 1e-9 >= mo.from && t + 1e-9 < mo.to) mv[n].push_back(static_cast<int>(m));
    }
  }
  auto csr = [](const std::vector<std::vector<int>>& lists, std::vector<int>& start, std::vector<int>& idx) {
    start.assign(1, 0);
    for (const auto& l : lists) {
      idx.insert(idx.end(), l.begin(), l.end());
      start.push_back(static_cast<int>(idx.size()));
    }
  };
  csr(ev, event_start_, event_idx_);
  csr(mv, move_start_, move_idx_);
}

std::uint64_t run_seed(std::uint64_t seed, std::uint64_t run) {
  std::uint64_t x = seed;
  std::uint64_t a = splitmix64(x);
  std::uint64_t y = run ^ a;
  return splitmix64(y);
}

Simulator::Simulator(const Model& model) : m_(model), L_(model.layout()) {
  const int N = m_.n_actors(), K = m_.n_levers();
  x_.assign(L_.size(), 0.0);
  rs_.assign(static_cast<std::size_t>(N) * N, 0.0);
  rh_.assign(static_cast<std::size_t>(4) * N * N, 0.0);
  util_.assign(static_cast<std::size_t>(K) * std::max(N - 1, 1), 0.0);
  gpow_.assign(static_cast<std::size_t>(K) * N * N, 0.0);
  top_threat_.assign(N, 0);
}

void Simulator::reset(std::uint64_t seed) {
  std::uint64_t s = seed;
  for (auto& w : rng_) w = splitmix64(s);
  std::fill(x_.begin(), x_.end(), 0.0);
  const Scenario& sc = m_.scenario();
  std::copy(sc.stocks0.begin(), sc.stocks0.end(), x_.begin() + L_.offset(Metric::stock));
  std::copy(sc.alignment0.begin(), sc.alignment0.end(), x_.begin() + L_.offset(Metric::alignment));
}

double Simulator::logistic_noise() {
  // xoshiro256++ -> uniform in (0,1) -> logistic with unit variance. Logistic noise on
  // utilities is the random-utility reading of a softmax choice (McFadden).
  const std::uint64_t result = rotl(rng_[0] + rng_[3], 23) + rng_[0];
  const std::uint64_t t = rng_[1] << 17;
  rng_[2] ^= rng_[0];
  rng_[3] ^= rng_[1];
  rng_[1] ^= rng_[2];
  rng_[0] ^= rng_[3];
  rng_[2] ^= t;
  rng_[3] = rotl(rng_[3], 45);
  const double u = (static_cast<double>(result >> 11) + 0.5) * 0x1.0p-53;
  constexpr double kScale = 0.55132889542179204;  // sqrt(3) / pi
  return kScale * std::log(u / (1.0 - u));
}

void Simulator::apply_events(int n) {
  const Scenario& sc = m_.scenario();
  for (int e : m_.events_at(n)) {
    const Event& ev = sc.events[e];
    auto apply = [&](int a, int b) {
      if (ev.lever >= 0 && ev.stock != 0) {
        double& s = x_[L_.index(Metric::stock, a, b, ev.lever)];
        s = std::max(0.0, s + ev.stock);
      }
      if (ev.alignment != 0) {
        double& al = x_[L_.index(Metric::alignment, a, b)];
        al = std::clamp(al + ev.alignment, -1.0, 1.0);
      }
    };
    apply(ev.actor, ev.target);
    if (ev.mutual) apply(ev.target, ev.actor);
  }
}

void Simulator::derive(int n) {
  const Scenario& sc = m_.scenario();
  const ModelParams& p = sc.params;
  const int N = m_.n_actors(), K = m_.n_levers();
  const std::size_t NN = static_cast<std::size_t>(N) * N;
  double* x = x_.data();
  const double* S = x + L_.offset(Metric::stock);
  const double* A = x + L_.offset(Metric::alignment);
  double* aff = x + L_.offset(Metric::affinity);
  double* soft = x + L_.offset(Metric::soft);
  double* hard = x + L_.offset(Metric::hard);
  double* smart = x + L_.offset(Metric::smart);
  double* soft_share = x + L_.offset(Metric::soft_share);
  double* dep = x + L_.offset(Metric::dependence);
  double* threat = x + L_.offset(Metric::threat);
  double* counter = x + L_.offset(Metric::counter);
  double* inf = x + L_.offset(Metric::influence);
  double* ldep = x + L_.offset(Metric::lever_dependence);
  double* real = x + L_.offset(Metric::real);
  double* volume = x + L_.offset(Metric::volume);

  // [3] affinity, [5] receptivities.
  for (int i = 0; i < N; ++i) {
    for (int j = 0; j < N; ++j) {
      const std::size_t ij = static_cast<std::size_t>(i) * N + j;
      if (i == j) {
        aff[ij] = rs_[ij] = 0;
        for (int c = 0; c < 4; ++c) rh_[c * NN + ij] = 0;
        continue;
      }
      aff[ij] = p.identity_share * m_.similarity(i, j) + (1 - p.identity_share) * 0.5 * (1 + A[ij]);
      const double a_pow = p.affinity_exponent == 1.0 ? aff[ij] : std::pow(aff[ij], p.affinity_exponent);
      rs_[ij] = p.soft_floor + (1 - p.soft_floor) * a_pow;
      for (int c = 0; c < 3; ++c) {
        const double sh = share(m_.capability(n, j, c), m_.capability(n, i, c));
        rh_[c * NN + ij] = p.need_exponent == 1.0 ? sh : std::pow(sh, p.need_exponent);
      }
      rh_[3 * NN + ij] = 1.0;
    }
  }
  // [4] [6] [7] influence, soft and hard.
  std::fill(soft, soft + NN, 0.0);
  std::fill(hard, hard + NN, 0.0);
  for (int k = 0; k < K; ++k) {
    const Lever& lv = sc.levers[k];
    const double* Sk = S + k * NN;
    double* infk = inf + k * NN;
    double* gk = gpow_.data() + k * NN;
    const double* R = lv.kind == LeverKind::soft ? rs_.data() : rh_.data() + static_cast<int>(lv.capability) * NN;
    double* acc = lv.kind == LeverKind::soft ? soft : hard;
    for (int i = 0; i < N; ++i) {
      for (int j = 0; j < N; ++j) {
        const std::size_t ij = static_cast<std::size_t>(i) * N + j, ji = static_cast<std::size_t>(j) * N + i;
        if (i == j) {
          infk[ij] = 0;
          gk[ij] = 0;
          continue;
        }
        const double E = Sk[ji] + lv.reciprocity * Sk[ij];  // j's engagement toward i
        infk[ij] = lv.weight * pow_returns(E, lv.returns) * R[ij];
        acc[ij] += infk[ij];
        gk[ij] = lv.threat != 0 ? pow_returns(Sk[ji], lv.returns) : 0.0;  // S[k](j,i)^gamma
      }
    }
    if (lv.unit_scale > 0) {
      for (int i = 0; i < N; ++i) {
        for (int j = 0; j < N; ++j) {
          const std::size_t ij = static_cast<std::size_t>(i) * N + j, ji = static_cast<std::size_t>(j) * N + i;
          real[k * NN + ij] = lv.unit_scale * Sk[ij];
          volume[k * NN + ij] = i == j ? 0.0 : lv.unit_scale * (Sk[ij] + Sk[ji]);
        }
      }
    }
  }
  // [8] smart power, [9] dependence, [10] HHI and balance.
  const int partners = N - 1;
  double* bal = x + L_.offset(Metric::balance);
  double* conc = x + L_.offset(Metric::hhi);
  double* bud = x + L_.offset(Metric::budget);
  for (int i = 0; i < N; ++i) {
    double total = 0;
    for (int j = 0; j < N; ++j) {
      const std::size_t ij = static_cast<std::size_t>(i) * N + j;
      smart[ij] = i == j ? 0.0 : ces(hard[ij], soft[ij], p.alpha, p.rho);
      const double sh = soft[ij] + hard[ij];
      soft_share[ij] = sh > 0 ? soft[ij] / sh : 0.0;
      total += smart[ij];
    }
    double h = 0;
    for (int j = 0; j < N; ++j) {
      const std::size_t ij = static_cast<std::size_t>(i) * N + j;
      dep[ij] = i == j ? 0.0 : (total > 0 ? smart[ij] / total : 1.0 / partners);
      h += dep[ij] * dep[ij];
    }
    conc[i] = h;
    bal[i] = balance_index(h, partners);
    bud[i] = m_.budget(n, i);
    for (int k = 0; k < K; ++k) {
      const double* infk = inf + k * NN + static_cast<std::size_t>(i) * N;
      double* ld = ldep + k * NN + static_cast<std::size_t>(i) * N;
      double lt = 0;
      for (int j = 0; j < N; ++j) lt += infk[j];
      for (int j = 0; j < N; ++j) ld[j] = i == j ? 0.0 : (lt > 0 ? infk[j] / lt : 1.0 / partners);
    }
  }
  // [11] threat, [12] top threat and counterweights.
  for (int i = 0; i < N; ++i) {
    int top = -1;
    double tmax = -1;
    for (int j = 0; j < N; ++j) {
      const std::size_t ij = static_cast<std::size_t>(i) * N + j;
      if (i == j) {
        threat[ij] = 0;
        continue;
      }
      double P = p.threat_base;
      for (int k = 0; k < K; ++k) {
        const double th = sc.levers[k].threat;
        if (th != 0) P += th * gpow_[k * NN + ij];
      }
      const double prox = p.proximity_floor + (1 - p.proximity_floor) * sc.border[ij];
      const double mshare = share(m_.capability(n, j, 1), m_.capability(n, i, 1));
      threat[ij] = prox * mshare * P / (1 + p.threat_soft_damping * soft[ij] + p.threat_affinity_damping * aff[ij]);
      if (threat[ij] > tmax) {
        tmax = threat[ij];
        top = j;
      }
    }
    top_threat_[i] = top;
    for (int j = 0; j < N; ++j) {
      const std::size_t ij = static_cast<std::size_t>(i) * N + j;
      if (i == j || j == top || top < 0) {
        counter[ij] = 0;
      } else {
        counter[ij] = tmax * (1 - std::max(0.0, A[static_cast<std::size_t>(j) * N + top]));
      }
    }
  }
}

void Simulator::decide(int n) {
  const Scenario& sc = m_.scenario();
  const ModelParams& p = sc.params;
  const int N = m_.n_actors(), K = m_.n_levers();
  const int partners = N - 1;
  const std::size_t NN = static_cast<std::size_t>(N) * N;
  double* x = x_.data();
  const double* aff = x + L_.offset(Metric::affinity);
  const double* soft = x + L_.offset(Metric::soft);
  const double* hard = x + L_.offset(Metric::hard);
  const double* dep = x + L_.offset(Metric::dependence);
  const double* counter = x + L_.offset(Metric::counter);
  double* effort = x + L_.offset(Metric::effort);
  const auto moves = m_.moves_at(n);

  for (int i = 0; i < N; ++i) {
    const Actor& a = sc.actors[i];
    const Strategy& st = a.strategy;
    double econ_total = 0;
    for (int j = 0; j < N; ++j) {
      if (j != i) econ_total += m_.capability(n, j, 0);
    }
    // [13] utilities of every (lever, partner) option.
    const double sigma = a.noise * p.noise;
    double umax = -std::numeric_limits<double>::infinity();
    for (int k = 0; k < K; ++k) {
      const bool is_soft = sc.levers[k].kind == LeverKind::soft;
      int o = k * partners;
      for (int j = 0; j < N; ++j) {
        if (j == i) continue;
        const std::size_t ij = static_cast<std::size_t>(i) * N + j, ji = static_cast<std::size_t>(j) * N + i;
        double u = a.lever_bias[k] + a.partner_bias[j];
        if (st.diversify != 0) u += st.diversify * (1 - partners * dep[ij]);
        if (st.counter_threat != 0) u += st.counter_threat * counter[ij];
        if (st.affinity != 0 && is_soft) u += st.affinity * aff[ij];
        if (st.smart_mix != 0) {
          // i's own power over j is (soft, hard)[j][i].
          const double tot = soft[ji] + hard[ji];
          const double hs = tot > 0 ? hard[ji] / tot : p.alpha;
          u += st.smart_mix * (is_soft ? 1.0 : -1.0) * (hs - p.alpha);
        }
        if (st.sphere != 0) u += st.sphere * sc.border[ij] * (1 - dep[ji]);
        if (st.expansion != 0 && !is_soft && econ_total > 0) u += st.expansion * m_.capability(n, j, 0) / econ_total;
        u /= a.temperature;
        if (sigma > 0) u += sigma * logistic_noise() / a.temperature;
        util_[o] = u;
        umax = std::max(umax, u);
        ++o;
      }
    }
    // [14] softmax allocation of the budget (max subtracted for stability).
    const int opts = K * partners;
    double z = 0;
    for (int o = 0; o < opts; ++o) {
      util_[o] = std::exp(util_[o] - umax);
      z += util_[o];
    }
    const double scale_budget = m_.budget(n, i) / z;
    for (int k = 0; k < K; ++k) {
      int o = k * partners;
      for (int j = 0; j < N; ++j) {
        if (j == i) {
          effort[k * NN + static_cast<std::size_t>(i) * N + j] = 0;
          continue;
        }
        effort[k * NN + static_cast<std::size_t>(i) * N + j] = util_[o++] * scale_budget;
      }
    }
    for (int mi : moves) {
      const Move& mv = sc.moves[mi];
      if (mv.actor != i) continue;
      for (int k = 0; k < K; ++k) {
        if (mv.lever >= 0 && mv.lever != k) continue;
        for (int j = 0; j < N; ++j) {
          if (j == i || (mv.target >= 0 && mv.target != j)) continue;
          double& e = effort[k * NN + static_cast<std::size_t>(i) * N + j];
          e = e * mv.scale + mv.effort;
        }
      }
    }
  }
}

void Simulator::update() {
  const Scenario& sc = m_.scenario();
  const ModelParams& p = sc.params;
  const int N = m_.n_actors(), K = m_.n_levers();
  const std::size_t NN = static_cast<std::size_t>(N) * N;
  const double dt = sc.info.dt;
  double* x = x_.data();
  double* S = x + L_.offset(Metric::stock);
  const double* effort = x + L_.offset(Metric::effort);
  // [16] alignment first: it reads the derived values of t_n, not the new stocks.
  double* A = x + L_.offset(Metric::alignment);
  const double* soft = x + L_.offset(Metric::soft);
  const double* hard = x + L_.offset(Metric::hard);
  const double* threat = x + L_.offset(Metric::threat);
  const double* counter = x + L_.offset(Metric::counter);
  for (int i = 0; i < N; ++i) {
    for (int j = 0; j < N; ++j) {
      if (i == j) continue;
      const std::size_t ij = static_cast<std::size_t>(i) * N + j, ji = static_cast<std::size_t>(j) * N + i;
      const double us = soft[ij] + soft[ji], uh = hard[ij] + hard[ji];
      const double z = p.alignment_bias + p.w_identity * (2 * m_.similarity(i, j) - 1) + p.w_exchange * us / (1 + us) +
                       p.w_interdependence * uh / (1 + uh) - p.w_threat * threat[ij] + p.w_counter * counter[ij];
      A[ij] = alignment_step(A[ij], z, p.alignment_rate, dt);
    }
  }
  // [15] stocks.
  for (int k = 0; k < K; ++k) {
    const double delta = sc.levers[k].decay;
    double* Sk = S + k * NN;
    const double* ek = effort + k * NN;
    for (std::size_t ij = 0; ij < NN; ++ij) Sk[ij] = decay_step(Sk[ij], delta, dt, ek[ij]);
  }
}

void Simulator::check_finite(int n) const {
  double sum = 0;
  for (double v : x_) sum += v;
  if (std::isfinite(sum)) return;
  // Name the first offending entry.
  const Scenario& sc = m_.scenario();
  const int N = m_.n_actors();
  for (int m = 0; m < kMetricCount; ++m) {
    const auto metric = static_cast<Metric>(m);
    const std::size_t begin = L_.offset(metric);
    const std::size_t end = m + 1 < kMetricCount ? L_.offset(static_cast<Metric>(m + 1)) : L_.size();
    for (std::size_t idx = begin; idx < end; ++idx) {
      if (std::isfinite(x_[idx])) continue;
      std::ostringstream msg;
      msg << "non-finite value (" << x_[idx] << ") at step " << n << " (time " << m_.time_at(n) << "): metric '"
          << kMetrics[m].name << "'";
      const std::size_t r = idx - begin;
      const Shape shape = kMetrics[m].shape;
      if (shape == Shape::actor) {
        msg << ", actor " << sc.actors[r].id;
      } else {
        const std::size_t NN = static_cast<std::size_t>(N) * N;
        const std::size_t k = r / NN, ij = r % NN;
        msg << ", actor " << sc.actors[ij / N].id << ", partner " << sc.actors[ij % N].id;
        if (shape == Shape::dyad_lever) msg << ", lever " << sc.levers[k].id;
      }
      msg << "; check the scenario's magnitudes (budgets, weights, exponents)";
      throw NumericalError(msg.str());
    }
  }
  throw NumericalError("non-finite value at step " + std::to_string(n));
}

void Simulator::run(Observer* observer, int record_every) {
  const int T = m_.steps();
  if (record_every < 1) record_every = 1;
  for (int n = 0; n <= T; ++n) {
    if (n < T) apply_events(n);
    derive(n);
    decide(n);
    check_finite(n);
    if (observer && (n % record_every == 0 || n == T)) observer->record(n, m_.time_at(n), x_);
    if (n < T) update();
  }
}

double ces(double hard, double soft, double alpha, double rho) {
  if (hard <= 0 && soft <= 0) return 0;
  if (rho == 0) return std::pow(hard, alpha) * std::pow(soft, 1 - alpha);
  if (rho < 0 && (hard <= 0 || soft <= 0)) return 0;
  const double v = alpha * std::pow(hard, rho) + (1 - alpha) * std::pow(soft, rho);
  return std::pow(v, 1 / rho);
}

double hhi(std::span<const double> shares) {
  double h = 0;
  for (double s : shares) h += s * s;
  return h;
}

double balance_index(double h, int partners) {
  if (partners < 2) return 0;
  const double floor = 1.0 / partners;
  return std::clamp(1 - (h - floor) / (1 - floor), 0.0, 1.0);
}

void softmax_allocate(std::span<const double> utilities, double temperature, double budget, std::span<double> out) {
  double umax = -std::numeric_limits<double>::infinity();
  for (double u : utilities) umax = std::max(umax, u / temperature);
  double z = 0;
  for (std::size_t o = 0; o < utilities.size(); ++o) {
    out[o] = std::exp(utilities[o] / temperature - umax);
    z += out[o];
  }
  for (double& v : out) v *= budget / z;
}

double decay_step(double stock, double decay, double dt, double effort) {
  return std::max(0.0, (1 - decay * dt) * stock + dt * effort);
}

double alignment_step(double a, double z, double rate, double dt) { return a + rate * dt * (std::tanh(z) - a); }

}  // namespace smartpower
