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

#include "smartpower/core/format.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/core/version.hpp"  // engine_version(), printed in summary.json

namespace smartpower {

// The output policy (docs/robustness.md, "What smartpower writes"), enforced here and
// nowhere else:
// - the tool writes only the files it names (`names`), into a folder it may create;
// - it never deletes or overwrites a file it did not write itself: every file it
//   commits is recorded in the folder's manifest (`.smartpower-manifest.json`) with its
//   size, modification time and inode, and only a file whose record still matches may
//   be replaced or removed; anything else is refused up front (InputError, exit 2);
// - inputs are never outputs (device and inode, through symlinks);
// - a folder's results change as one unit: files are written to hidden temporaries
//   (recorded in the manifest before they are created), then the manifest records the
//   commit as pending, the temporaries are renamed into place and the manifest is
//   rewritten without the pending entry. A commit cut short (SIGKILL, power loss) is
//   completed by the next smartpower command that opens the folder, and temporaries of
//   a dead writer are removed by it; readers that must not see a half-made commit check
//   that the manifest has no "pending" entry;
// - one writer at a time: the folder is locked (flock on the folder itself) from the
//   constructor to the end; a second command gets InputError at once.
class OutputFolder {
 public:
  // `unit` names this command's set of files ("run", "compare", or a file name): on
  // commit, files an earlier commit of the same unit wrote and this one does not are
  // removed (if still unchanged), so the folder never mixes two runs of one command.
  // `names` are every file this command may write; each is checked now. `inputs` are
  // the command's input files.
  OutputFolder(std::string dir, std::string unit, std::vector<std::string> names,
               const std::vector<std::string>& inputs = {});
  ~OutputFolder();
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;

  // A stream to the temporary file for `name` (one of `names`; valid until commit()).
  std::ostream& open(const std::string& name);
  void write(const std::string& name, const std::function<void(std::ostream&)>& fill);
  void commit();
  std::string path(const std::string& name) const;
  const std::string& dir() const { return dir_; }

 private:
  struct Pending {
    std::string name, tmp;
  };
  std::string dir_, unit_;
  std::vector<std::string> names_;
  std::vector<Pending> pending_;
  std::vector<std::unique_ptr<std::ofstream>> streams_;
  int lock_fd_ = -1;
  bool committed_ = false;
};

// Writes one file `path` as its own unit of its folder (the policy above): checked
// before `fill` runs; `fill` streams into a temporary that replaces `path` only when
// `fill` returns normally and the data reached the disk. On any exception the old
// `path` is untouched.
void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& fill,
                      const std::vector<std::string>& inputs = {});

// Checks now, before any work, that `path` may be written by write_atomically: not a
// folder, not an input, and either absent or written by smartpower and unchanged since.
void check_output_path(const std::string& path, const std::vector<std::string>& inputs = {});

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

}  // namespace smartpower
