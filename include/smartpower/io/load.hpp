// Reading a scenario file into a validated Scenario: its `extends` chain, [overrides] and
// an optional lens applied (the TOML documents themselves stay inside the library).
// Every error is an InputError naming file, line and column and what was expected.
#pragma once

#include <string>
#include <string_view>

#include "smartpower/core/scenario.hpp"

namespace smartpower {

// Reads `path`, follows `extends`, applies [overrides] and lens `lens` (if not empty),
// and validates the result (Model runs it without checking again; a copy to edit is a
// Scenario).
ValidScenario load_scenario(const std::string& path, std::string_view lens = {}, const Limits& limits = {});

}  // namespace smartpower
