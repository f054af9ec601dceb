// Reading a scenario file into a validated Scenario: its `extends` chain, [overrides] and
// an optional lens applied (the TOML documents themselves stay inside the library).
// Every error is an InputError naming file, line and column and what was expected.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "smartpower/core/scenario.hpp"

namespace smartpower {

// Reads `path`, follows `extends`, applies [overrides] and lens `lens` (if not empty),
// and validates the result (Model runs it without checking again; a copy to edit is a
// Scenario).
ValidScenario load_scenario(const std::string& path, std::string_view lens = {}, const Limits& limits = {});

// The scenario as one theory lens makes it ([lenses.NAME] of its file).
struct LensScenario {
  std::string name;  // "" for the scenario's own parameters
  std::string description;
  ValidScenario scenario;
};

// The scenario of `path` as it is (name "", "the scenario's own parameters"), then under
// each lens it defines, by name. Throws InputError if it defines none.
std::vector<LensScenario> load_lenses(const std::string& path);

}  // namespace smartpower
