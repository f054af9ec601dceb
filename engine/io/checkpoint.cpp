#include "smartpower/io/checkpoint.hpp"

#include "smartpower/io/output.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smartpower/core/error.hpp"
#include "smartpower/io/output.hpp"

namespace smartpower {
namespace fs = std::filesystem;

std::uint64_t fnv1a64(std::string_view data, std::uint64_t h) {
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  for (int i = 15; i >= 0; --i) {
    buf[i] = "0123456789abcdef"[v & 15];
    v >>= 4;
  }
  buf[16] = 0;
  return buf;
}

bool parse_hex_bits(std::string_view t, double& value) {
  if (t.size() != 16) return false;
  std::uint64_t bits = 0;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), bits, 16);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) return false;
  std::memcpy(&value, &bits, sizeof value);
  return true;
}

bool parse_index(std::string_view t, std::size_t& value) {
  if (t.empty() || t.size() > 19) return false;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), value, 10);
  return r.ec == std::errc() && r.ptr == t.data() + t.size();
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t b = 0;
  while (true) {
    const auto e = line.find(' ', b);
    out.push_back(line.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  return out;
}

namespace {

std::string err_text(int e) { return std::strerror(e); }

// Reads up to `limit` bytes from the start of fd (everything when limit is 0).
std::string read_all(int fd, std::size_t limit = 0) {
  std::string out;
  char buf[65536];
  off_t off = 0;
  while (limit == 0 || out.size() < limit) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, off);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot read checkpoint: " + err_text(errno));
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    off += n;
  }
  if (limit && out.size() > limit) out.resize(limit);
  return out;
}

void write_all(int fd, std::string_view data, const std::string& shown) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot write checkpoint '" + shown + "': " + err_text(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool same_file(int fd, const std::string& path) {
  struct stat a {}, b {};
  if (::fstat(fd, &a) != 0 || ::stat(path.c_str(), &b) != 0) return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// "smartpower-sweep-checkpoint ..." -> "sweep"; "" when the text is no checkpoint of ours.
std::string kind_of(const std::string& line) {
  static const std::string pre = "smartpower-", post = "-checkpoint ";
  if (line.rfind(pre, 0) != 0) return "";
  const auto e = line.find(post, pre.size());
  if (e == std::string::npos || line.find(' ', pre.size()) < e) return "";
  return line.substr(pre.size(), e - pre.size());
}

[[noreturn]] void in_use(const std::string& shown) {
  throw InputError("checkpoint '" + shown +
                   "' is in use by another smartpower process; wait for it to finish or choose another --checkpoint");
}

}  // namespace

CheckpointFile::CheckpointFile(std::string path, std::string kind, std::string version, std::vector<std::string> fields,
                               std::vector<Field> describe, const std::vector<std::string>& inputs, bool resume,
                               bool writer)
    : shown_(std::move(path)), real_(shown_), magic_("smartpower-" + kind + "-checkpoint "), kind_(std::move(kind)) {
  if (shown_.empty()) throw InputError("--checkpoint: empty path; expected a file name");
  std::string header = magic_ + version;
  for (const auto& f : fields) header += " " + f;

  struct stat st {}, lst {};
  const bool exists = ::stat(shown_.c_str(), &st) == 0;
  const int stat_errno = errno;
  const bool link_exists = ::lstat(shown_.c_str(), &lst) == 0;
  if (!exists && stat_errno != ENOENT) {
    throw InputError("cannot use checkpoint '" + shown_ + "': " + err_text(stat_errno) + "; choose another --checkpoint");
  }
  if (!exists && link_exists) {
    throw InputError("checkpoint '" + shown_ +
                     "' is a symbolic link to a missing file; choose another --checkpoint (smartpower writes only "
                     "files it names and creates)");
  }
  if (exists && S_ISDIR(st.st_mode)) {
    throw InputError("checkpoint '" + shown_ + "' is a folder; expected a file name for --checkpoint");
  }
  if (exists && !S_ISREG(st.st_mode)) {
    throw InputError("checkpoint '" + shown_ + "' exists and is not a regular file; choose another --checkpoint");
  }
  refuse_input_as_output(shown_, inputs, "--checkpoint");
  if (resume && !exists) {
    throw InputError("--resume: no checkpoint file '" + shown_ +
                     "' (nothing to resume: run without --resume, or give the --checkpoint of the interrupted run)");
  }
  if (exists && S_ISLNK(lst.st_mode)) {
    std::error_code ec;
    const auto c = fs::canonical(shown_, ec);
    if (!ec) real_ = c.string();
  }
  if (!writer && !resume) return;

  // An existing file: ours only if it starts with our magic; locked while we use it.
  int old_fd = -1;
  std::string text;
  if (exists) {
    old_fd = ::open(real_.c_str(), (writer ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (old_fd < 0) {
      throw InputError("cannot open checkpoint '" + shown_ + "'" + (writer ? " for writing" : "") + ": " +
                       err_text(errno) + "; choose another --checkpoint");
    }
    try {
      if (writer) {
        if (::flock(old_fd, LOCK_EX | LOCK_NB) != 0) {
          if (errno == EWOULDBLOCK) in_use(shown_);
          throw InputError("cannot lock checkpoint '" + shown_ + "': " + err_text(errno));
        }
        if (!same_file(old_fd, real_)) in_use(shown_);  // replaced while we waited
      }
      const std::string head = first_line(read_all(old_fd, 4096));
      const std::string k = kind_of(head);
      if (k.empty()) {
        throw InputError("checkpoint '" + shown_ +
                         "' exists and is not a smartpower checkpoint; choose another --checkpoint (smartpower never "
                         "overwrites or deletes a file it did not write)");
      }
      if (k != kind_) {
        throw InputError("checkpoint '" + shown_ + "' is a smartpower " + k + " checkpoint, not a " + kind_ +
                         " one; choose another --checkpoint");
      }
      if (resume) {
        text = read_all(old_fd);
        const std::string got = first_line(text);
        if (got != header) {
          const auto theirs = split_fields(got), ours = split_fields(header);
          const std::string what = kind_ == "sweep" ? "sweep" : "calibration";
          if (theirs.size() < 2 || theirs[1] != version) {
            throw InputError("--resume: checkpoint '" + shown_ + "' of a different " + what + ": written by another " +
                             "version of smartpower (" + std::string(theirs.size() > 1 ? theirs[1] : "?") +
                             "; this one writes " + version + "); run without --resume to start over");
          }
          std::string diff;
          for (const auto& f : describe) {
            auto value = [&](const std::vector<std::string_view>& toks) {
              for (auto t : toks) {
                if (t.substr(0, f.key.size() + 1) == f.key + "=") return std::string(t.substr(f.key.size() + 1));
              }
              return std::string("\x01");
            };
            if (value(theirs) != value(ours)) diff += (diff.empty() ? "" : ", ") + f.description;
          }
          if (diff.empty()) diff = "other options";
          throw InputError("--resume: checkpoint '" + shown_ + "' is the checkpoint of a different " + what +
                           ": it was written for " + diff +
                           "; resume with the same scenario, lens and options, or run without --resume to start over");
        }
        // Complete lines after the header; a torn last line (no newline) is dropped.
        std::size_t pos = text.find('\n');
        std::size_t number = 1;
        std::size_t complete = pos == std::string::npos ? text.size() : pos + 1;
        while (pos != std::string::npos) {
          const std::size_t b = pos + 1;
          const std::size_t e = text.find('\n', b);
          if (e == std::string::npos) break;
          ++number;
          if (e > b) lines_.push_back({number, text.substr(b, e - b)});
          complete = e + 1;
          pos = e;
        }
        if (pos == std::string::npos) complete = text.size();  // the header alone, its newline torn off
        if (writer) {
          if (complete < text.size() && ::ftruncate(old_fd, static_cast<off_t>(complete)) != 0) {
            throw std::runtime_error("cannot cut the torn last line of checkpoint '" + shown_ + "': " + err_text(errno));
          }
          if (complete == text.size() && !text.empty() && text.back() != '\n') write_all(old_fd, "\n", shown_);
          ::lseek(old_fd, 0, SEEK_END);
          fd_ = old_fd;
          old_fd = -1;
        } else {
          ::close(old_fd);
          old_fd = -1;
        }
      }
    } catch (...) {
      if (old_fd >= 0) ::close(old_fd);
      throw;
    }
  }
  if (!writer) return;
  if (fd_ < 0) {
    // A fresh checkpoint: written whole under a temporary name, then put in place (a
    // link where nothing was, which fails if someone else got there first; a rename
    // over our own old checkpoint, which we hold locked).
    const fs::path target(real_);
    const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    const std::string tmp =
        (target.parent_path() / ("." + target.filename().string() + ".new." + std::to_string(::getpid()))).string();
    const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      const int e = errno;
      if (old_fd >= 0) ::close(old_fd);
      std::error_code ec;
      if (e == ENOENT || !fs::is_directory(dir, ec)) {
        throw InputError("cannot create checkpoint '" + shown_ + "': folder '" + dir.string() +
                         "' does not exist; create it or choose another --checkpoint");
      }
      throw InputError("cannot create checkpoint '" + shown_ + "': " + err_text(e) + "; choose another --checkpoint");
    }
    try {
      ::flock(fd, LOCK_EX | LOCK_NB);  // nobody else can know this file yet
      write_all(fd, header + "\n", shown_);
      if (old_fd >= 0) {
        if (::rename(tmp.c_str(), real_.c_str()) != 0) {
          throw std::runtime_error("cannot replace checkpoint '" + shown_ + "': " + err_text(errno));
        }
      } else if (::link(tmp.c_str(), real_.c_str()) == 0) {
        ::unlink(tmp.c_str());
      } else if (errno == EEXIST) {
        in_use(shown_);  // created by someone else since we looked
      } else if (::rename(tmp.c_str(), real_.c_str()) != 0) {  // a file system without hard links
        throw InputError("cannot create checkpoint '" + shown_ + "': " + err_text(errno));
      }
    } catch (...) {
      ::unlink(tmp.c_str());
      ::close(fd);
      if (old_fd >= 0) ::close(old_fd);
      throw;
    }
    if (old_fd >= 0) ::close(old_fd);
    fd_ = fd;
  }
  struct stat mine {};
  ::fstat(fd_, &mine);
  ref_ = {real_, static_cast<std::uint64_t>(mine.st_dev), static_cast<std::uint64_t>(mine.st_ino)};
}

CheckpointFile::~CheckpointFile() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock; the file stays for --resume
}

void CheckpointFile::corrupt(const Line& line, const std::string& why) const {
  throw InputError("checkpoint '" + shown_ + "' line " + std::to_string(line.number) + " is corrupt: " + why +
                   "; run without --resume to start over (this overwrites it)");
}

void CheckpointFile::append(const std::string& line) {
  if (fd_ < 0) return;
  std::lock_guard<std::mutex> lk(mu_);
  write_all(fd_, line + "\n", shown_);
}

bool remove_checkpoint(const CheckpointRef& ref, std::string_view kind) noexcept {
  if (!ref.valid()) return false;
  const int fd = ::open(ref.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  bool removed = false;
  try {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && static_cast<std::uint64_t>(st.st_dev) == ref.dev &&
        static_cast<std::uint64_t>(st.st_ino) == ref.ino && ::flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        same_file(fd, ref.path) && kind_of(first_line(read_all(fd, 4096))) == kind) {
      removed = ::unlink(ref.path.c_str()) == 0;
    }
  } catch (...) {
  }
  ::close(fd);
  return removed;
}

void refuse_same_file(const std::string& a, std::string_view role_a, const std::string& b, std::string_view role_b) {
  std::error_code ea, eb;
  const auto ca = fs::weakly_canonical(fs::absolute(a, ea), ea), cb = fs::weakly_canonical(fs::absolute(b, eb), eb);
  bool same = !ea && !eb && ca == cb;
  struct stat sa {}, sb {};
  if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0) {
    same = same || (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
  }
  if (same) {
    throw InputError(std::string(role_a) + " '" + a + "' and " + std::string(role_b) + " '" + b +
                     "' are the same file; give them different paths");
  }
}

void check_output_file(const std::string& path, std::string_view role, bool create_folder) {
  if (path.empty()) throw InputError(std::string(role) + ": empty path; expected a file name");
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    throw InputError(std::string(role) + " '" + path + "' is a folder; expected a file name");
  }
  const fs::path parent = fs::path(path).parent_path();
  // Free, or smartpower's own unchanged file (the folder's manifest): checked now, before
  // the work, not only when the result is written (docs/robustness.md, output policy).
  if (parent.empty() || fs::is_directory(parent, ec)) {
    check_output_path(path);
    return;
  }
  if (fs::exists(parent, ec)) {
    throw InputError(std::string(role) + " '" + path + "': '" + parent.string() + "' is not a folder");
  }
  if (!create_folder) {
    throw InputError(std::string(role) + " '" + path + "': folder '" + parent.string() +
                     "' does not exist; create it first");
  }
  fs::create_directories(parent, ec);
  if (ec) throw InputError(std::string(role) + " '" + path + "': cannot create folder '" + parent.string() + "': " + ec.message());
}

}  // namespace smartpower
