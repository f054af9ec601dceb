// Aligned plain-text tables for the terminal.
#pragma once

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

namespace smartpower::cli {

// Display width of UTF-8 text (counts code points, not bytes).
inline std::size_t display_width(const std::string& s) {
  std::size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  // First column left-aligned, the others right-aligned (numbers).
  void print(std::ostream& os, const std::string& indent) const {
    std::vector<std::size_t> width;
    for (const auto& r : rows_) {
      width.resize(std::max(width.size(), r.size()), 0);
      for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], display_width(r[c]));
    }
    for (std::size_t ri = 0; ri < rows_.size(); ++ri) {
      const auto& r = rows_[ri];
      os << indent;
      for (std::size_t c = 0; c < r.size(); ++c) {
        const std::string pad(width[c] - display_width(r[c]), ' ');
        const bool last = c + 1 == r.size();
        const bool left = c == 0 || (last && !numeric_) || (c < left_.size() && left_[c]);
        if (left) {
          os << r[c] << (last ? "" : pad);
        } else {
          os << pad << r[c];
        }
        if (!last) os << "  ";
        else if (left) {
          // no trailing padding on the last column
        }
      }
      os << "\n";
    }
  }
  void text_last_column() { numeric_ = false; }
  // Left-aligns column c (text); numbers stay right-aligned.
  void left_align(std::size_t c) {
    if (left_.size() <= c) left_.resize(c + 1, false);
    left_[c] = true;
  }

 private:
  std::vector<std::vector<std::string>> rows_;
  bool numeric_ = true;
  std::vector<bool> left_;
};

}  // namespace smartpower::cli
