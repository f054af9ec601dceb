// Results -> files. Every file is written to a temporary name in its folder and renamed
// into place when complete: an output is whole or absent, never half-written.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "smartpower/ensemble.hpp"

namespace smartpower {

// Writes `path` atomically: `fill` streams into a temporary file that replaces `path`
// only when `fill` returns normally and the data is flushed; on any exception the
// temporary file is removed and the old `path` is untouched.
void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& fill);

// Shortest round-trip text of a double (std::to_chars): deterministic and exact.
std::string format_number(double v);

// Long-format time-series rows: run,time,metric,actor,partner,lever,value. Entries with
// actor == partner and real/volume of levers without a unit are left out.
void write_series_header(std::ostream& out);
void write_series_rows(std::ostream& out, const Model& model, const std::string& run_label,
                       std::span<const double> times, std::span<const double> series);

struct RunInfo {
  std::string command;  // the command line as typed
  std::string file;     // scenario file
  std::string lens;     // "" if none
  std::string resolved_toml;
  std::uint64_t seed = 0;
  int runs = 1;
  int threads = 1;
};

// The final outcomes (mean, sd and 5/50/95 % quantiles over runs; with one run all
// equal the value) plus everything needed to reproduce them.
nlohmann::ordered_json summary_json(const Model& model, const EnsembleResult& result, const RunInfo& info);

const char* engine_version();

}  // namespace smartpower
