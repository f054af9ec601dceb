// fmaCheck() (exported for tests/web/check_wasm.sh): the exact fma and fmaf of the
// WebAssembly build (src/compat.hpp, inlined into the engine) against musl's, on random
// and hard inputs.
//
// Why not musl's: WebAssembly has no fused multiply-add instruction. musl's fma is exact
// (integer arithmetic) but slow. musl's fmaf computes in double and, when that double lies
// exactly halfway between two floats, finds the side of the exact value by switching the
// rounding mode to toward-zero, which WebAssembly cannot do (it always rounds to
// nearest): so it rounds every such tie away from zero, wrong half the time, where the
// native binary's FMA instruction is right. The engine's numbers need fmaf's exact result
// for the wasm build to give the native bytes.
#undef fma
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/splitmix64.hpp"

namespace {
// The playground's (src/compat.hpp) and musl's.
float ours_fmaf(float x, float y, float z) { return smartpower_wasm::fma_exact(x, y, z); }
double ours_fma(double a, double b, double c) { return smartpower_wasm::fma_exact(a, b, c); }
float musl_fmaf(float x, float y, float z) { return ::fmaf(x, y, z); }
double musl_fma(double a, double b, double c) { return ::fma(a, b, c); }
}  // namespace

namespace {
inline std::uint64_t bits(double x) { return smartpower_wasm::bits_of(x); }
inline double from_bits(std::uint64_t u) { return smartpower_wasm::double_of(u); }
inline int exponent(double x) { return static_cast<int>((bits(x) >> 52) & 0x7ff) - 0x3ff; }
}  // namespace

namespace smartpower::web {

// Compares ours_fmaf with musl's fmaf on `n` inputs from `seed`, a quarter of them with
// x*y + z near a float midpoint, a quarter near one of the float subnormals' midpoints
// (ours_fmaf rounds those apart); where the two differ, with the exact value rounded once
// (long double has 113 bits). Returns the number of wrong results (0 expected).
long fma_self_check(long n, std::uint64_t seed) {
  smartpower::SplitMix64 rng(seed * 0x9E3779B97F4A7C15ull + 1);
  auto next = [&rng]() { return rng.next(); };
  auto any_double = [&]() { return from_bits(next()); };
  auto ranged = [&](int lo, int hi) {  // random significand and sign, exponent in [lo, hi]
    const std::uint64_t e =
        static_cast<std::uint64_t>(lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1)));
    return from_bits((next() & 0x800FFFFFFFFFFFFFull) | (e << 52));
  };
  long bad = 0;
  // double: ours_fma must give musl's exact fma's bits, on anything and on the hard
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
    const double w = ours_fma(a, b, c), m = musl_fma(a, b, c);
    if (!(bits(w) == bits(m) || (w != w && m != m))) ++bad;
  }
  for (long i = 0; i < n; ++i) {
    float x, y, z;
    if (i % 4 == 1 || i % 4 == 3) {  // anything
      x = static_cast<float>(ranged(1000, 1046));
      y = static_cast<float>(ranged(1000, 1046));
      z = static_cast<float>(any_double());
    } else if (i % 4 == 2) {  // results among the float subnormals (below 2^-126), rounded
      // at 2^-149: x*y = 2^-150 - u^2 2^-196 (half a quantum less a tail beyond the double
      // sum's precision), z a multiple of 2^-149 (or 0), so that z + x*y, rounded to
      // double, is often a midpoint of the subnormal grid and the tail decides
      const int sx = 55 + static_cast<int>(next() % 40);
      const float u = static_cast<float>(next() % 4096 + 1);
      x = std::ldexp(8388608.0f + u, -23 - sx);
      y = std::ldexp(8388608.0f - u, -23 - (150 - sx));
      if (next() & 1) x = -x;
      z = std::ldexp(static_cast<float>(next() % 8388608), -149);
      if (next() & 1) z = -z;
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
    const float w = ours_fmaf(x, y, z), m = musl_fmaf(x, y, z);
    // musl's fmaf is wrong at some float midpoints in WebAssembly (see above); there, and
    // on every subnormal case (where musl's is wrong as often: it rounds the double sum
    // once more), the reference is the exact value rounded once, computed in long double
    // (113 bits) when that sum is exact. (When it is not, z is below the product's last
    // bit by more than 60 bits, and only the sign of z decides: the first branch below.)
    if (i % 4 == 2 || !(bits(w) == bits(m) || (w != w && m != m))) {
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
