// libFuzzer target: `smartpower sweep` parameter specifications. Byte 0 picks grid,
// Latin hypercube or both; bytes 1-3 give --lhs N (0 to 2^24 - 1, beyond the CLI's
// 1,000,000 so the library's own bound is exercised); bytes 4-5 the seed; the rest is
// one `--set` spec per line. Each spec goes through parse_set_spec and check_set_spec
// on a tiny scenario, then the points are generated (grid_points / lhs_points with the
// CLI's defaults) and the first two are run. Any input must end in points or an
// InputError/NumericalError; a crash, a sanitizer report, another exception or an
// allocation the library did not refuse itself (libFuzzer's -malloc_limit_mb) is a
// finding. Built and run by `scripts/fuzz.sh SECONDS JOBS sweep`.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smartpower/io/document.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/analysis/sweep.hpp"
#include "smartpower/analysis/sweep_toml.hpp"

namespace {

constexpr std::string_view kScenario = R"(
[scenario]
name = "fuzz sweep"
start = 2000.0
end = 2008.0
dt = 0.5
seed = 7

[model]
rho = 0.5
alpha = 0.5

[[levers]]
id = "diplomacy"
kind = "soft"
decay = 0.2
returns = 0.5

[[levers]]
id = "trade"
kind = "hard"
capability = "economy"
decay = 0.5
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

[relations.KAZ.RUS]
border = 1.0
alignment = 0.5
stocks = { diplomacy = 1.0, trade = 2.0 }

[[events]]
id = "recognition"
time = 2001.0
label = "Recognition"
source = "fuzz"
actor = "TUR"
target = "KAZ"
lever = "diplomacy"
stock = 1.0

[[moves]]
id = "outreach"
label = "Trade outreach"
actor = "TUR"
target = "KAZ"
lever = "trade"
from = 2002.0
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
  if (size < 6) return 0;
  const int mode = data[0] % 3;  // 0 grid, 1 Latin hypercube, 2 both
  const std::size_t lhs_n = data[1] | (std::size_t{data[2]} << 8) | (std::size_t{data[3]} << 16);
  const std::uint64_t seed = data[4] | (std::uint64_t{data[5]} << 8);
  const std::string_view text(reinterpret_cast<const char*>(data) + 6, size - 6);
  try {
    std::vector<smartpower::SetSpec> specs;
    std::size_t start = 0;
    while (start <= text.size()) {
      const auto nl = text.find('\n', start);
      const auto line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
      if (!line.empty()) specs.push_back(smartpower::parse_set_spec(line));
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
    for (const auto& s : specs) smartpower::check_set_spec(*scenario.table, s);
    std::vector<std::vector<double>> points;
    if (mode != 1) {
      points = smartpower::grid_points(specs);
      for (const auto& s : specs) (void)smartpower::grid_values(s);
    }
    if (mode != 0) points = smartpower::lhs_points(specs, lhs_n, seed);
    // Run the first two points, each checked against the tiny limits first (a value
    // between an accepted LO and HI may still be refused: that is an InputError).
    std::vector<std::string> paths;
    for (const auto& s : specs) paths.push_back(s.path);
    std::vector<std::vector<double>> run;
    for (std::size_t i = 0; i < points.size() && run.size() < 2; ++i) {
      auto doc = smartpower::clone(*scenario.table);
      try {
        for (std::size_t d = 0; d < paths.size(); ++d) smartpower::set_path(*doc, paths[d], points[i][d]);
        smartpower::build_scenario(*doc, tiny_limits());
      } catch (const smartpower::InputError&) {
        continue;
      }
      run.push_back(points[i]);
    }
    if (!run.empty()) {
      smartpower::SweepOptions options;
      options.runs = 1;
      options.seed = seed;
      auto result = smartpower::run_sweep(*scenario.table, paths, run, options);
      (void)result.rows.size();
    }
  } catch (const smartpower::InputError&) {
  } catch (const smartpower::NumericalError&) {
  }
  return 0;
}
