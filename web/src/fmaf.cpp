// A correctly rounded fmaf for WebAssembly. WebAssembly has no fused multiply-add
// instruction, so std::fma and std::fmaf are calls into Emscripten's musl. musl's fma is
// exact (integer arithmetic). musl's fmaf computes in double and, when that double lies
// exactly halfway between two floats, finds the side of the exact value by switching the
// rounding mode to toward-zero, which WebAssembly cannot do (it always rounds to
// nearest): so it rounds every such tie away from zero, wrong half the time, where the
// native binary's FMA instruction is right. This fmaf is musl's with the side taken from
// the exact error of the double sum instead; anything near the ends of the float range
// still goes to musl's (the linker's --wrap: __real_fmaf is musl's fmaf).
//
// Linked with -Wl,--wrap=fmaf (web/CMakeLists.txt). The engine's numbers need fmaf's
// exact result for the wasm build to give the native bytes; fmaCheck() (exported for
// tests/web/check_wasm.sh) compares it with musl's on random and midpoint inputs.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

extern "C" {
float __real_fmaf(float, float, float);

namespace {

inline std::uint64_t bits(double x) {
  std::uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
inline double from_bits(std::uint64_t u) {
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// a + b = s + e exactly (Knuth's TwoSum; exact whenever s does not overflow).
inline void two_sum(double a, double b, double& s, double& e) {
  s = a + b;
  const double bb = s - a;
  e = (a - (s - bb)) + (b - bb);
}

}  // namespace

// float: the product is exact in double, so the double sum r = RN(xy + z) is off from
// the exact value only by its error e, and rounding r to float is right unless r lies
// exactly halfway between two floats; then the error's sign decides. musl's fmaf does the
// same but tells the sign by changing the rounding mode, which WebAssembly cannot (it
// always rounds to nearest), so musl's gets those rare ties wrong. Float results near
// the subnormal range or overflow go to musl.
float __wrap_fmaf(float x, float y, float z) {
  const double xy = static_cast<double>(x) * static_cast<double>(y);
  double r, e;
  two_sum(xy, static_cast<double>(z), r, e);
  const std::uint64_t u = bits(r);
  const int er = static_cast<int>((u >> 52) & 0x7ff);
  if (er < 0x3ff - 120 || er > 0x3ff + 120) return __real_fmaf(x, y, z);  // incl. zero, inf, NaN
  if ((u & 0x1fffffff) != 0x10000000 || e == 0) return static_cast<float>(r);
  return static_cast<float>(from_bits(u + (((e > 0) == (r > 0)) ? 1 : -1)));
}

// double: musl's fma is exact but slow in WebAssembly (it multiplies the significands
// as 64-bit integers, normalises and rounds by hand: the engine's exp and log call it a
// dozen times each). This one is Boldo and Melquiond's emulated FMA ("Emulation of FMA
// and correctly rounded sums: proved algorithms using rounding to odd", IEEE Trans.
// Computers 57(4), 2008, Algorithm 5.4): the exact product uh + ul (Dekker's, no FMA),
// th + tl = c + uh exactly (TwoSum), v = tl + ul rounded to odd, and RN(th + v) is the
// correctly rounded a*b + c, proved for binary64 without underflow or overflow. Inputs
// away from those (a or b outside [2^-450, 2^450], c not zero and outside
// [2^-900, 2^900], zeros, infinities, NaN) go to musl's fma (--wrap: __real_fma).
double __real_fma(double, double, double);

namespace {

// a = hi + lo, each with at most 26 significant bits (Veltkamp's split; exact for
// |a| < 2^996).
inline void split(double a, double& hi, double& lo) {
  const double c = 134217729.0 * a;  // 2^27 + 1
  hi = c - (c - a);
  lo = a - hi;
}

inline int exponent(double x) { return static_cast<int>((bits(x) >> 52) & 0x7ff) - 0x3ff; }

}  // namespace

double __wrap_fma(double a, double b, double c) {
  const int ea = exponent(a), eb = exponent(b), ec = exponent(c);
  if (ea < -450 || ea > 450 || eb < -450 || eb > 450 || (c != 0 && (ec < -900 || ec > 900))) {
    return __real_fma(a, b, c);  // also a or b zero, subnormal, infinite or NaN
  }
  // uh + ul = a * b exactly (Dekker).
  double ah, al, bh, bl;
  split(a, ah, al);
  split(b, bh, bl);
  const double uh = a * b;
  const double ul = ((ah * bh - uh) + ah * bl + al * bh) + al * bl;
  // th + tl = c + uh exactly.
  double th, tl;
  two_sum(c, uh, th, tl);
  // v = tl + ul rounded to odd: the round-to-nearest sum, moved one unit toward the exact
  // sum when it was inexact and its last bit is even.
  double v, e;
  two_sum(tl, ul, v, e);
  if (e != 0 && (bits(v) & 1) == 0) v = from_bits(bits(v) + (((e > 0) == (v > 0)) ? 1 : -1));
  return th + v;
}

}  // extern "C"

namespace smartpower::web {

// Compares __wrap_fmaf with musl's fmaf on `n` inputs from `seed`, half of them with
// x*y + z near a float midpoint; where the two differ, with the exact value rounded once
// (long double has 113 bits). Returns the number of wrong results (0 expected).
long fma_self_check(long n, std::uint64_t seed) {
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  auto next = [&s]() {  // splitmix64
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  auto any_double = [&]() { return from_bits(next()); };
  auto ranged = [&](int lo, int hi) {  // random significand and sign, exponent in [lo, hi]
    const std::uint64_t e =
        static_cast<std::uint64_t>(lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1)));
    return from_bits((next() & 0x800FFFFFFFFFFFFFull) | (e << 52));
  };
  long bad = 0;
  // double: __wrap_fma must give musl's exact fma's bits, on anything and on the hard
  // cases (a*b + c close to a midpoint: c cancels most of the product, or is a nudge).
  for (long i = 0; i < n; ++i) {
    const double a = ranged(1023 - 460, 1023 + 460), b = ranged(1023 - 460, 1023 + 460);
    double c;
    switch (i % 4) {
      case 0: c = any_double(); break;
      case 1: c = ranged(1023 - 920, 1023 + 920); break;
      case 2: c = -static_cast<double>(a * b) * (1 + std::ldexp(static_cast<double>(next() % 64) - 32, -52)); break;
      default: c = std::ldexp(next() & 1 ? 1.0 : -1.0, exponent(a * b) - 53 - static_cast<int>(next() % 60)); break;
    }
    const double w = __wrap_fma(a, b, c), m = __real_fma(a, b, c);
    if (!(bits(w) == bits(m) || (w != w && m != m))) ++bad;
  }
  for (long i = 0; i < n; ++i) {
    float x, y, z;
    if (i % 2) {  // anything
      x = static_cast<float>(ranged(1000, 1046));
      y = static_cast<float>(ranged(1000, 1046));
      z = static_cast<float>(any_double());
    } else {  // the hard case: x*y exactly halfway between two floats (25 significant
              // bits, the last set: odd 13-bit times odd 12-bit integers), z a nudge
      const int sx = static_cast<int>(next() % 40) - 20, sy = static_cast<int>(next() % 40) - 20;
      x = std::ldexp(static_cast<float>((next() % 4096) * 2 + 4097), sx);  // odd, [2^12, 2^13)
      y = std::ldexp(static_cast<float>((next() % 2048) * 2 + 2049), sy);  // odd, [2^11, 2^12)
      if (next() & 1) x = -x;
      const int nudge = sx + sy + static_cast<int>(next() % 40) - 40;  // below x*y's last bit
      z = std::ldexp(next() & 1 ? 1.0f : -1.0f, nudge);
      if (next() % 8 == 0) z = 0;
    }
    const float w = __wrap_fmaf(x, y, z), m = __real_fmaf(x, y, z);
    // musl's fmaf is wrong at some float midpoints in WebAssembly (see above); there the
    // reference is the exact value rounded once, computed in long double (113 bits) when
    // that sum is exact. (When it is not, z is below the product's last bit by more than
    // 60 bits, and only the sign of z decides: the first branch of the check below.)
    if (!(bits(w) == bits(m) || (w != w && m != m))) {
      const long double p = static_cast<long double>(x) * y, exact = p + z;
      float ref;
      if (exact - p == z) {
        ref = static_cast<float>(exact);
      } else {  // z is a nudge: if x*y is a float midpoint, the float on z's side of it
        const float f = static_cast<float>(p);
        const float g = std::nextafter(f, static_cast<long double>(f) > p ? -INFINITY : INFINITY);
        const bool midpoint = (static_cast<long double>(f) + g) / 2 == p;
        ref = midpoint ? (z > 0 ? std::max(f, g) : std::min(f, g)) : f;
      }
      bad += (w == ref) ? 0 : 1;  // acceptable only where musl is the one that is wrong
    }
  }
  return bad;
}

}  // namespace smartpower::web
