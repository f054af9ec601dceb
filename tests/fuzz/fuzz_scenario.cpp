// libFuzzer target: scenario loading, validation and (for small scenarios) a short run.
// Any input must end in a value or an InputError/NumericalError; anything else (a crash,
// a sanitizer report, another exception) is a bug. Built by scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "smartpower/io/document.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/core/simulation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  smartpower::Limits limits;
  limits.max_extends_depth = 1;  // fuzz inputs may not pull in other files
  limits.max_actors = 16;
  limits.max_levers = 16;
  limits.max_steps = 400;
  try {
    auto doc = smartpower::load_document_from_string(text, "fuzz.toml", limits);
    for (const auto& lens : smartpower::lens_names(*doc.table)) {
      auto copy = smartpower::load_document_from_string(text, "fuzz.toml", limits);
      smartpower::apply_lens(*copy.table, lens);
      smartpower::build_scenario(*copy.table, limits);
    }
    smartpower::Model model(smartpower::build_scenario(*doc.table, limits));
    smartpower::Simulator sim(model);
    sim.reset(1);
    sim.run(nullptr);
  } catch (const smartpower::InputError&) {
  } catch (const smartpower::NumericalError&) {
  }
  return 0;
}
