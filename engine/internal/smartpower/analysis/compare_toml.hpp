// Internal: compare on TOML documents (what `smartpower compare` does with two files,
// and what a posterior needs: each particle is a patch of a document), and the
// comparison as compare.json. The typed API is smartpower/analysis/compare.hpp.
#pragma once

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "smartpower/analysis/compare.hpp"

namespace smartpower {

// Builds both scenarios from their documents; the base is run on (or stopped) at the
// what-if's end through its document (scenario.end).
Comparison compare_scenarios(const toml::table& base, const toml::table& whatif, const CompareOptions& options);

nlohmann::ordered_json comparison_json(const Comparison& c);

}  // namespace smartpower
