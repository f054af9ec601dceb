// Internal: reads one TOML table with typed getters, range checks and unknown-key
// detection, turning every problem into an InputError at the offending line.
#pragma once

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "smartpower/io/document.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/core/keys.hpp"

namespace smartpower::detail {

// The registry's interval type and its constructors (smartpower/core/keys.hpp).
using smartpower::closed;
using smartpower::open_hi;
using smartpower::open_lo;
using smartpower::Range;

class TableReader {
 public:
  // `where` names the table in messages, e.g. "[model]" or "actor 'KAZ'".
  TableReader(const toml::table& table, std::string where) : t_(table), where_(std::move(where)) {}

  const toml::table& table() const { return t_; }
  const std::string& where() const { return where_; }

  const toml::node* node(std::string_view key) {
    seen_.insert(std::string(key));
    return t_.get(key);
  }
  double number(std::string_view key, double fallback, const Range& range);
  double required_number(std::string_view key, const Range& range);
  // A key of the registry: its name, default and range (a required one has no default).
  double number(const Key& key) { return number(key.name(), key.fallback, key.range); }
  // A key of the registry whose name the file chooses (`identity.<dim>`): `name`.
  double number(std::string_view name, const Key& key) { return number(name, key.fallback, key.range); }
  double required_number(const Key& key) { return required_number(key.name(), key.range); }
  std::string string(std::string_view key, std::string fallback);
  std::string required_string(std::string_view key);
  bool boolean(std::string_view key, bool fallback);
  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t lo, std::int64_t hi);
  const toml::table* table(std::string_view key);
  const toml::array* array_of_tables(std::string_view key);
  // One of `allowed`; the message lists them.
  std::string choice(std::string_view key, std::string fallback, const std::vector<std::string>& allowed);

  // Every key not asked for is an error naming the closest valid key.
  void finish() const;

  [[noreturn]] void fail(const toml::node* at, const std::string& message) const;
  [[noreturn]] void fail_key(std::string_view key, const std::string& message) const;

 private:
  const toml::table& t_;
  std::string where_;
  std::set<std::string, std::less<>> seen_;
};

double number_value(const toml::node& n, bool& ok);
std::string type_name(const toml::node& n);

// Reads a whole input file (`what` names it in messages: "scenario file", "claims
// file"). Never blocks: the path is checked with stat() before it is opened, so a
// FIFO, device, directory or socket is refused with what it is, as are a symlink loop,
// a missing file, a path holding a NUL byte and a file larger than `max_bytes`. `from`
// is where the path was named (an `extends` line), or empty for a command argument.
std::string read_input_file(const std::string& path, std::size_t max_bytes, const SourcePos& from, const char* what);

// A file (or text) that holds nothing but whitespace, comments and a byte-order mark.
bool is_blank_toml(std::string_view text);

}  // namespace smartpower::detail
