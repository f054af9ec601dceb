#include "smartpower/core/format.hpp"

#include <charconv>
#include <cstdio>

namespace smartpower {
namespace {
// printf's conversion of one double at a precision, however long the text.
std::string printf_text(const char* format, int digits, double v) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, format, digits, v);
  if (n < static_cast<int>(sizeof buf)) return std::string(buf, static_cast<std::size_t>(n));
  std::string s(static_cast<std::size_t>(n), '\0');
  std::snprintf(s.data(), s.size() + 1, format, digits, v);
  return s;
}
}  // namespace

std::string format_fixed(double v, int digits, bool plus) { return printf_text(plus ? "%+.*f" : "%.*f", digits, v); }

std::string format_significant(double v, int digits) { return printf_text("%.*g", digits, v); }

std::string format_number(double v) {
  if (v == 0) return "0";  // also folds -0
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace smartpower
