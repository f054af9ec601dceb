// Results -> files. Every file is written to a temporary name in its folder and renamed
// into place when complete: an output is whole or absent, never half-written.
#pragma once

#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "smartpower/ensemble.hpp"

namespace smartpower {

// Writes `path` atomically: `fill` streams into a temporary file that replaces `path`
// only when `fill` returns normally and the data is flushed; on any exception the
// temporary file is removed and the old `path` is untouched.
void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& fill);

// An output folder written as one unit: files go to hidden temporary names and are
// renamed into place together by commit(); until then the folder keeps the previous
// run's files untouched, and the destructor removes the temporaries (an error or an
// interrupt leaves no partial file). A folder holding files that smartpower did not
// write is refused, so a new run's files are never mixed into someone else's folder;
// smartpower outputs of an earlier run that this run does not write are removed on
// commit, so the folder always holds exactly one run's results.
class OutputFolder {
 public:
  explicit OutputFolder(std::string dir);
  ~OutputFolder();
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;

  // A stream to the temporary file for `name` (valid until commit()).
  std::ostream& open(const std::string& name);
  void write(const std::string& name, const std::function<void(std::ostream&)>& fill);
  void commit();
  std::string path(const std::string& name) const;
  const std::string& dir() const { return dir_; }
  // The file names smartpower writes into output folders.
  static const std::vector<std::string>& known_outputs();

 private:
  std::string dir_;
  std::vector<std::pair<std::string, std::string>> pending_;  // (name, temp path)
  std::vector<std::unique_ptr<std::ofstream>> streams_;
  bool committed_ = false;
};

// Refuses, before any work starts, a run whose output or memory would exceed sane
// bounds: per-run time series larger than `max_output_bytes` or than the free disk of
// the output folder, or per-run final outcomes larger than `max_memory_bytes`.
void check_output_budget(const Model& model, long long runs, bool per_run_series, const std::string& out_dir = ".",
                         double max_output_bytes = 20e9, double max_memory_bytes = 4e9);

// Inputs are never outputs: throws InputError if `output_path` (followed through
// symlinks) is the same file, by device and inode, as any of `input_paths`. `role` names
// the output in the message ("--checkpoint", "--out"). A path that does not exist yet
// is no input.
void refuse_input_as_output(const std::string& output_path, const std::vector<std::string>& input_paths,
                            std::string_view role);

// A double as 16 hex digits of its bit pattern, and back: checkpoints store values
// exactly, so a resumed search or sweep ends byte-identical to an uninterrupted one.
std::string hex_bits(double v);
double from_hex_bits(const std::string& hex);

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
