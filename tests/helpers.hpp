// Shared helpers for the tests: paths, small scenarios, running the CLI.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include <sys/wait.h>

#include "smartpower/io/document.hpp"

namespace sptest {

inline std::string root() {
  if (const char* r = std::getenv("SMARTPOWER_ROOT")) return r;
  return SMARTPOWER_SOURCE_DIR;
}
inline std::string scenario(const std::string& rel) { return root() + "/scenarios/" + rel; }
inline std::string bin() {
  if (const char* b = std::getenv("SMARTPOWER_BIN")) return b;
  return SMARTPOWER_BIN_PATH;
}

inline std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh temporary folder under the system temp dir.
inline std::filesystem::path temp_dir(const std::string& tag) {
  auto p = std::filesystem::temp_directory_path() /
           ("smartpower-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

inline std::string write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

// Runs a shell command; returns its exit status and captures stdout+stderr.
inline int run(const std::string& cmd, std::string* output = nullptr) {
  const auto log = temp_dir("cmd") / "out.txt";
  const int st = std::system((cmd + " > '" + log.string() + "' 2>&1").c_str());
  if (output) *output = read(log.string());
  std::filesystem::remove_all(log.parent_path());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// A minimal valid scenario: 3 actors, 2 levers, 4 steps; `extra` appended, `info` added
// to its [scenario] table (e.g. "price = [[2000.0, 10.0]]\n").
inline std::string tiny_scenario(const std::string& extra = "", const std::string& info = "") {
  return R"(
[scenario]
name = "tiny"
start = 2000.0
end = 2001.0
dt = 0.25
seed = 7
)" + info + R"(

[[levers]]
id = "culture"
kind = "soft"
decay = 0.1

[[levers]]
id = "trade"
kind = "hard"
decay = 0.5

[[actors]]
id = "A"
capabilities = { economy = 1.0, military = 1.0, population = 1.0 }
identity = { x = 1.0 }
strategy = { diversify = 1.0 }

[[actors]]
id = "B"
capabilities = { economy = 2.0, military = 1.0, population = 1.0 }
identity = { x = 1.0 }

[[actors]]
id = "C"
capabilities = { economy = 1.0, military = 3.0, population = 1.0 }
identity = { y = 1.0 }

[relations.A.C]
border = 1.0
)" + extra;
}

// The tiny scenario, read and validated: the one builder of the tests' small models.
inline smartpower::ValidScenario tiny(const std::string& extra = "", const std::string& info = "") {
  return smartpower::build_scenario(*smartpower::load_document_from_string(tiny_scenario(extra, info), "tiny.toml").table);
}

// Economy growing at 100 % a year for 800 years: overflows to infinity (step 710).
inline std::string overflow_scenario() {
  return R"(
[scenario]
name = "overflow"
start = 0.0
end = 800.0
dt = 1.0

[[levers]]
id = "trade"
kind = "hard"
decay = 0.5

[[actors]]
id = "A"
capabilities = { economy = 1.0, military = 1.0, population = 1.0 }
growth = { economy = 1.0 }

[[actors]]
id = "B"
capabilities = { economy = 1.0, military = 1.0, population = 1.0 }
growth = { economy = 1.0 }

[relations.A.B]
stocks = { trade = 1.0 }
)";
}

// Two actors A and B with no budget and one soft lever (culture, decay 0.2 per year,
// dt 0.25), 2000-2002: nobody adds effort, so a culture stock S0 is S0 * 0.95^n at
// quarter n — a series known in closed form. `extra` adds relations and the like.
inline std::string decay_only_scenario(const std::string& extra) {
  return R"(
[scenario]
name = "decay only"
start = 2000.0
end = 2002.0
dt = 0.25

[[levers]]
id = "culture"
kind = "soft"
decay = 0.2

[[actors]]
id = "A"
budget = 0.0
capabilities = { economy = 1.0, military = 1.0, population = 1.0 }

[[actors]]
id = "B"
budget = 0.0
capabilities = { economy = 1.0, military = 1.0, population = 1.0 }
)" + extra;
}

// A calibration box for the decay-only scenario: A's culture stock toward B (log scale)
// and the culture decay, both free.
inline std::string stock_and_decay_box() {
  return R"(
[[calibration.parameters]]
path = "relations.A.B.stocks.culture"
lo = 1.0
hi = 10.0
log = true

[[calibration.parameters]]
path = "levers.culture.decay"
lo = 0.05
hi = 0.8
)";
}

// The decay-only scenario with A's stock toward B a free parameter in [1, 10] (S0 = 9).
inline std::string calibration_toy() {
  return decay_only_scenario(R"(
[relations.A.B]
stocks = { culture = 9.0 }

[[calibration.parameters]]
path = "relations.A.B.stocks.culture"
lo = 1.0
hi = 10.0
)");
}

// A claim the calibration toy can meet exactly: A's stock toward B is 3.1 in 2001.
// The range claim that goes with calibration_toy(): the stock sits in [3.0, 3.2] in 2001.
inline std::string calibration_toy_range_claim() {
  return R"(
[settings]
margin = 0.01

[[claims]]
id = "T1"
text = "the stock sits between 3.0 and 3.2 in 2001"
section = "test"
[[claims.checks]]
kind = "range"
metric = "stock[A,B,culture]"
at = 2001.0
min = 3.0
max = 3.2
)";
}

inline std::string calibration_toy_fit_claim() {
  return R"(
[[claims]]
id = "T2"
text = "and fits 3.1"
section = "test"
[[claims.checks]]
kind = "data"
metric = "stock[A,B,culture]"
points = [[2001.0, 3.1]]
tolerance = 0.05
)";
}

// The names in a folder, sorted (hidden files included).
inline std::vector<std::string> listing(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace sptest
