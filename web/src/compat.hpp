// Force-included into every file of the WebAssembly build (web/CMakeLists.txt): the
// C++20 library parts the engine uses that Emscripten 3.1.6's libc++ lacks.
#pragma once
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <version>

#if !defined(__cpp_lib_bit_cast)
namespace std {
// What C++20's std::bit_cast is (libc++ 14 has it; Emscripten 3.1.6 ships an older one).
template <class To, class From>
constexpr To bit_cast(const From& from) noexcept {
  return __builtin_bit_cast(To, from);
}
}  // namespace std
#endif

#if !defined(__cpp_lib_to_chars) && defined(__EMSCRIPTEN__)
namespace std {
// std::to_chars(first, last, double): the shortest text that reads back as the same
// double, in fixed or scientific notation, whichever is shorter (fixed on a tie), as
// C++17 defines it. Emscripten 3.1.6's libc++ has only the integer overloads.
inline to_chars_result to_chars(char* first, char* last, double value) {
  std::string out;
  if (value != value) {
    out = std::signbit(value) ? "-nan" : "nan";
  } else if (value == __builtin_inf() || value == -__builtin_inf()) {
    out = value < 0 ? "-inf" : "inf";
  } else {
    char buf[40];
    int p = 0;
    for (; p < 17; ++p) {  // fewest significant digits that read back exactly
      std::snprintf(buf, sizeof buf, "%.*e", p, value);
      if (std::strtod(buf, nullptr) == value) break;
    }
    std::string s(buf);
    const std::size_t epos = s.find('e');
    const int exp10 = std::atoi(s.c_str() + epos + 1);
    std::string digits;
    for (std::size_t i = 0; i < epos; ++i) {
      if (s[i] >= '0' && s[i] <= '9') digits += s[i];
    }
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
    const std::string sign = std::signbit(value) ? "-" : "";
    // Scientific: d[.ddd]e+XX (at least two exponent digits).
    char ebuf[8];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    std::string sci = sign + digits.substr(0, 1) + (digits.size() > 1 ? "." + digits.substr(1) : "") + ebuf;
    // Fixed: the digits with the point moved exp10 places.
    std::string fix = sign;
    const int n = static_cast<int>(digits.size());
    if (exp10 < 0) {
      fix += "0." + std::string(static_cast<std::size_t>(-exp10 - 1), '0') + digits;
    } else if (exp10 + 1 >= n) {
      fix += digits + std::string(static_cast<std::size_t>(exp10 + 1 - n), '0');
    } else {
      fix += digits.substr(0, static_cast<std::size_t>(exp10 + 1)) + "." +
             digits.substr(static_cast<std::size_t>(exp10 + 1));
    }
    out = fix.size() <= sci.size() ? fix : sci;
  }
  if (static_cast<std::size_t>(last - first) < out.size()) return {last, errc::value_too_large};
  std::memcpy(first, out.data(), out.size());
  return {first + out.size(), errc{}};
}
}  // namespace std
#endif

#if defined(__EMSCRIPTEN__)
// std::fma, inline. WebAssembly has no fused multiply-add instruction, so std::fma is a
// call into musl, whose fma is exact but slow (64-bit integer significands, rounded by
// hand) and whose fmaf rounds some ties wrongly (it needs a rounding mode WebAssembly
// does not have; src/fmaf.cpp). The engine's exp and log call fma a dozen times each:
// these two exact versions, inlined into the engine's loops, cut the CPU time of the
// 200-run flagship in V8 by a quarter (1135 -> 863 ms on the project's 2-core VM). The macro below turns the engine's std::fma into
// them (the double one's fallback, written before the macro, is musl's fma; the float one
// has none: musl's fmaf also rounds float-subnormal results twice); src/fmaf.cpp checks
// them against musl's and the exact value (fmaCheck).
namespace smartpower_wasm {

inline std::uint64_t bits_of(double x) { return __builtin_bit_cast(std::uint64_t, x); }
inline double double_of(std::uint64_t u) { return __builtin_bit_cast(double, u); }

// a + b = s + e exactly (Knuth's TwoSum; exact whenever s does not overflow).
inline void two_sum(double a, double b, double& s, double& e) {
  s = a + b;
  const double bb = s - a;
  e = (a - (s - bb)) + (b - bb);
}

// a = hi + lo, each with at most 26 significant bits (Veltkamp; exact for |a| < 2^996).
inline void split(double a, double& hi, double& lo) {
  const double c = 134217729.0 * a;  // 2^27 + 1
  hi = c - (c - a);
  lo = a - hi;
}

// The correctly rounded a*b + c: Boldo and Melquiond's emulated FMA ("Emulation of FMA
// and correctly rounded sums: proved algorithms using rounding to odd", IEEE Trans.
// Computers 57(4), 2008, Algorithm 5.4): the exact product uh + ul (Dekker's, no FMA),
// th + tl = c + uh exactly (TwoSum), v = tl + ul rounded to odd, and RN(th + v) is
// a*b + c correctly rounded, proved for binary64 without underflow or overflow. Inputs
// away from those (a or b outside [2^-450, 2^450], c not zero and outside [2^-900,
// 2^900], zeros, infinities, NaN) go to musl's fma.
inline double fma_exact(double a, double b, double c) {
  const int ea = static_cast<int>((bits_of(a) >> 52) & 0x7ff) - 0x3ff;
  const int eb = static_cast<int>((bits_of(b) >> 52) & 0x7ff) - 0x3ff;
  const int ec = static_cast<int>((bits_of(c) >> 52) & 0x7ff) - 0x3ff;
  if (__builtin_expect(ea < -450 || ea > 450 || eb < -450 || eb > 450 || (c != 0 && (ec < -900 || ec > 900)), 0)) {
    return ::fma(a, b, c);  // musl's; also a or b zero, subnormal, infinite or NaN
  }
  double ah, al, bh, bl;
  split(a, ah, al);
  split(b, bh, bl);
  const double uh = a * b;
  const double ul = ((ah * bh - uh) + ah * bl + al * bh) + al * bl;  // uh + ul = a*b
  double th, tl;
  two_sum(c, uh, th, tl);  // th + tl = c + uh
  // v = tl + ul rounded to odd: the nearest sum, moved one unit toward the exact sum when
  // it was inexact and its last bit is even.
  double v, e;
  two_sum(tl, ul, v, e);
  if (e != 0 && (bits_of(v) & 1) == 0) v = double_of(bits_of(v) + (((e > 0) == (v > 0)) ? 1 : -1));
  return th + v;
}

// float: the product is exact in double, so the double sum r = RN(xy + z) is off from
// the exact value only by its error e, and rounding r to float is right unless r lies
// exactly halfway between two floats; then the error's sign decides. Float-subnormal
// results are rounded the same way at their own quantum, 2^-149, in a copy scaled by
// 2^149 (exact). No branch and no call (only selects): loops calling it vectorise.
// Infinities and NaN come through as the double sum gives them.
inline float fma_exact(float x, float y, float z) {
  const double xy = static_cast<double>(x) * static_cast<double>(y);
  double r, e;
  two_sum(xy, static_cast<double>(z), r, e);
  const std::uint64_t u = bits_of(r);
  const bool tie = (u & 0x1fffffff) == 0x10000000 && e != 0;
  const double normal = tie ? double_of(u + (((e > 0) == (r > 0)) ? 1 : -1)) : r;
  // |r| < 2^-126: s = r / 2^-149 (a multiple of 2^-149 * 2^-149, so exact), rounded to
  // the nearest integer (even on a tie) by the 1.5 * 2^52 shifter; a tie goes e's way.
  const double s = r * 0x1p149;
  const double k = (s + 0x1.8p52) - 0x1.8p52;
  const double d = s - k;
  const bool stie = (d == 0.5 || d == -0.5) && e != 0;
  const double sub = __builtin_copysign(stie ? s + (e > 0 ? 0.5 : -0.5) : k, r) * 0x1p-149;
  return static_cast<float>(__builtin_fabs(r) < 0x1p-126 ? sub : normal);
}

}  // namespace smartpower_wasm
namespace std {
inline double smartpower_wasm_fma(double a, double b, double c) { return smartpower_wasm::fma_exact(a, b, c); }
inline float smartpower_wasm_fma(float a, float b, float c) { return smartpower_wasm::fma_exact(a, b, c); }
}  // namespace std
// Every later `std::fma(...)` is std::smartpower_wasm_fma(...).
#define fma smartpower_wasm_fma
#endif
