#include "io/toml_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace smartpower::detail {

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

double number_value(const toml::node& n, bool& ok) {
  ok = true;
  if (auto* f = n.as_floating_point()) return f->get();
  if (auto* i = n.as_integer()) return static_cast<double>(i->get());
  ok = false;
  return 0;
}

void TableReader::fail(const toml::node* at, const std::string& message) const {
  SourcePos pos = at ? position_of(*at) : position_of(t_);
  throw InputError(pos, where_ + ": " + message);
}

void TableReader::fail_key(std::string_view key, const std::string& message) const {
  fail(t_.get(key), "'" + std::string(key) + "' " + message);
}

double TableReader::number(std::string_view key, double fallback, const Range& range) {
  const toml::node* n = node(key);
  if (!n) return fallback;
  bool ok = false;
  const double v = number_value(*n, ok);
  if (!ok) fail(n, "'" + std::string(key) + "' must be " + range.describe() + ", not " + type_name(*n));
  if (!range.contains(v)) {
    fail(n, "'" + std::string(key) + "' = " + format_significant(v) + " is out of range: expected " + range.describe());
  }
  return v;
}

// A missing required key is often a typo of it: point at the misspelt key instead.
static void fail_missing(const TableReader& r, const toml::table& t, std::string_view key, const std::string& what) {
  for (auto&& [k, v] : t) {
    if (k.str() != key && !closest_match(k.str(), {std::string(key)}).empty()) {
      SourcePos pos = position_of(k);
      throw InputError(pos, r.where() + ": missing required key '" + std::string(key) + "' (" + what + "); '" +
                                std::string(k.str()) + "' here looks like a misspelling of it");
    }
  }
  r.fail(nullptr, "missing required key '" + std::string(key) + "' (" + what + ")");
}

double TableReader::required_number(std::string_view key, const Range& range) {
  if (!t_.get(key)) fail_missing(*this, t_, key, range.describe());
  return number(key, 0, range);
}

std::string TableReader::string(std::string_view key, std::string fallback) {
  const toml::node* n = node(key);
  if (!n) return fallback;
  const auto* s = n->as_string();
  if (!s) fail(n, "'" + std::string(key) + "' must be a string, not " + type_name(*n));
  return s->get();
}

std::string TableReader::required_string(std::string_view key) {
  if (!t_.get(key)) fail_missing(*this, t_, key, "a string");
  return string(key, {});
}

bool TableReader::boolean(std::string_view key, bool fallback) {
  const toml::node* n = node(key);
  if (!n) return fallback;
  const auto* b = n->as_boolean();
  if (!b) fail(n, "'" + std::string(key) + "' must be true or false, not " + type_name(*n));
  return b->get();
}

std::int64_t TableReader::integer(std::string_view key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
  const toml::node* n = node(key);
  if (!n) return fallback;
  const auto* i = n->as_integer();
  if (!i) fail(n, "'" + std::string(key) + "' must be an integer, not " + type_name(*n));
  if (i->get() < lo || i->get() > hi) {
    fail(n, "'" + std::string(key) + "' = " + std::to_string(i->get()) + " is out of range: expected an integer in [" +
                std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return i->get();
}

const toml::table* TableReader::table(std::string_view key) {
  const toml::node* n = node(key);
  if (!n) return nullptr;
  if (!n->is_table()) fail(n, "'" + std::string(key) + "' must be a table, not " + type_name(*n));
  return n->as_table();
}

const toml::array* TableReader::array_of_tables(std::string_view key) {
  const toml::node* n = node(key);
  if (!n) return nullptr;
  if (!n->is_array() || (!n->as_array()->empty() && !n->is_array_of_tables())) {
    fail(n, "'" + std::string(key) + "' must be an array of tables ([[" + std::string(key) + "]]), not " +
                type_name(*n));
  }
  return n->as_array();
}

std::string TableReader::choice(std::string_view key, std::string fallback, const std::vector<std::string>& allowed) {
  const toml::node* n = t_.get(key);
  std::string v = string(key, fallback);
  for (const auto& a : allowed) {
    if (a == v) return v;
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + ("\"" + a + "\"");
  std::string msg = "'" + std::string(key) + "' = \"" + v + "\" is not allowed: expected one of " + list;
  const auto near = closest_match(v, allowed);
  if (!near.empty()) msg += "; did you mean \"" + near + "\"?";
  fail(n, msg);
}

void TableReader::finish() const {
  std::vector<std::string> allowed(seen_.begin(), seen_.end());
  for (auto&& [key, value] : t_) {
    if (seen_.count(key.str())) continue;
    std::string msg = "unknown key '" + std::string(key.str()) + "'";
    const auto near = closest_match(key.str(), allowed);
    if (!near.empty()) {
      msg += "; did you mean '" + near + "'?";
    } else {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      msg += "; allowed keys: " + list;
    }
    SourcePos pos = position_of(key);
    if (pos.line == 0) pos = position_of(value);
    throw InputError(pos, where_ + ": " + msg);
  }
}

namespace {

std::string file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISFIFO(mode)) return "is not a regular file (a FIFO)";
  if (S_ISCHR(mode)) return "is not a regular file (a character device)";
  if (S_ISBLK(mode)) return "is not a regular file (a block device)";
  if (S_ISSOCK(mode)) return "is not a regular file (a socket)";
  return "is not a regular file";
}

std::string errno_text(int err) {
  switch (err) {
    case ENOENT: return "no such file";
    case ELOOP: return "symlink loop (too many levels of symbolic links)";
    case EACCES: return "permission denied";
    case ENOTDIR: return "a component of the path is not a directory";
    case ENAMETOOLONG: return "the path is too long";
    default: return std::strerror(err);
  }
}

}  // namespace

std::string read_input_file(const std::string& path, std::size_t max_bytes, const SourcePos& from, const char* what) {
  const std::string prefix = std::string("cannot read ") + what + " '";
  if (path.empty()) throw InputError(from, std::string(what) + ": expected a path, got an empty string");
  if (path.find('\0') != std::string::npos) {
    std::string shown = path;
    for (auto& ch : shown) ch = ch == '\0' ? '?' : ch;
    throw InputError(from, prefix + shown + "': the path holds a NUL byte");
  }
  // stat() first: opening a FIFO would block until a writer comes, opening a device
  // can have effects. Only a regular file is opened.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw InputError(from, prefix + path + "': " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) throw InputError(from, prefix + path + "': " + file_kind(st.st_mode));
  const auto too_big = [&](std::uintmax_t size) {
    return InputError(SourcePos{path, 0, 0}, "file is " + std::to_string(size) + " bytes; " + what +
                                                 "s are limited to " + std::to_string(max_bytes) + " bytes");
  };
  if (static_cast<std::uintmax_t>(st.st_size) > max_bytes) throw too_big(static_cast<std::uintmax_t>(st.st_size));
  // O_NONBLOCK: should the path have become a FIFO since stat(), open() still returns.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw InputError(from, prefix + path + "': " + errno_text(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    throw InputError(from, prefix + path + "': " + file_kind(st.st_mode));
  }
  // Read at most max_bytes + 1: a file growing while it is read is still bounded.
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(from, prefix + path + "': " + errno_text(errno));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > max_bytes) throw too_big(text.size());
  }
  return text;
}

bool is_blank_toml(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  bool comment = false;
  for (char ch : text) {
    if (comment) {
      comment = ch != '\n';
    } else if (ch == '#') {
      comment = true;
    } else if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') {
      return false;
    }
  }
  return true;
}

}  // namespace smartpower::detail
