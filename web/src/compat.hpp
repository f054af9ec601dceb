// Force-included into every file of the WebAssembly build (web/CMakeLists.txt): the
// C++20 library parts the engine uses that Emscripten 3.1.6's libc++ lacks.
#pragma once
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
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
