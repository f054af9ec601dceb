// Internal: what every error message is built from, written once for every layer (the
// core's validation and parameter handles, the TOML reader, the analyses, the CLI).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "smartpower/core/format.hpp"

namespace smartpower {

// The closest candidate by edit distance, or "" when nothing is close ("did you mean").
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// A number in a message: format_significant(v), 6 significant digits ("0.5", "1e+06"),
// as the reader has always printed them.

}  // namespace smartpower
