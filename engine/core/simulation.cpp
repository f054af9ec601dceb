// One step of the model, docs/model.md equation by equation (numbers in brackets),
// computed for a batch of runs at once: every inner loop runs over the runs (lanes) of
// one metric entry, so it vectorises; see docs/performance.md.
#include "smartpower/core/simulation.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <new>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#if defined(__x86_64__) || defined(__i386__)
#define SMARTPOWER_X86 1
#endif

#include "smartpower/core/error.hpp"
#include "core/splitmix64.hpp"

// No implicit contraction of a*b+c into fused multiply-adds: a run's numbers must not
// depend on which instruction set (AVX-512, AVX2, SSE2) or which lane (vector body or
// scalar tail) computed them. Every operation below is a correctly rounded +, -, *, /,
// sqrt, an explicit std::fma (one rounding everywhere) or a select, so the vector and
// scalar paths give the same bits.
// (CMakeLists.txt also compiles this file with -fno-math-errno: std::sqrt is then the IEEE
// instruction itself, inlined and vectorised. Not as a pragma here: functions from the
// headers above would then differ in options and stop being inlined.)
#pragma GCC optimize("fp-contract=off", "vect-cost-model=unlimited")

namespace smartpower {
namespace {

// A series given as data, [[t_1, v_1], ...] (a capability path, the price index), at time
// t: v_1 up to t_1, v_m from t_m, log-linear between the points (docs/model.md eq. 1).
double path_value(const std::vector<std::pair<double, double>>& pts, double t) {
  if (t <= pts.front().first) return pts.front().second;
  if (t >= pts.back().first) return pts.back().second;
  std::size_t k = 0;
  while (pts[k + 1].first <= t) ++k;
  const double f = (t - pts[k].first) / (pts[k + 1].first - pts[k].first);
  return std::exp(std::log(pts[k].second) + f * (std::log(pts[k + 1].second) - std::log(pts[k].second)));
}

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
    {"flow", Shape::dyad_lever, "two-way effort per year in real units: flow_scale * (effort(a,p) + effort(p,a))"},
};

inline std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

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

namespace {
// A Scenario however it was made (code, or a file's edited after reading): checked before
// anything is derived from it, with no cap on counts.
Limits uncapped() {
  Limits limits;
  limits.max_actors = std::numeric_limits<int>::max();
  limits.max_levers = std::numeric_limits<int>::max();
  limits.max_steps = std::numeric_limits<int>::max();
  return limits;
}
}  // namespace

Model::Model(Scenario scenario) : Model(ValidScenario(std::move(scenario), uncapped())) {}

Model::Model(ValidScenario scenario)
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
      for (int x = 0; x < 3; ++x) {  // a capability given as data: log-linear between its points
        if (!a.path[x].empty()) c[x] = path_value(a.path[x], info.time_at(n));
      }
      budget_[static_cast<std::size_t>(n) * n_ + i] = a.budget * std::exp(a.budget_growth * el);
    }
  }
  // [14] gravity factors, only if some lever uses them (otherwise g = 1 and no product).
  constexpr double kNeverOpened = key_default("relations.<actor>.<partner>.opened");
  constexpr double kLog2e = 1.4426950408889634;  // log2(e), the double nearest
  if (std::any_of(sc_.levers.begin(), sc_.levers.end(), [](const Lever& lv) { return lv.gravity(); })) {
    gravity_.assign(static_cast<std::size_t>(t_ + 1) * k_ * n_ * n_, 1.0);
    // q(t_n) / q_0 at every instant, when a price index is given (eq. 14, prices).
    std::vector<double> price;
    if (!info.price.empty() && !sc_.exposure.empty()) {
      const double q0 = info.price_reference > 0 ? info.price_reference : path_value(info.price, info.start);
      for (int n = 0; n <= t_; ++n) price.push_back(path_value(info.price, info.time_at(n)) / q0);
    }
    // The distance terms do not change with time, and the mass terms are the same for
    // (i, j) and (j, i) (a product and a max of the two capabilities): each power once.
    const std::size_t NN = static_cast<std::size_t>(n_) * n_;
    std::vector<double> resist(static_cast<std::size_t>(k_) * NN, 1.0), mass(NN, 1.0);
    for (int k = 0; k < k_; ++k) {
      const Lever& lv = sc_.levers[k];
      if (!lv.gravity() || lv.distance_exponent == 0) continue;
      for (std::size_t ij = 0; ij < NN; ++ij) {
        const double d = sc_.distance.empty() ? 1.0 : sc_.distance[ij];
        resist[k * NN + ij] = std::pow(d, -lv.distance_exponent);
      }
    }
    for (int n = 0; n <= t_; ++n) {
      for (int k = 0; k < k_; ++k) {
        const Lever& lv = sc_.levers[k];
        if (!lv.gravity()) continue;
        const int x = static_cast<int>(lv.capability);  // 0 economy, 1 military, 2 population, 3 none
        for (int i = 0; i < n_; ++i) {
          for (int j = i + 1; j < n_; ++j) {
            double m = 1.0;
            if (x < 3 && lv.mass_exponent != 0) {
              const double base = capability(n, i, x) * capability(n, j, x) / (lv.mass_scale * lv.mass_scale);
              m = base > 0 ? std::pow(base, lv.mass_exponent) : 0.0;
            }
            if (x < 3 && lv.mass_asymmetry != 0) {  // the larger mass's extra exponent
              const double large = std::max(capability(n, i, x), capability(n, j, x)) / lv.mass_scale;
              m *= large > 0 ? std::pow(large, lv.mass_asymmetry) : 0.0;
            }
            mass[static_cast<std::size_t>(i) * n_ + j] = mass[static_cast<std::size_t>(j) * n_ + i] = m;
          }
        }
        for (int i = 0; i < n_; ++i) {
          for (int j = 0; j < n_; ++j) {
            if (i == j) continue;
            const std::size_t ij = static_cast<std::size_t>(i) * n_ + j;
            double g = mass[ij] * resist[k * NN + ij];
            // The opening of a relation (a channel that builds up after `opened`): skipped
            // (exactly 1) without an opening time or an opening year.
            const double o = sc_.opened.empty() ? kNeverOpened : sc_.opened[static_cast<std::size_t>(i) * n_ + j];
            if (lv.opening > 0 && o > kNeverOpened) {
              // exp(-x) as 2^(-x log2 e): exp2 gives the same bits in glibc and in the
              // WebAssembly build's musl, exp does not (docs/model.md eq. 14).
              const double t = info.time_at(n);
              g *= t < o ? 0.0 : 1.0 - std::exp2(-((t - o) / lv.opening) * kLog2e);
            }
            // Prices: a priced lever's flows move with the price index, (q(t)/q_0)^(pi_k s(i,j)).
            const double e = price.empty() ? 0.0 : lv.price_exponent * sc_.exposure[static_cast<std::size_t>(i) * n_ + j];
            if (e != 0) g *= std::pow(price[static_cast<std::size_t>(n)], e);
            gravity_[((static_cast<std::size_t>(n) * k_ + k) * n_ + i) * n_ + j] = g;
          }
        }
      }
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
  schedule();
}

Model Model::with_disabled(std::span<const int> moves, std::span<const int> events) const {
  Model m = *this;
  for (int i : moves) m.sc_.moves.at(static_cast<std::size_t>(i)).enabled = false;
  for (int i : events) m.sc_.events.at(static_cast<std::size_t>(i)).enabled = false;
  m.schedule();
  return m;
}

void Model::schedule() {
  const auto& info = sc_.info;
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
    idx.clear();
    for (const auto& l : lists) {
      idx.insert(idx.end(), l.begin(), l.end());
      start.push_back(static_cast<int>(idx.size()));
    }
  };
  csr(ev, event_start_, event_idx_);
  csr(mv, move_start_, move_idx_);
}

std::size_t batch_lanes(int capacity) {
  const std::size_t c = static_cast<std::size_t>(std::max(1, capacity));
  return c <= 2 ? c : (c + 7) / 8 * 8;
}

std::uint64_t run_seed(std::uint64_t seed, std::uint64_t run) {
  const std::uint64_t a = SplitMix64(seed).next();
  return SplitMix64(run ^ a).next();
}

// ---------------------------------------------------------------------------------------
// Lane kernels. Vector math on plain doubles, written so that GCC vectorises loops over
// lanes: no branches (selects only), no tables, no library calls (the square root is the
// IEEE instruction: -fno-math-errno). Accuracy: exp within ~1 ulp, log within ~2 ulp of the correctly rounded value,
// well inside the 1e-9 of the differential test against the NumPy reference.

namespace {

#if SMARTPOWER_X86 && defined(__GNUC__) && !defined(__clang__) && !defined(SMARTPOWER_NO_CLONES)
// Each step phase is compiled three times (AVX-512, AVX2+FMA hardware, baseline SSE2)
// and the loader picks the best the CPU has; everything it calls is inlined into it.
#define SP_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), flatten))
#else
#define SP_KERNEL
#endif
#define SP_INLINE inline __attribute__((always_inline))

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// e^x. |error| ~ 1 ulp for x in [-708, 709.78]; 0 below, +inf above, NaN stays NaN.
SP_INLINE double fexp(double x) {
  constexpr double kShifter = 6755399441055744.0;  // 1.5 * 2^52
  constexpr double kInvLn2 = 1.44269504088896338700e+00;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  const double xc = std::min(std::max(x, -708.0), 709.78);
  const double t = xc * kInvLn2 + kShifter;
  const double k = t - kShifter;  // nearest integer to x / ln 2
  const double r = std::fma(-k, kLn2Lo, std::fma(-k, kLn2Hi, xc));
  // Taylor to r^13, |r| <= 0.35, Horner with fused multiply-adds (std::fma: one
  // rounding on every instruction set, so every path gives the same bits).
  double p = 1.0 / 6227020800.0;
  p = std::fma(p, r, 1.0 / 479001600.0);
  p = std::fma(p, r, 1.0 / 39916800.0);
  p = std::fma(p, r, 1.0 / 3628800.0);
  p = std::fma(p, r, 1.0 / 362880.0);
  p = std::fma(p, r, 1.0 / 40320.0);
  p = std::fma(p, r, 1.0 / 5040.0);
  p = std::fma(p, r, 1.0 / 720.0);
  p = std::fma(p, r, 1.0 / 120.0);
  p = std::fma(p, r, 1.0 / 24.0);
  p = std::fma(p, r, 1.0 / 6.0);
  p = std::fma(p, r, 0.5);
  p = std::fma(p, r, 1.0);
  p = std::fma(p, r, 1.0);
  const std::uint64_t ki = std::bit_cast<std::uint64_t>(t) - std::bit_cast<std::uint64_t>(kShifter);
  const double s = std::bit_cast<double>((ki + 1022) << 52);  // 2^(k-1), k in [-1021, 1024]
  double y = p * s * 2.0;
  y = x < -708.0 ? 0.0 : y;
  y = x > 709.782712893384 ? kInf : y;
  return x != x ? x : y;
}

// ln of a positive normal x times 2^-54 if `sub` (a subnormal scaled up by the caller),
// no special cases (an infinity gives 709.78, a NaN some finite value), ~2 ulp.
SP_INLINE double flog_core(double x, bool sub) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  const std::uint64_t b = std::bit_cast<std::uint64_t>(x);
  double m = std::bit_cast<double>((b & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull);  // [1, 2)
  double e = std::bit_cast<double>(((b >> 52) & 0x7FF) | 0x4330000000000000ull) - (4503599627370496.0 + 1023.0);
  e = sub ? e - 54.0 : e;
  const bool big = m > 1.4142135623730951;
  m = big ? m * 0.5 : m;
  e = big ? e + 1.0 : e;
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double t = s * s;
  double q = 1.0 / 19.0;  // 2 atanh(s) = 2s (1 + s^2/3 + s^4/5 + ...), |s| <= 0.172
  q = std::fma(q, t, 1.0 / 17.0);
  q = std::fma(q, t, 1.0 / 15.0);
  q = std::fma(q, t, 1.0 / 13.0);
  q = std::fma(q, t, 1.0 / 11.0);
  q = std::fma(q, t, 1.0 / 9.0);
  q = std::fma(q, t, 1.0 / 7.0);
  q = std::fma(q, t, 1.0 / 5.0);
  q = std::fma(q, t, 1.0 / 3.0);
  const double s2 = 2.0 * s;
  return std::fma(e, kLn2Hi, std::fma(e, kLn2Lo, std::fma(s2, t * q, s2)));
}

// ln x for x > 0, finite or not (special cases left to the caller): the CES powers.
SP_INLINE double flog_positive(double x) {
  const bool sub = x < 2.2250738585072014e-308;
  return flog_core(sub ? x * 18014398509481984.0 : x, sub);  // 2^54: subnormals to normal
}

// ln x. ~2 ulp; ln 0 = -inf, ln(x < 0) = NaN, ln inf = inf.
SP_INLINE double flog(double x) {
  double y = flog_positive(x);
  y = x == 0.0 ? -kInf : y;
  y = x == kInf ? kInf : y;
  y = x < 0.0 ? kNaN : y;
  return x != x ? x : y;
}

SP_INLINE double ftanh(double z) {
  const double a = z < 0 ? -z : z;
  const double e = fexp(-2.0 * a);
  const double t = (1.0 - e) / (1.0 + e);
  return z < 0 ? -t : t;
}

// ln x in single precision for a positive normal float x (no special cases), ~1 ulp:
// the logistic noise's log(u / (1 - u)). Sixteen lanes to a 512-bit vector, a shorter
// series and a single-precision division: the noise needs no more digits than its
// 24-bit uniforms carry.
SP_INLINE float flogf_normal(float x) {
  const std::uint32_t b = std::bit_cast<std::uint32_t>(x);
  float m = std::bit_cast<float>((b & 0x007FFFFFu) | 0x3F800000u);  // [1, 2)
  float e = static_cast<float>(static_cast<std::int32_t>(b >> 23) - 127);
  const bool big = m > 1.41421356f;
  m = big ? m * 0.5f : m;
  e = big ? e + 1.0f : e;
  const float f = m - 1.0f;
  const float s = f / (2.0f + f);
  const float t = s * s;
  float q = 1.0f / 9.0f;  // 2 atanh(s) = 2s (1 + s^2/3 + ... + s^8/9), |s| <= 0.172
  q = std::fma(q, t, 1.0f / 7.0f);
  q = std::fma(q, t, 1.0f / 5.0f);
  q = std::fma(q, t, 1.0f / 3.0f);
  const float s2 = 2.0f * s;
  return std::fma(e, 0.693147182f, std::fma(s2, t * q, s2));
}

// A standard logistic variable (scale 1) from 24 random bits m: u = (h + 1/2) / 2^24 in
// (0, 1/2) from the low 23 bits h (exact in single precision), ln(u / (1 - u)) < 0, and
// bit 23 its sign: the logistic law, symmetric, |value| <= 17.33.
SP_INLINE float logistic24(std::uint64_t m) {
  const float u = (static_cast<float>(static_cast<std::int32_t>(m & 0x7FFFFFu)) + 0.5f) * 0x1.0p-24f;
  const float l = flogf_normal(u / (1.0f - u));
  return (m & 0x800000u) ? -l : l;
}

// e^x for x <= 0 (the softmax's exp(u - max u)); 0 below -708.
SP_INLINE double fexp_nonpositive(double x) {
  constexpr double kShifter = 6755399441055744.0;
  constexpr double kInvLn2 = 1.44269504088896338700e+00;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  const double xc = std::max(x, -708.0);
  const double t = xc * kInvLn2 + kShifter;
  const double k = t - kShifter;
  const double r = std::fma(-k, kLn2Lo, std::fma(-k, kLn2Hi, xc));
  double p = 1.0 / 6227020800.0;
  p = std::fma(p, r, 1.0 / 479001600.0);
  p = std::fma(p, r, 1.0 / 39916800.0);
  p = std::fma(p, r, 1.0 / 3628800.0);
  p = std::fma(p, r, 1.0 / 362880.0);
  p = std::fma(p, r, 1.0 / 40320.0);
  p = std::fma(p, r, 1.0 / 5040.0);
  p = std::fma(p, r, 1.0 / 720.0);
  p = std::fma(p, r, 1.0 / 120.0);
  p = std::fma(p, r, 1.0 / 24.0);
  p = std::fma(p, r, 1.0 / 6.0);
  p = std::fma(p, r, 0.5);
  p = std::fma(p, r, 1.0);
  p = std::fma(p, r, 1.0);
  const std::uint64_t ki = std::bit_cast<std::uint64_t>(t) - std::bit_cast<std::uint64_t>(kShifter);
  const double y = p * std::bit_cast<double>((ki + 1023) << 52);  // 2^k, k in [-1021, 0]
  return x < -708.0 ? 0.0 : y;
}

// e^x in single precision for x <= 0, ~1 ulp; 0 below -87 (the noisy softmax's weights,
// which need no more digits than its noise carries).
SP_INLINE float fexpf_nonpositive(float x) {
  constexpr float kShifter = 12582912.0f;  // 1.5 * 2^23
  const float xc = std::max(x, -87.0f);
  const float t = xc * 1.44269504f + kShifter;
  const float k = t - kShifter;  // nearest integer to x / ln 2, in [-126, 0]
  const float r = std::fma(-k, -2.12194440e-4f, std::fma(-k, 0.693359375f, xc));  // ln 2 = 0.693359375 - 2.12194440e-4
  float p = 1.0f / 5040.0f;  // Taylor to r^7, |r| <= 0.35
  p = std::fma(p, r, 1.0f / 720.0f);
  p = std::fma(p, r, 1.0f / 120.0f);
  p = std::fma(p, r, 1.0f / 24.0f);
  p = std::fma(p, r, 1.0f / 6.0f);
  p = std::fma(p, r, 0.5f);
  p = std::fma(p, r, 1.0f);
  p = std::fma(p, r, 1.0f);
  const std::uint32_t ki = std::bit_cast<std::uint32_t>(t) - std::bit_cast<std::uint32_t>(kShifter);
  const float y = p * std::bit_cast<float>((ki + 127u) << 23);  // 2^k
  return x < -87.0f ? 0.0f : y;
}

SP_INLINE std::uint64_t rotl64(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// Returns to engagement x^gamma (docs/model.md eq. 6; 0^gamma = 0, x < 0 counts as 0),
// with the exponent's common cases (1 and 1/2) picked once per loop, not per lane:
// with_returns(gamma, f) calls f with the case as a compile-time tag.
enum class Returns { linear, sqrt, power };
template <Returns R>
using ReturnsTag = std::integral_constant<Returns, R>;
template <class F>
SP_INLINE void with_returns(double gamma, F&& f) {
  if (gamma == 1.0) {
    f(ReturnsTag<Returns::linear>{});
  } else if (gamma == 0.5) {
    f(ReturnsTag<Returns::sqrt>{});
  } else {
    f(ReturnsTag<Returns::power>{});
  }
}
template <Returns R>
SP_INLINE double returns_of(double x, double gamma) {
  const double v = x > 0 ? x : 0.0;
  if constexpr (R == Returns::linear) {
    return v;
  } else if constexpr (R == Returns::sqrt) {
    return std::sqrt(v);
  } else {
    return v > 0 ? fexp(gamma * flog(v)) : 0.0;
  }
}

// [4] [6] [7] [11] for lever k and dyad (i, j): influence of j over i, added to i's soft
// or hard power from j; and j's threat pressure on i. `R_soft` is i's soft receptivity
// to j (soft levers), `R_hard` the hard one (hard levers). One pass over the lanes.
template <Returns R>
SP_INLINE void influence_lanes(const double* __restrict sji, const double* __restrict sij, double* __restrict out,
                               double* __restrict acc, double* __restrict press, const double* __restrict R_soft,
                               double R_hard, std::size_t P, double wk, double rec, double gamma, double th) {
  if (R_soft) {
    for (std::size_t r = 0; r < P; ++r) {
      const double e = returns_of<R>(sji[r] + rec * sij[r], gamma);  // j's engagement toward i
      out[r] = wk * e * R_soft[r];
      acc[r] += out[r];
    }
  } else {
    for (std::size_t r = 0; r < P; ++r) {
      const double e = returns_of<R>(sji[r] + rec * sij[r], gamma);
      out[r] = wk * e * R_hard;
      acc[r] += out[r];
    }
  }
  if (th != 0) {
    for (std::size_t r = 0; r < P; ++r) press[r] += th * returns_of<R>(sji[r], gamma);  // S[k](j,i)^gamma
  }
}

// The same for both dyads (i, j) and (j, i) of a lever with full reciprocity, whose
// engagement S(j,i) + S(i,j) is the same both ways: one power per pair, not two.
template <Returns R>
SP_INLINE void influence_pair_lanes(const double* __restrict sji, const double* __restrict sij,
                                    double* __restrict out_ij, double* __restrict out_ji, double* __restrict acc_ij,
                                    double* __restrict acc_ji, const double* __restrict rs_ij,
                                    const double* __restrict rs_ji, double rh_ij, double rh_ji, std::size_t P,
                                    double wk, double gamma) {
  if (rs_ij) {
    for (std::size_t r = 0; r < P; ++r) {
      const double e = returns_of<R>(sji[r] + sij[r], gamma);
      out_ij[r] = wk * e * rs_ij[r];
      out_ji[r] = wk * e * rs_ji[r];
      acc_ij[r] += out_ij[r];
      acc_ji[r] += out_ji[r];
    }
  } else {
    for (std::size_t r = 0; r < P; ++r) {
      const double e = returns_of<R>(sji[r] + sij[r], gamma);
      out_ij[r] = wk * e * rh_ij;
      out_ji[r] = wk * e * rh_ji;
      acc_ij[r] += out_ij[r];
      acc_ji[r] += out_ji[r];
    }
  }
}

// Lever k for the pair {i, j}: both dyads, one call. `out_*` may be lane-sized scratch
// buffers where the influences are not kept.
template <Returns R>
SP_INLINE void influence_both(const double* sij, const double* sji, double* out_ij, double* out_ji, double* acc_ij,
                              double* acc_ji, double* press_ij, double* press_ji, const double* rs_ij,
                              const double* rs_ji, double rh_ij, double rh_ji, std::size_t P, double wk, double rec,
                              double gamma, double th) {
  if (rec == 1.0 && th == 0) {
    influence_pair_lanes<R>(sji, sij, out_ij, out_ji, acc_ij, acc_ji, rs_ij, rs_ji, rh_ij, rh_ji, P, wk, gamma);
  } else {
    influence_lanes<R>(sji, sij, out_ij, acc_ij, press_ij, rs_ij, rh_ij, P, wk, rec, gamma, th);
    influence_lanes<R>(sij, sji, out_ji, acc_ji, press_ji, rs_ji, rh_ji, P, wk, rec, gamma, th);
  }
}

// [15] a stock after one step: keep * stock + dt * effort, never below 0 (keep = 1 - decay dt).
SP_INLINE double stock_step(double keep, double stock, double dt, double effort) {
  const double v = keep * stock + dt * effort;
  return v > 0 ? v : 0.0;
}

// Whether every lane's finiteness sum is finite.
SP_INLINE bool lanes_finite(const double* acc, std::size_t W) {
  double z = 0;  // 0 while every lane's sum is finite, NaN otherwise
  for (std::size_t r = 0; r < W; ++r) z += acc[r] - acc[r];
  return z == 0;
}

// Calls f(i, j) for every pair i < j, in 16 x 16 tiles of actors: the (j, i) entries a pair
// also reads then lie in 16 rows of 16 neighbouring entries, not in one row per pair (at
// N = 256 the rows of an 8-run batch's metric are 16 KB apart: every (j, i) of a row-major
// walk was on a new page). Each pair's work is its own, so the order changes no value.
template <class F>
SP_INLINE void for_pairs(int N, F&& f) {
  constexpr int B = 16;
  for (int ib = 0; ib < N; ib += B) {
    for (int jb = ib; jb < N; jb += B) {
      for (int i = ib; i < std::min(ib + B, N); ++i) {
        for (int j = std::max(jb, i + 1); j < std::min(jb + B, N); ++j) f(i, j);
      }
    }
  }
}

// Finiteness sums: acc[r] += v[r] (a NaN or infinity in any lane's values stays in its sum).
SP_INLINE void add_lanes(double* __restrict acc, const double* __restrict v, std::size_t P) {
  for (std::size_t r = 0; r < P; ++r) acc[r] += v[r];
}

// One option (lever k, partner j) of the deciding actor: its utility's terms and where
// its lanes go (double without noise, float with).
template <class T>
struct Option {
  T bias;          // actors.lever_bias[k]
  const T* cm;     // partner terms
  const T* ex;     // lever-kind terms for the partner
  T* u;            // utilities, then softmax weights
  double* effort;  // effort[k](i, j)
  double g;        // gravity factor g[k](i, j) of this step (1: none)
};

}  // namespace

// ---------------------------------------------------------------------------------------
// Arrays on 64-byte boundaries: with a plain vector (16-byte aligned) every 512-bit load
// of a lane vector straddled two cache lines.
template <class T>
struct CacheAligned {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  CacheAligned() = default;
  template <class U>
  CacheAligned(const CacheAligned<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, kAlign); }
  template <class U>
  bool operator==(const CacheAligned<U>&) const { return true; }
};
template <class T>
using Lanes = std::vector<T, CacheAligned<T>>;

// ---------------------------------------------------------------------------------------
// A batch's state: every metric entry q is a vector of P lanes at x[q * P].
struct BatchSimulator::Work {
  const Model& m;
  const MetricLayout& L;
  int N, K, T;
  std::size_t NN, M, P;
  int W = 0;  // lanes holding real runs (the others repeat them and are ignored)
  Lanes<double> x;                      // M * P: metrics; stock and alignment are the state
  Lanes<double> rs, press;              // NN * P: soft receptivity, threat pressure
  std::vector<double> rh, pm;           // 4 * NN, NN: hard receptivity, proximity * military share (same for all runs)
  int caps_step = -1;                   // the instant whose capabilities rh and pm hold
  Lanes<double> util;                   // K * (N - 1) * P: one actor's options
  std::vector<Option<double>> options;  // K * (N - 1): the same options' terms
  // The same in single precision, for actors with noise.
  Lanes<float> futil, fcommon, fsx, fhx, fumax;
  std::vector<Option<float>> foptions;
  Lanes<double> common, sx, hx;          // N * P: per-partner utility terms of one actor
  Lanes<double> t0, t1, t2, umax, tmax;  // P
  Lanes<double> chk;                     // P: finiteness sums of the unrecorded instants
  int stock_rows_done = 0;               // stock rows decide already updated this step
  std::vector<double> keep;              // K: 1 - decay * dt, what a stock keeps per step
  bool fetch_ahead = false;              // past the caches: a dyad metric of over 1 MiB
  Lanes<std::int64_t> top;               // P
  Lanes<std::uint64_t> rng;              // 4 * P: xoshiro256++ state, word-major
  std::vector<std::pair<std::size_t, std::size_t>> live;  // entries that can be non-zero
  // The live ranges joined across gaps of at most kJoin entries (which are 0): what the
  // finiteness pass sums, in few long loops instead of one short loop per dyad row.
  std::vector<std::pair<std::size_t, std::size_t>> scan;
  static constexpr std::size_t kJoin = 8;

  Work(const Model& model, int capacity)
      : m(model), L(model.layout()), N(model.n_actors()), K(model.n_levers()), T(model.steps()) {
    NN = static_cast<std::size_t>(N) * N;
    M = L.size();
    P = batch_lanes(capacity);
    x.assign(M * P, 0.0);
    rs.assign(NN * P, 0.0);
    press.assign(NN * P, 0.0);
    rh.assign(4 * NN, 0.0);
    pm.assign(NN, 0.0);
    util.assign(static_cast<std::size_t>(K) * std::max(N - 1, 1) * P, 0.0);
    options.assign(static_cast<std::size_t>(K) * std::max(N - 1, 1), Option<double>{});
    foptions.assign(options.size(), Option<float>{});
    futil.assign(util.size(), 0.0f);
    for (auto* v : {&fcommon, &fsx, &fhx}) v->assign(static_cast<std::size_t>(N) * P, 0.0f);
    fumax.assign(P, 0.0f);
    common.assign(static_cast<std::size_t>(N) * P, 0.0);
    sx.assign(common.size(), 0.0);
    hx.assign(common.size(), 0.0);
    for (auto* v : {&t0, &t1, &t2, &umax, &tmax, &chk}) v->assign(P, 0.0);
    top.assign(P, 0);
    rng.assign(4 * P, 0);
    for (const Lever& lv : m.scenario().levers) keep.push_back(1 - lv.decay * m.scenario().info.dt);
    fetch_ahead = P * NN * sizeof(double) > (std::size_t{1} << 20);
    // Entries that can be non-zero: i == j entries stay 0, and so do real/volume of
    // levers without a unit_scale and flow without a flow_scale (stock and alignment keep whatever the scenario starts with).
    std::vector<char> on(M, 0);
    for (int mi = 0; mi < kMetricCount; ++mi) {
      const auto metric = static_cast<Metric>(mi);
      const std::size_t o = L.offset(metric);
      const Shape shape = metric_info(metric).shape;
      if (shape == Shape::actor) {
        std::fill_n(on.begin() + o, N, 1);
        continue;
      }
      const int blocks = shape == Shape::dyad ? 1 : K;
      for (int k = 0; k < blocks; ++k) {
        if (shape == Shape::dyad_lever && !lever_metric_on(metric, m.scenario().levers[k])) continue;
        const bool whole = metric == Metric::stock || metric == Metric::alignment || metric == Metric::real;
        for (std::size_t ij = 0; ij < NN; ++ij) {
          if (whole || ij / N != ij % N) on[o + k * NN + ij] = 1;
        }
      }
    }
    for (std::size_t q = 0; q < M; ++q) {
      if (!on[q]) continue;
      if (!live.empty() && live.back().second == q) {
        live.back().second = q + 1;
      } else {
        live.emplace_back(q, q + 1);
      }
    }
    for (const auto& range : live) {
      if (!scan.empty() && range.first - scan.back().second <= kJoin) {
        scan.back().second = range.second;
      } else {
        scan.push_back(range);
      }
    }
  }
  double* X(Metric metric) { return x.data() + L.offset(metric) * P; }
};

namespace {
using Work = BatchSimulator::Work;

void apply_events(Work& w, int n) {
  const Scenario& sc = w.m.scenario();
  const std::size_t P = w.P;
  for (int e : w.m.events_at(n)) {
    const Event& ev = sc.events[e];
    auto apply = [&](int a, int b) {
      if (ev.lever >= 0 && ev.stock != 0) {
        double* s = w.x.data() + w.L.index(Metric::stock, a, b, ev.lever) * P;
        for (std::size_t r = 0; r < P; ++r) s[r] = std::max(0.0, s[r] + ev.stock);
      }
      if (ev.alignment != 0) {
        double* al = w.x.data() + w.L.index(Metric::alignment, a, b) * P;
        for (std::size_t r = 0; r < P; ++r) al[r] = std::clamp(al[r] + ev.alignment, -1.0, 1.0);
      }
    };
    apply(ev.actor, ev.target);
    if (ev.mutual) apply(ev.target, ev.actor);
  }
}

// CES aggregate [8] of n lanes, as big * (w_big + w_small * (small/big)^rho)^(1/rho):
// two powers instead of three, and the ratio is at most 1.
SP_INLINE void ces_lanes(double* out, const double* h, const double* s, std::size_t n, double alpha, double rho) {
  if (rho == 0) {
    for (std::size_t r = 0; r < n; ++r) {
      const double lh = alpha == 0 ? 0.0 : alpha * flog(h[r]);
      const double ls = alpha == 1 ? 0.0 : (1 - alpha) * flog(s[r]);
      out[r] = (h[r] <= 0 && s[r] <= 0) ? 0.0 : fexp(lh + ls);
    }
    return;
  }
  // The logarithms' special cases handled once around them, not in every call: a zero
  // ratio gives ratio^rho = 0 or inf, t = 0 (alpha 0 or 1) gives t^(1/rho) = 0 for rho > 0
  // and t = inf gives 0 for rho < 0; a NaN ratio or t stays NaN. The same values as the
  // general logarithm's (checked on 600,000 edge cases: zeros, subnormals, infinities, NaNs,
  // alpha 0 and 1).
  const double inv = 1 / rho, oma = 1 - alpha;
  const double x0 = rho > 0 ? 0.0 : kInf;  // ratio^rho at ratio = 0
  for (std::size_t r = 0; r < n; ++r) {
    const bool hb = h[r] >= s[r];
    const double big = hb ? h[r] : s[r], small = hb ? s[r] : h[r];
    const double wb = hb ? alpha : oma, ws = hb ? oma : alpha;
    const double ratio = small / big;  // in [0, 1]; NaN for 0/0 (zero below) or a NaN input
    const double x = ratio > 0 ? fexp(rho * flog_positive(ratio)) : x0;
    const double t = std::fma(ws, x, wb);
    const double c = big * (t == 0 || t == kInf ? 0.0 : fexp(inv * flog_positive(t)));
    const bool zero = rho < 0 ? (h[r] <= 0 || s[r] <= 0) : (h[r] <= 0 && s[r] <= 0);
    const bool nan = ratio != ratio || t != t;  // one mask: nested NaN selects stopped GCC vectorising
    out[r] = zero ? 0.0 : (nan ? kNaN : c);
  }
}

// `full`: also the metrics only recorded, never read by the model (lever_dependence, real,
// volume), and the influences kept per lever; skipped at the instants nobody records.
// `check`: add every dyad and actor metric to the lanes' finiteness sums w.chk as it is
// written (the state reaches them: stocks through the influences, alignment through the
// affinity), instead of a separate pass over the batch.
SP_KERNEL void derive_batch(Work& w, int n, bool full, bool check) {
  const Model& m = w.m;
  const Scenario& sc = m.scenario();
  const ModelParams& p = sc.params;
  const int N = w.N, K = w.K;
  const std::size_t NN = w.NN, P = w.P;
  const double* S = w.X(Metric::stock);
  const double* A = w.X(Metric::alignment);
  double* aff = w.X(Metric::affinity);
  double* soft = w.X(Metric::soft);
  double* hard = w.X(Metric::hard);
  double* smart = w.X(Metric::smart);
  double* soft_share = w.X(Metric::soft_share);
  double* dep = w.X(Metric::dependence);
  double* threat = w.X(Metric::threat);
  double* counter = w.X(Metric::counter);
  double* inf = w.X(Metric::influence);
  double* ldep = w.X(Metric::lever_dependence);
  double* real = w.X(Metric::real);
  double* volume = w.X(Metric::volume);
  double* bal = w.X(Metric::balance);
  double* conc = w.X(Metric::hhi);
  double* bud = w.X(Metric::budget);
  double* rs = w.rs.data();
  double* press = w.press.data();
  double* E = w.t0.data();
  double* G = w.t1.data();

  // Run-independent: [5] hard receptivities, [11] proximity * military share, from the
  // capabilities of instant n: recomputed only where they differ from those last used.
  bool same_caps = w.caps_step >= 0;
  for (int i = 0; i < N && same_caps; ++i) {
    for (int c = 0; c < 3; ++c) same_caps = same_caps && m.capability(n, i, c) == m.capability(w.caps_step, i, c);
  }
  w.caps_step = n;
  for (int i = 0; i < N && !same_caps; ++i) {
    for (int j = 0; j < N; ++j) {
      if (i == j) continue;
      const std::size_t ij = static_cast<std::size_t>(i) * N + j;
      for (int c = 0; c < 3; ++c) {
        const double sh = share(m.capability(n, j, c), m.capability(n, i, c));
        w.rh[c * NN + ij] = p.need_exponent == 1.0 ? sh : std::pow(sh, p.need_exponent);
      }
      w.rh[3 * NN + ij] = 1.0;
      const double prox = p.proximity_floor + (1 - p.proximity_floor) * sc.border[ij];
      w.pm[ij] = prox * share(m.capability(n, j, 1), m.capability(n, i, 1));
    }
  }
  // [3] affinity, [5] soft receptivity.
  const double c1 = (1 - p.identity_share) * 0.5, omr0 = 1 - p.soft_floor, kappa = p.affinity_exponent;
  for (int i = 0; i < N; ++i) {
    for (int j = 0; j < N; ++j) {
      if (i == j) continue;
      const std::size_t ij = static_cast<std::size_t>(i) * N + j;
      const double c0 = p.identity_share * m.similarity(i, j);
      double* a = aff + ij * P;
      const double* al = A + ij * P;
      double* q = rs + ij * P;
      for (std::size_t r = 0; r < P; ++r) a[r] = c0 + c1 * (1 + al[r]);
      if (check) add_lanes(w.chk.data(), a, P);
      if (kappa == 1.0) {
        for (std::size_t r = 0; r < P; ++r) q[r] = p.soft_floor + omr0 * a[r];
      } else {
        for (std::size_t r = 0; r < P; ++r) q[r] = p.soft_floor + omr0 * fexp(kappa * flog(a[r]));
      }
    }
  }
  // [4] [6] [7] influence, soft and hard; [11] threat pressure. Pair by pair, every
  // lever in order: each stock is read once, and a dyad's sums (lever 0 first, as
  // always) stay in cache while they are built.
  std::fill(soft, soft + NN * P, 0.0);
  std::fill(hard, hard + NN * P, 0.0);
  std::fill(press, press + NN * P, p.threat_base);
  // Past the caches (a dyad metric of over 1 MiB), fetch the next tile row's entries
  // while this pair is computed: the tile's rows are too many streams for the hardware's
  // prefetcher.
  for_pairs(N, [&](int i, int j) {
      const std::size_t ij = static_cast<std::size_t>(i) * N + j, ji = static_cast<std::size_t>(j) * N + i;
      if (w.fetch_ahead && i + 1 < N) {  // the entries of pair (i + 1, j), next row of the tile
        const std::size_t nij = ij + N, nji = ji + 1;
        for (int k = 0; k < K; ++k) {
          __builtin_prefetch(S + (k * NN + nij) * P);
          __builtin_prefetch(S + (k * NN + nji) * P);
        }
        for (double* v : {soft, hard, press, rs}) {
          __builtin_prefetch(v + nij * P, 1);
          __builtin_prefetch(v + nji * P, 1);
        }
      }
      for (int k = 0; k < K; ++k) {
        const Lever& lv = sc.levers[k];
        const double* Sk = S + k * NN * P;
        double* infk = inf + k * NN * P;
        double* out_ij = full ? infk + ij * P : E;  // influences kept only where recorded
        double* out_ji = full ? infk + ji * P : G;
        double* acc = lv.kind == LeverKind::soft ? soft : hard;
        const double* R_soft = lv.kind == LeverKind::soft ? rs : nullptr;
        const double* Rh = w.rh.data() + static_cast<int>(lv.capability) * NN;
        const double* rs_ij = R_soft ? R_soft + ij * P : nullptr;
        const double* rs_ji = R_soft ? R_soft + ji * P : nullptr;
        const double wk = lv.weight, rec = lv.reciprocity, gamma = lv.returns, th = lv.threat;
        with_returns(gamma, [&](auto kind) {
          influence_both<decltype(kind)::value>(Sk + ij * P, Sk + ji * P, out_ij, out_ji, acc + ij * P,
                                                acc + ji * P, press + ij * P, press + ji * P, rs_ij, rs_ji, Rh[ij],
                                                Rh[ji], P, wk, rec, gamma, th);
        });
      }
  });
  for (int k = 0; k < K; ++k) {
    const Lever& lv = sc.levers[k];
    const double* Sk = S + k * NN * P;
    if (full && lv.unit_scale > 0) {
      const double us = lv.unit_scale;
      for (int i = 0; i < N; ++i) {
        for (int j = 0; j < N; ++j) {
          const std::size_t ij = static_cast<std::size_t>(i) * N + j, ji = static_cast<std::size_t>(j) * N + i;
          const double* sij = Sk + ij * P;
          const double* sji = Sk + ji * P;
          double* re = real + (k * NN + ij) * P;
          double* vo = volume + (k * NN + ij) * P;
          for (std::size_t r = 0; r < P; ++r) re[r] = us * sij[r];
          if (i != j) {
            for (std::size_t r = 0; r < P; ++r) vo[r] = us * (sij[r] + sji[r]);
          }
        }
      }
    }
  }
  // [8] smart power, [9] dependence, [10] HHI and balance, per-lever dependence.
  const int partners = N - 1;
  const double even = 1.0 / partners;
  double* total = E;
  double* h = G;
  for (int i = 0; i < N; ++i) {
    std::fill(total, total + P, 0.0);
    for (int j = 0; j < N; ++j) {
      if (i == j) continue;
      const std::size_t o = (static_cast<std::size_t>(i) * N + j) * P;
      ces_lanes(smart + o, hard + o, soft + o, P, p.alpha, p.rho);
      for (std::size_t r = 0; r < P; ++r) {
        const double sh = soft[o + r] + hard[o + r];
        soft_share[o + r] = sh > 0 ? soft[o + r] / sh : 0.0;
        total[r] += smart[o + r];
      }
      if (check) {
        for (const double* v : {soft + o, hard + o, smart + o, soft_share + o}) add_lanes(w.chk.data(), v, P);
      }
    }
    std::fill(h, h + P, 0.0);
    for (int j = 0; j < N; ++j) {
      if (i == j) continue;
      const std::size_t o = (static_cast<std::size_t>(i) * N + j) * P;
      for (std::size_t r = 0; r < P; ++r) {
        const double d = total[r] > 0 ? smart[o + r] / total[r] : even;
        dep[o + r] = d;
        h[r] += d * d;
      }
    }
    double* ci = conc + static_cast<std::size_t>(i) * P;
    double* bi = bal + static_cast<std::size_t>(i) * P;
    for (std::size_t r = 0; r < P; ++r) {
      ci[r] = h[r];
      bi[r] = partners < 2 ? 0.0 : std::clamp(1 - (h[r] - even) / (1 - even), 0.0, 1.0);
    }
    if (check) {  // h sums the squared shares, so it covers every dependence entry of row i
      add_lanes(w.chk.data(), ci, P);
      add_lanes(w.chk.data(), bi, P);
    }
    std::fill(bud + static_cast<std::size_t>(i) * P, bud + static_cast<std::size_t>(i + 1) * P, m.budget(n, i));
    for (int k = 0; k < K && full; ++k) {
      const double* infk = inf + (k * NN + static_cast<std::size_t>(i) * N) * P;
      double* ld = ldep + (k * NN + static_cast<std::size_t>(i) * N) * P;
      double* lt = w.t2.data();
      std::fill(lt, lt + P, 0.0);
      for (int j = 0; j < N; ++j) {
        if (j == i) continue;
        for (std::size_t r = 0; r < P; ++r) lt[r] += infk[j * P + r];
      }
      for (std::size_t r = 0; r < P; ++r) lt[r] = lt[r] > 0 ? 1.0 / lt[r] : 0.0;  // reciprocal, 0 = none
      for (int j = 0; j < N; ++j) {
        if (j == i) continue;
        for (std::size_t r = 0; r < P; ++r) ld[j * P + r] = lt[r] > 0 ? infk[j * P + r] * lt[r] : even;
      }
    }
  }
  // [11] threat, [12] top threat and counterweights.
  double* tmax = w.tmax.data();
  std::int64_t* top = w.top.data();
  for (int i = 0; i < N; ++i) {
    std::fill(tmax, tmax + P, -1.0);
    std::fill(top, top + P, -1);
    for (int j = 0; j < N; ++j) {
      if (i == j) continue;
      const std::size_t ij = static_cast<std::size_t>(i) * N + j, o = ij * P;
      const double c = w.pm[ij];
      for (std::size_t r = 0; r < P; ++r) {
        const double t =
            c * press[o + r] / (1 + p.threat_soft_damping * soft[o + r] + p.threat_affinity_damping * aff[o + r]);
        threat[o + r] = t;
        const bool more = t > tmax[r];
        tmax[r] = more ? t : tmax[r];
        top[r] = more ? j : top[r];
      }
      if (check) add_lanes(w.chk.data(), threat + o, P);
    }
    for (int j = 0; j < N; ++j) {
      if (i == j) continue;
      double* co = counter + (static_cast<std::size_t>(i) * N + j) * P;
      const double* Aj = A + static_cast<std::size_t>(j) * N * P;  // A(j, .)
      for (std::size_t r = 0; r < P; ++r) {
        const std::int64_t t = top[r] < 0 ? 0 : top[r];
        const double a = Aj[static_cast<std::size_t>(t) * P + r];
        co[r] = (top[r] < 0 || top[r] == j) ? 0.0 : tmax[r] * (1 - std::max(0.0, a));
      }
      if (check) add_lanes(w.chk.data(), co, P);
    }
  }
}

// x as a T; to float, clamped to the float range (NaN stays NaN), so that a value too large
// for a float shows as the largest float instead of being an undefined conversion.
template <class T>
SP_INLINE T narrow(double x) {
  if constexpr (std::is_same_v<T, float>) {
    constexpr double kMax = std::numeric_limits<float>::max();
    return static_cast<float>(x > kMax ? kMax : (x < -kMax ? -kMax : x));
  } else {
    return x;
  }
}

// Calls body(r) for every lane r < P; when P is a multiple of 8 but not of 16, in blocks of
// 8 lanes: loops of a known trip count, which GCC vectorises at a width that fits them. A
// plain loop over the P = 8 lanes of a large-N batch would never reach its 16-float
// vector body (the single-precision loops) and run scalar.
template <class Body>
SP_INLINE void for_lanes(std::size_t P, Body&& body) {
  if (P % 8 == 0 && P % 16 != 0) {
    for (std::size_t b = 0; b < P; b += 8) {
      for (std::size_t r = b; r < b + 8; ++r) body(r);
    }
  } else {
    for (std::size_t r = 0; r < P; ++r) body(r);
  }
}

// Utilities of options a and b (Two) or a alone, every lane, with the run's logistic
// noise, in T (float; double where a float would overflow): one xoshiro256++ draw per lane
// gives both options' noise (bits 40-63 for a, 16-39 for b). __restrict: the buffers never
// overlap, so GCC vectorises without run-time alias checks (too many pointers for it to
// version otherwise).
template <bool Two, std::size_t B, class T>
SP_INLINE void noisy_block(std::uint64_t* __restrict s0, std::uint64_t* __restrict s1, std::uint64_t* __restrict s2,
                           std::uint64_t* __restrict s3, const T* __restrict cma, const T* __restrict exa,
                           T* __restrict ua, const T* __restrict cmb, const T* __restrict exb, T* __restrict ub,
                           T* __restrict umax, std::size_t P, T lba, T lbb, T sk, T inv_t) {
  for (std::size_t b = 0; b < P; b += B) {
    for (std::size_t r = b; r < b + B; ++r) {
      const std::uint64_t res = rotl64(s0[r] + s3[r], 23) + s0[r];
      const std::uint64_t t = s1[r] << 17;
      s2[r] ^= s0[r];
      s3[r] ^= s1[r];
      s1[r] ^= s2[r];
      s0[r] ^= s3[r];
      s2[r] ^= t;
      s3[r] = rotl64(s3[r], 45);
      const T va = (lba + cma[r] + exa[r] + sk * static_cast<T>(logistic24(res >> 40))) * inv_t;
      ua[r] = va;
      if constexpr (Two) {
        const T vb = (lbb + cmb[r] + exb[r] + sk * static_cast<T>(logistic24(res >> 16))) * inv_t;
        ub[r] = vb;
        umax[r] = std::max(umax[r], std::max(va, vb));
      } else {
        umax[r] = std::max(umax[r], va);
      }
    }
  }
}
template <bool Two, class T>
SP_INLINE void noisy_utilities(std::uint64_t* s0, std::uint64_t* s1, std::uint64_t* s2, std::uint64_t* s3,
                               const T* cma, const T* exa, T* ua, const T* cmb, const T* exb, T* ub, T* umax,
                               std::size_t P, T lba, T lbb, T sk, T inv_t) {
  if (P % 8 == 0 && P % 16 != 0) {  // see for_lanes
    noisy_block<Two, 8>(s0, s1, s2, s3, cma, exa, ua, cmb, exb, ub, umax, P, lba, lbb, sk, inv_t);
  } else {
    noisy_block<Two, 1>(s0, s1, s2, s3, cma, exa, ua, cmb, exb, ub, umax, P, lba, lbb, sk, inv_t);
  }
}

// [15] stocks of actor i's row from its efforts, every lever (i = j stays 0).
SP_INLINE void update_stock_row(Work& w, int i) {
  const Scenario& sc = w.m.scenario();
  const int N = w.N, K = w.K;
  const std::size_t NN = w.NN, P = w.P;
  const double dt = sc.info.dt;
  double* S = w.X(Metric::stock);
  const double* effort = w.X(Metric::effort);
  for (int k = 0; k < K; ++k) {
    const double keep = w.keep[k];
    const std::size_t row = (k * NN + static_cast<std::size_t>(i) * N) * P;
    const std::size_t cuts[2][2] = {{0, static_cast<std::size_t>(i) * P},
                                    {static_cast<std::size_t>(i + 1) * P, static_cast<std::size_t>(N) * P}};
    for (const auto& [b, e] : cuts) {
      double* Sk = S + row;
      const double* ek = effort + row;
      for (std::size_t q = b; q < e; ++q) Sk[q] = stock_step(keep, Sk[q], dt, ek[q]);
    }
  }
}

// [13] [14]: utilities, noise and the softmax allocation of every actor's budget.
SP_KERNEL void decide_batch(Work& w, int n, bool check) {
  const Model& m = w.m;
  const Scenario& sc = m.scenario();
  const ModelParams& p = sc.params;
  const int N = w.N, K = w.K;
  const int partners = N - 1;
  const std::size_t NN = w.NN, P = w.P;
  const double* aff = w.X(Metric::affinity);
  const double* soft = w.X(Metric::soft);
  const double* hard = w.X(Metric::hard);
  const double* dep = w.X(Metric::dependence);
  const double* counter = w.X(Metric::counter);
  double* effort = w.X(Metric::effort);
  std::uint64_t* s0 = w.rng.data();
  std::uint64_t* s1 = s0 + P;
  std::uint64_t* s2 = s1 + P;
  std::uint64_t* s3 = s2 + P;
  double* umax = w.umax.data();
  const auto moves = m.moves_at(n);
  const std::ptrdiff_t stock_from_effort = w.X(Metric::stock) - effort;
  const double dt = sc.info.dt;

  for (int i = 0; i < N; ++i) {
    const Actor& a = sc.actors[i];
    const Strategy& st = a.strategy;
    double econ_total = 0;
    for (int j = 0; j < N; ++j) {
      if (j != i) econ_total += m.capability(n, j, 0);
    }
    const double sigma = a.noise * p.noise;
    const double inv_t = 1.0 / a.temperature;
    // Terms that depend on the partner only (and on the lever's kind), in T (float or
    // double, see below).
    auto partner_terms = [&](auto* common, auto* sx, auto* hx) {
      using T = std::remove_pointer_t<decltype(common)>;
      for (int j = 0; j < N; ++j) {
        if (j == i) continue;
        const std::size_t ij = (static_cast<std::size_t>(i) * N + j) * P,
                          ji = (static_cast<std::size_t>(j) * N + i) * P;
        T* cm = common + static_cast<std::size_t>(j) * P;
        T* se = sx + static_cast<std::size_t>(j) * P;
        T* he = hx + static_cast<std::size_t>(j) * P;
        const double sphere = st.sphere * sc.border[static_cast<std::size_t>(i) * N + j];
        const double expansion =
            st.expansion != 0 && econ_total > 0 ? st.expansion * m.capability(n, j, 0) / econ_total : 0.0;
        for_lanes(P, [&](std::size_t r) {
          double c = a.partner_bias[j];
          c += st.diversify * (1 - partners * dep[ij + r]);
          c += st.counter_threat * counter[ij + r];
          c += sphere * (1 - dep[ji + r]);
          cm[r] = narrow<T>(c);
          // smart_mix: i's own power over j is (soft, hard)[j][i].
          const double tot = soft[ji + r] + hard[ji + r];
          const double mix = st.smart_mix * ((tot > 0 ? hard[ji + r] / tot : p.alpha) - p.alpha);
          se[r] = narrow<T>(st.affinity * aff[ij + r] + mix);
          he[r] = narrow<T>(expansion - mix);
        });
      }
    };
    // Every (lever, partner) option, lever-major.
    auto options = [&](auto* ops, auto* common, auto* sx, auto* hx, auto* util) {
      std::size_t opts = 0;
      for (int k = 0; k < K; ++k) {
        const auto* extra = sc.levers[k].kind == LeverKind::soft ? sx : hx;
        for (int j = 0; j < N; ++j) {
          if (j == i) continue;
          const std::size_t jp = static_cast<std::size_t>(j) * P;
          ops[opts] = {static_cast<std::remove_pointer_t<decltype(util)>>(a.lever_bias[k]), common + jp, extra + jp,
                       util + opts * P, effort + (k * NN + static_cast<std::size_t>(i) * N + j) * P,
                       m.gravity(n, k, i, j)};
          ++opts;
        }
      }
      return opts;
    };
    // Large batches (past the caches): while option o's utilities are computed, fetch the
    // entries its effort and stock will need, and (options 0 to N - 1) those of the next
    // actor's partner terms, whose (j, i) columns are a row apart each.
    auto ahead = [&](const auto* ops, std::size_t o) {
      if (!w.fetch_ahead) return;
      if (!check) __builtin_prefetch(ops[o].effort, 1);  // with check, the efforts may go straight to the stocks
      __builtin_prefetch(ops[o].effort + stock_from_effort, 1);
      const int j = static_cast<int>(o), i1 = i + 1;
      if (j < N && i1 < N && j != i1) {
        const std::size_t ij = (static_cast<std::size_t>(i1) * N + j) * P, ji = (static_cast<std::size_t>(j) * N + i1) * P;
        for (const double* v : {dep + ij, counter + ij, aff + ij, dep + ji, soft + ji, hard + ji}) __builtin_prefetch(v);
      }
    };
    // Noisy utilities of every option, drawn in option order per run, two options a draw.
    auto noisy = [&](auto* ops, std::size_t opts, auto* umax, auto sk, auto inv_t) {
      using T = decltype(sk);
      std::size_t o = 0;
      for (; o + 1 < opts; o += 2) {
        ahead(ops, o);
        ahead(ops, o + 1);
        noisy_utilities<true, T>(s0, s1, s2, s3, ops[o].cm, ops[o].ex, ops[o].u, ops[o + 1].cm, ops[o + 1].ex,
                                 ops[o + 1].u, umax, P, ops[o].bias, ops[o + 1].bias, sk, inv_t);
      }
      if (o < opts) {
        ahead(ops, o);
        noisy_utilities<false, T>(s0, s1, s2, s3, ops[o].cm, ops[o].ex, ops[o].u, nullptr, nullptr, nullptr, umax, P,
                                  ops[o].bias, T(0), sk, inv_t);
      }
    };
    const bool moved = std::any_of(moves.begin(), moves.end(), [&](int mi) { return sc.moves[mi].actor == i; });
    // Efforts: softmax weights times budget / sum of the weights (zinv). Where nobody
    // records this instant and actor i has no move, straight into its stocks ([15], the
    // same operations as update_stock_row) if they are finite: the efforts are not kept.
    auto spend = [&](const auto* ops, std::size_t opts, const double* zinv) {
      const bool direct = check && w.stock_rows_done == i && !moved && lanes_finite(zinv, static_cast<std::size_t>(w.W));
      for (std::size_t o = 0; o < opts; ++o) {
        const auto* u = ops[o].u;
        double* e = ops[o].effort;
        const double g = ops[o].g;  // [14] gravity: 1 without it (a product by 1 changes no bits)
        if (direct) {
          const double keep = w.keep[o / partners];  // options are lever-major
          double* Sk = e + stock_from_effort;
          for_lanes(P, [&](std::size_t r) { Sk[r] = stock_step(keep, Sk[r], dt, static_cast<double>(u[r]) * zinv[r] * g); });
        } else {
          for_lanes(P, [&](std::size_t r) { e[r] = static_cast<double>(u[r]) * zinv[r] * g; });
        }
      }
      if (direct) w.stock_rows_done = i + 1;
      return direct;
    };
    const double budget = m.budget(n, i);
    bool spent = false;  // efforts already in the stocks
    double* zinv = w.t1.data();
    constexpr double kScale = 0.55132889542179204;  // sqrt(3) / pi: logistic with unit variance
    const double sk = sigma * kScale;
    bool single = false;
    if (sigma > 0) {
      // With noise, utilities, noise and softmax weights are single precision (the noise
      // carries no more digits), unless a utility over the temperature could leave the
      // float range (|logistic24| <= 17.33).
      partner_terms(w.fcommon.data(), w.fsx.data(), w.fhx.data());
      double lb = 0;
      for (int k = 0; k < K; ++k) lb = std::max(lb, std::fabs(a.lever_bias[k]));
      const double scale = std::max(inv_t, 1.0), room = 1e37 / scale - lb - sk * 17.4;
      // Terms that could take a utility out of the float range (a NaN counts too; narrow
      // clamps the too large to the largest float). A count, not a max: it vectorises.
      const float lim = static_cast<float>(std::clamp(room / 2, 0.0, 1e37));
      int out = 0;
      for (const auto* v : {&w.fcommon, &w.fsx, &w.fhx}) {
        for (float x : *v) out += std::fabs(x) < lim ? 0 : 1;
      }
      single = inv_t < 1e37 && out == 0;
    }
    if (single) {
      Option<float>* ops = w.foptions.data();
      const std::size_t opts = options(ops, w.fcommon.data(), w.fsx.data(), w.fhx.data(), w.futil.data());
      float* fumax = w.fumax.data();
      std::fill(fumax, fumax + P, -std::numeric_limits<float>::infinity());
      noisy(ops, opts, fumax, static_cast<float>(sk), static_cast<float>(inv_t));
      // Softmax weights in single precision, summed in double (each float is exact as a
      // double): the efforts spend the budget to double precision.
      std::fill(zinv, zinv + P, 0.0);
      for (std::size_t o = 0; o < opts; ++o) {
        float* u = ops[o].u;
        for_lanes(P, [&](std::size_t r) { u[r] = fexpf_nonpositive(u[r] - fumax[r]); });
        for_lanes(P, [&](std::size_t r) { zinv[r] += static_cast<double>(u[r]); });  // a loop of its own:
      }  // fused into the float loop above, the double sum made GCC vectorise it far worse
      for (std::size_t r = 0; r < P; ++r) zinv[r] = budget / zinv[r];
      spent = spend(ops, opts, zinv);
    } else {
      // Double precision: no noise, or utilities too large for a float.
      partner_terms(w.common.data(), w.sx.data(), w.hx.data());
      Option<double>* ops = w.options.data();
      const std::size_t opts = options(ops, w.common.data(), w.sx.data(), w.hx.data(), w.util.data());
      std::fill(umax, umax + P, -kInf);
      if (sigma > 0) {
        noisy(ops, opts, umax, sk, inv_t);
      } else {
        for (std::size_t o = 0; o < opts; ++o) {
          const Option<double>& x = ops[o];
          ahead(ops, o);
          for (std::size_t r = 0; r < P; ++r) {
            const double v = (x.bias + x.cm[r] + x.ex[r]) * inv_t;
            x.u[r] = v;
            umax[r] = std::max(umax[r], v);
          }
        }
      }
      // Softmax (max subtracted for stability), scaled to the budget.
      std::fill(zinv, zinv + P, 0.0);
      for (std::size_t o = 0; o < opts; ++o) {
        double* u = ops[o].u;
        for (std::size_t r = 0; r < P; ++r) {
          u[r] = fexp_nonpositive(u[r] - umax[r]);
          zinv[r] += u[r];
        }
      }
      for (std::size_t r = 0; r < P; ++r) zinv[r] = budget / zinv[r];
      spent = spend(ops, opts, zinv);
    }
    for (int mi : moves) {
      const Move& mv = sc.moves[mi];
      if (mv.actor != i) continue;
      for (int k = 0; k < K; ++k) {
        if (mv.lever >= 0 && mv.lever != k) continue;
        for (int j = 0; j < N; ++j) {
          if (j == i || (mv.target >= 0 && mv.target != j)) continue;
          double* e = effort + (k * NN + static_cast<std::size_t>(i) * N + j) * P;
          for (std::size_t r = 0; r < P; ++r) e[r] = e[r] * mv.scale + mv.effort;
        }
      }
    }
    if (check && !spent) {
      // The efforts feed the stocks: the last of the step's finiteness sums. Where nobody
      // records this instant, actor i's stocks are updated here, while its efforts are in
      // cache, if they are finite (otherwise update_batch does it after the report).
      double* sum = w.t2.data();
      std::fill(sum, sum + P, 0.0);
      for (int k = 0; k < K; ++k) {
        for (int j = 0; j < N; ++j) {
          if (j != i) add_lanes(sum, effort + (k * NN + static_cast<std::size_t>(i) * N + j) * P, P);
        }
      }
      add_lanes(w.chk.data(), sum, P);
      if (w.stock_rows_done == i && lanes_finite(sum, static_cast<std::size_t>(w.W))) {
        update_stock_row(w, i);
        w.stock_rows_done = i + 1;
      }
    }
  }
}

// The flow metric (recorded only): flow[k](i,j) = flow_scale_k * (e[k](i,j) + e[k](j,i)),
// from the efforts decide has just chosen, for the levers with a flow_scale.
SP_KERNEL void flow_batch(Work& w) {
  const Scenario& sc = w.m.scenario();
  const int N = w.N, K = w.K;
  const std::size_t NN = w.NN, P = w.P;
  const double* effort = w.X(Metric::effort);
  double* flow = w.X(Metric::flow);
  for (int k = 0; k < K; ++k) {
    const double fs = sc.levers[k].flow_scale;
    if (!(fs > 0)) continue;
    for_pairs(N, [&](int i, int j) {
      const std::size_t ij = k * NN + static_cast<std::size_t>(i) * N + j, ji = k * NN + static_cast<std::size_t>(j) * N + i;
      const double* e_ij = effort + ij * P;
      const double* e_ji = effort + ji * P;
      double* f_ij = flow + ij * P;
      double* f_ji = flow + ji * P;
      for (std::size_t r = 0; r < P; ++r) f_ij[r] = f_ji[r] = fs * (e_ij[r] + e_ji[r]);
    });
  }
}

// [16] for the dyads (i, j) and (j, i) of one pair. __restrict: GCC vectorises without
// run-time alias checks (too many pointers for it to version otherwise).
SP_INLINE void alignment_pair_lanes(const double* __restrict s_ij, const double* __restrict s_ji,
                                    const double* __restrict h_ij, const double* __restrict h_ji,
                                    const double* __restrict t_ij, const double* __restrict t_ji,
                                    const double* __restrict c_ij, const double* __restrict c_ji,
                                    double* __restrict a_ij, double* __restrict a_ji, std::size_t P,
                                    const ModelParams& p, double c0_ij, double c0_ji, double rate_dt) {
  const double w_ex = p.w_exchange, w_in = p.w_interdependence, w_th = p.w_threat, w_co = p.w_counter;
  for (std::size_t r = 0; r < P; ++r) {
    const double us = s_ij[r] + s_ji[r], uh = h_ij[r] + h_ji[r];
    const double ex = w_ex * us / (1 + us), in = w_in * uh / (1 + uh);
    const double z_ij = c0_ij + ex + in - w_th * t_ij[r] + w_co * c_ij[r];
    const double z_ji = c0_ji + ex + in - w_th * t_ji[r] + w_co * c_ji[r];
    a_ij[r] = a_ij[r] + rate_dt * (ftanh(z_ij) - a_ij[r]);
    a_ji[r] = a_ji[r] + rate_dt * (ftanh(z_ji) - a_ji[r]);
  }
}

// [16] alignment, then [15] stocks, from the values of the current instant (the rows
// decide has not already updated).
SP_KERNEL void update_batch(Work& w) {
  const Model& m = w.m;
  const Scenario& sc = m.scenario();
  const ModelParams& p = sc.params;
  const int N = w.N;
  const std::size_t P = w.P;
  const double dt = sc.info.dt;
  double* A = w.X(Metric::alignment);
  const double* soft = w.X(Metric::soft);
  const double* hard = w.X(Metric::hard);
  const double* threat = w.X(Metric::threat);
  const double* counter = w.X(Metric::counter);
  const double rate_dt = p.alignment_rate * dt;
  // The exchange and interdependence terms are the same for (i, j) and (j, i): computed
  // once per pair (x + y == y + x exactly).
  for_pairs(N, [&](int i, int j) {
      const std::size_t ij = (static_cast<std::size_t>(i) * N + j) * P, ji = (static_cast<std::size_t>(j) * N + i) * P;
      const double c0_ij = p.alignment_bias + p.w_identity * (2 * m.similarity(i, j) - 1);
      const double c0_ji = p.alignment_bias + p.w_identity * (2 * m.similarity(j, i) - 1);
      alignment_pair_lanes(soft + ij, soft + ji, hard + ij, hard + ji, threat + ij, threat + ji, counter + ij,
                           counter + ji, A + ij, A + ji, P, p, c0_ij, c0_ji, rate_dt);
  });
  for (int i = w.stock_rows_done; i < N; ++i) update_stock_row(w, i);
}

// Per-lane sum of the entries in `ranges`: finite exactly when every entry is (or almost:
// a sum can overflow, and then the search below finds nothing and the run goes on). With
// lanes in blocks of 8, each block's sums stay in registers, two accumulators deep, over
// every lane (spare lanes repeat real runs; only the first W are asked).
SP_KERNEL bool batch_finite(Work& w, const std::vector<std::pair<std::size_t, std::size_t>>& ranges) {
  const std::size_t P = w.P, W = static_cast<std::size_t>(w.W);
  const double* x = w.x.data();
  double* acc = w.t2.data();  // one sum per lane, entry after entry (contiguous rows)
  if (P % 8 != 0) {
    std::fill(acc, acc + P, 0.0);
    for (const auto& [begin, end] : ranges) {
      for (std::size_t q = begin; q < end; ++q) {
        const double* row = x + q * P;
        for (std::size_t r = 0; r < W; ++r) acc[r] += row[r];
      }
    }
    return lanes_finite(acc, W);
  }
  for (std::size_t b = 0; b < P; b += 8) {
    double a0[8] = {}, a1[8] = {};
    for (const auto& [begin, end] : ranges) {
      std::size_t q = begin;
      for (; q + 1 < end; q += 2) {
        const double* r0 = x + q * P + b;
        const double* r1 = r0 + P;
        for (std::size_t r = 0; r < 8; ++r) {
          a0[r] += r0[r];
          a1[r] += r1[r];
        }
      }
      if (q < end) {
        for (std::size_t r = 0; r < 8; ++r) a0[r] += x[q * P + b + r];
      }
    }
    for (std::size_t r = 0; r < 8; ++r) acc[b + r] = a0[r] + a1[r];
  }
  return lanes_finite(acc, W);
}

// Throws NumericalError naming the first non-finite entry; returns if there is none
// (a check's sum overflowed on finite values).
[[gnu::noinline, gnu::cold]] void report_non_finite(const Work& w, int n) {
  const Scenario& sc = w.m.scenario();
  const int N = w.N;
  for (int metric_i = 0; metric_i < kMetricCount; ++metric_i) {
    const auto metric = static_cast<Metric>(metric_i);
    const std::size_t begin = w.L.offset(metric);
    const std::size_t end = metric_i + 1 < kMetricCount ? w.L.offset(static_cast<Metric>(metric_i + 1)) : w.L.size();
    for (std::size_t idx = begin; idx < end; ++idx) {
      for (int lane = 0; lane < w.W; ++lane) {
        const double v = w.x[idx * w.P + lane];
        if (std::isfinite(v)) continue;
        std::ostringstream msg;
        msg << "non-finite value (" << v << ") at step " << n << " (time " << w.m.time_at(n) << "): metric '"
            << kMetrics[metric_i].name << "'";
        const std::size_t r = idx - begin;
        const Shape shape = kMetrics[metric_i].shape;
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
  }
}

}  // namespace

BatchSimulator::BatchSimulator(const Model& model, int capacity)
    : w_(std::make_unique<Work>(model, capacity)), x_(w_->x.data()), capacity_(std::max(1, capacity)),
      stride_(w_->P) {}

BatchSimulator::~BatchSimulator() = default;

const Model& BatchSimulator::model() const { return w_->m; }

void BatchSimulator::reset(std::span<const std::uint64_t> seeds) {
  if (seeds.empty() || seeds.size() > static_cast<std::size_t>(capacity_)) {
    throw std::invalid_argument("BatchSimulator::reset: 1 to capacity() seeds");
  }
  Work& w = *w_;
  const std::size_t P = w.P;
  w.W = runs_ = static_cast<int>(seeds.size());
  for (std::size_t r = 0; r < P; ++r) {
    SplitMix64 s(seeds[r % seeds.size()]);  // spare lanes repeat real runs
    for (int word = 0; word < 4; ++word) w.rng[word * P + r] = s.next();  // the lane's xoshiro256++ state
  }
  std::fill(w.x.begin(), w.x.end(), 0.0);
  const Scenario& sc = w.m.scenario();
  auto broadcast = [&](const std::vector<double>& values, std::size_t offset) {
    for (std::size_t q = 0; q < values.size(); ++q) {
      std::fill_n(w.x.begin() + (offset + q) * P, P, values[q]);
    }
  };
  broadcast(sc.stocks0, w.L.offset(Metric::stock));
  broadcast(sc.alignment0, w.L.offset(Metric::alignment));
}

void BatchSimulator::run(BatchObserver* observer, int record_every) {
  Work& w = *w_;
  if (w.W == 0) throw std::logic_error("BatchSimulator::run before reset");
  const int T = w.T;
  if (record_every < 1) record_every = 1;
  for (int n = 0; n <= T; ++n) {
    const bool recorded = observer && (n == T || (n % record_every == 0 && observer->records(n)));
    if (n < T) apply_events(w, n);
    // Unrecorded instants check finiteness on the way (derive and decide add what they
    // write to w.chk); recorded ones in the observer's statistics, or in a pass here.
    const bool folded = !recorded && n < T;
    w.stock_rows_done = 0;  // every step starts with no row updated (also after a step that threw)
    if (folded) std::fill(w.chk.begin(), w.chk.end(), 0.0);
    derive_batch(w, n, recorded || n == T, folded);
    decide_batch(w, n, folded);
    if (recorded || n == T) flow_batch(w);
    if (folded) {
      if (!lanes_finite(w.chk.data(), static_cast<std::size_t>(w.W))) report_non_finite(w, n);
    } else if (recorded && observer->checks_finite()) {
      observer->record(n, w.m.time_at(n), *this);
      if (!observer->saw_finite()) report_non_finite(w, n);
    } else {
      if (!batch_finite(w, w.scan)) report_non_finite(w, n);
      if (recorded) observer->record(n, w.m.time_at(n), *this);
    }
    if (n < T) update_batch(w);
  }
}

const std::vector<std::pair<std::size_t, std::size_t>>& BatchSimulator::live() const { return w_->live; }

void BatchSimulator::gather(int run, std::span<double> out) const {
  const std::size_t M = w_->M, P = stride_;
  for (std::size_t q = 0; q < M && q < out.size(); ++q) out[q] = x_[q * P + run];
}

Simulator::Simulator(const Model& model) : batch_(model, 1), x_(model.layout().size(), 0.0) {}

void Simulator::reset(std::uint64_t seed) {
  batch_.reset(std::span<const std::uint64_t>(&seed, 1));
  batch_.gather(0, x_);
}

void Simulator::run(Observer* observer, int record_every) {
  struct Lane0 : BatchObserver {
    Observer* inner;
    std::vector<double>& x;
    Lane0(Observer* o, std::vector<double>& v) : inner(o), x(v) {}
    void record(int step, double time, const BatchSimulator& b) override {
      b.gather(0, x);
      inner->record(step, time, x);
    }
  } lane0(observer, x_);
  batch_.run(observer ? &lane0 : nullptr, record_every);
  batch_.gather(0, x_);
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
  return stock_step(1 - decay * dt, stock, dt, effort);
}

double alignment_step(double a, double z, double rate, double dt) { return a + rate * dt * (std::tanh(z) - a); }

}  // namespace smartpower
