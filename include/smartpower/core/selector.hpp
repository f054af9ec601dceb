// Metric selectors: "balance[KAZ]", "dependence[KAZ,RUS]", "volume[KAZ,TUR,trade]",
// "effort[KAZ,TUR,*]" ("*" sums over partners or levers). Claims, sweeps and
// sensitivity outcomes all address model output this way.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "smartpower/core/scenario.hpp"
#include "smartpower/core/simulation.hpp"

namespace smartpower {

// The flat metric indices a selector sums, in `layout` of `scenario`. Throws InputError
// naming the selector and what was expected (with a "did you mean" for ids and names).
std::vector<std::size_t> resolve_selector(std::string_view selector, const Scenario& scenario, const MetricLayout& layout);

}  // namespace smartpower
