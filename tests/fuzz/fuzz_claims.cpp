// libFuzzer target: claims files (scenarios/claims.toml and its kind). The input is the
// text of a claims file; it is parsed (load_claims_from_string) and evaluated against a
// tiny scenario (4 actors, 6 levers, 1991-2021 in yearly steps) with one run. Any input
// must end in a report or an InputError/NumericalError; anything else (a crash, a
// sanitizer report, another exception) is a finding. Built and run by
// `scripts/fuzz.sh SECONDS JOBS claims`.
//
// Variants are patches of the scenario and may make it arbitrarily large (scenario.end =
// 1e6 is valid): a patched scenario beyond the tiny limits below is checked by
// build_scenario but not run, so every input stays fast.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "smartpower/analysis/claims_toml.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/error.hpp"

namespace {

constexpr std::string_view kScenario = R"(
[scenario]
name = "fuzz claims"
start = 1991.0
end = 2021.0
dt = 1.0
seed = 11

[model]
rho = 0.5
alpha = 0.5

[[levers]]
id = "diplomacy"
kind = "soft"
decay = 0.2
returns = 0.5

[[levers]]
id = "institutions"
kind = "soft"
decay = 0.1
returns = 0.5

[[levers]]
id = "culture"
kind = "soft"
decay = 0.1
returns = 0.5

[[levers]]
id = "trade"
kind = "hard"
capability = "economy"
decay = 0.5
returns = 0.5

[[levers]]
id = "energy"
kind = "hard"
capability = "economy"
decay = 0.3
returns = 0.5

[[levers]]
id = "military"
kind = "hard"
capability = "military"
decay = 0.3
returns = 0.5

[[actors]]
id = "KAZ"
capabilities = { economy = 25.0, military = 0.5, population = 16.0 }
budget = 1.0

[[actors]]
id = "TUR"
capabilities = { economy = 160.0, military = 7.0, population = 56.0 }
budget = 1.0

[[actors]]
id = "RUS"
capabilities = { economy = 460.0, military = 40.0, population = 148.0 }
budget = 3.0

[[actors]]
id = "CHN"
capabilities = { economy = 900.0, military = 30.0, population = 1150.0 }
budget = 3.0

[relations.KAZ.RUS]
border = 1.0
alignment = 0.5
stocks = { diplomacy = 1.0, trade = 2.0, energy = 2.0 }

[relations.TUR.KAZ]
alignment = 0.3

[[events]]
id = "recognition"
time = 1991.75
label = "Recognition"
source = "fuzz"
actor = "TUR"
target = "KAZ"
lever = "diplomacy"
stock = 1.0

[[events]]
id = "strategic_partnership"
time = 2009.0
label = "Strategic partnership"
source = "fuzz"
actor = "TUR"
target = "KAZ"
lever = "institutions"
stock = 1.0

[[moves]]
id = "outreach"
label = "Trade outreach"
actor = "TUR"
target = "KAZ"
lever = "trade"
from = 1995.0
effort = 1.0
)";

smartpower::Limits tiny_limits() {
  smartpower::Limits limits;
  limits.max_extends_depth = 1;
  limits.max_actors = 8;
  limits.max_levers = 16;
  limits.max_steps = 200;
  return limits;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto scenario = smartpower::load_document_from_string(kScenario, "scenario.toml");
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto claims = smartpower::load_claims_from_string(text, "fuzz-claims.toml");
    // Every variant must stay tiny (or be refused by the validator) before anything runs.
    for (const auto& [name, patch] : claims.variants) {
      auto doc = smartpower::clone(*scenario.table);
      smartpower::apply_patch(*doc, toml::table(patch->table));
      try {
        smartpower::build_scenario(*doc, tiny_limits());
      } catch (const smartpower::InputError&) {
        smartpower::build_scenario(*doc);  // must also fail (or pass) cleanly at the real limits
        return 0;                          // valid but too large to run here
      }
    }
    smartpower::ClaimOptions options;
    options.runs = 1 + (size & 1);  // sometimes two runs: pass shares and medians over runs
    options.threads = 1;
    const auto report = smartpower::evaluate_claims(*scenario.table, claims, options);
    (void)report.passed();
  } catch (const smartpower::InputError&) {
  } catch (const smartpower::NumericalError&) {
  }
  return 0;
}
