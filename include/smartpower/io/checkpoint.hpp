// Checkpoint files of long work (sweeps, calibrations), kept safe for the user's files.
//
// A checkpoint starts with one header line: "smartpower-KIND-checkpoint vN key=value ...",
// the keys identifying the work (hashes of the resolved scenario, the options...). Rules:
// - a file that does not start with that magic is not ours: it is never written,
//   truncated or deleted (exit 2, "exists and is not a smartpower checkpoint");
// - an input (the scenario, its extends chain, the claims file) is never a checkpoint,
//   compared by device and inode, not by name;
// - a run holds an exclusive lock (flock) on its checkpoint: a second process using the
//   same checkpoint is refused ("in use by another smartpower process");
// - a fresh checkpoint is created whole (header included) under a temporary name and
//   linked or renamed into place, so the path never holds a headerless file;
// - on resume the header must match (else "written for another ..." naming what
//   differs), every complete line is handed to the caller to parse strictly, and an
//   incomplete last line (a kill can tear it) is dropped and cut off;
// - at the end only the file this run wrote (same device and inode, header intact, not
//   locked by anyone else) is removed.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace smartpower {

// FNV-1a, 64 bits: the hashes checkpoint headers carry.
std::uint64_t fnv1a64(std::string_view data, std::uint64_t h = 1469598103934665603ull);
// 16 lower-case hex digits.
std::string hex64(std::uint64_t v);

// Which file a run wrote as its checkpoint (the path as opened, device and inode).
struct CheckpointRef {
  std::string path;
  std::uint64_t dev = 0, ino = 0;
  bool valid() const { return !path.empty() && (dev != 0 || ino != 0); }
};

class CheckpointFile {
 public:
  struct Line {
    std::size_t number = 0;  // 1-based line number in the file
    std::string text;        // without the newline
  };
  struct Field {
    std::string key;
    std::string description;  // for the mismatch message: "the scenario (...)"
  };

  // `kind`: "sweep", "calibrate"; `version`: "v2"; `fields`: "key=value" tokens (no spaces)
  // identifying the work; `describe`: what each key means, for the message when a
  // resumed checkpoint's field differs. `inputs`: files that must never be the checkpoint.
  // `writer`: false on MPI ranks other than 0 (they only read it when resuming).
  CheckpointFile(std::string path, std::string kind, std::string version, std::vector<std::string> fields,
                 std::vector<Field> describe, const std::vector<std::string>& inputs, bool resume, bool writer);
  ~CheckpointFile();
  CheckpointFile(const CheckpointFile&) = delete;
  CheckpointFile& operator=(const CheckpointFile&) = delete;

  // The complete body lines found when resuming (empty lines left out).
  const std::vector<Line>& lines() const { return lines_; }
  // Throws InputError: "checkpoint 'PATH' line N is corrupt: WHY; ...".
  [[noreturn]] void corrupt(const Line& line, const std::string& why) const;
  // Appends one line (a newline is added) and flushes it to the file; thread-safe.
  // No-op when this process does not write.
  void append(const std::string& line);
  CheckpointRef ref() const { return ref_; }
  const std::string& path() const { return shown_; }

 private:
  std::string shown_;  // as the user gave it
  std::string real_;   // symlinks resolved
  std::string magic_;  // "smartpower-KIND-checkpoint "
  std::string kind_;
  std::vector<Line> lines_;
  CheckpointRef ref_;
  int fd_ = -1;
  std::mutex mu_;
};

// Strict parsers for checkpoint fields: the whole token must be consumed.
// 16 hex digits -> the double with that bit pattern; false if malformed.
bool parse_hex_bits(std::string_view token, double& value);
// A decimal unsigned integer; false if malformed or out of range.
bool parse_index(std::string_view token, std::size_t& value);
// Splits on single spaces (empty tokens kept, so doubled spaces are caught).
std::vector<std::string_view> split_fields(std::string_view line);

// Removes the checkpoint `ref` names if it is still that file (same device and inode),
// still starts with the magic of `kind` and no other process holds it. Returns whether
// it was removed. Never throws.
bool remove_checkpoint(const CheckpointRef& ref, std::string_view kind) noexcept;

// Refuses (InputError) two outputs that are one file: the same path once resolved, or
// the same device and inode.
void refuse_same_file(const std::string& a, std::string_view role_a, const std::string& b, std::string_view role_b);

// Checks, before any work, that `path` can be an output file: not a folder, and its
// folder exists (or, with `create_folder`, is created). InputError otherwise.
void check_output_file(const std::string& path, std::string_view role, bool create_folder = false);

}  // namespace smartpower
