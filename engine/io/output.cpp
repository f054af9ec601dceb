#include "smartpower/io/output.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smartpower/core/error.hpp"
#include "smartpower/core/memory.hpp"

namespace smartpower {
namespace fs = std::filesystem;

namespace {
// Under `mpirun -np P` every rank computes the same results; rank 0 alone
// writes them.
bool writes_files() { return cluster().rank == 0; }

struct NullBuffer : std::streambuf {
  int overflow(int c) override { return c; }
};
std::ostream& null_stream() {
  static NullBuffer buffer;
  static std::ostream stream(&buffer);
  return stream;
}
}  // namespace

namespace {

constexpr const char* kManifestName = ".smartpower-manifest.json";
constexpr const char* kManifestFormat = "smartpower output manifest v1";

// What a committed file looked like when smartpower wrote it.
struct Stamp {
  std::string unit;
  std::uint64_t size = 0, inode = 0;
  std::int64_t mtime_ns = 0;
};

std::optional<Stamp> stamp_of(const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  Stamp s;
  s.size = static_cast<std::uint64_t>(st.st_size);
  s.inode = static_cast<std::uint64_t>(st.st_ino);
  s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return s;
}

// The folder's record of what smartpower wrote there.
struct Manifest {
  std::map<std::string, Stamp> files;
  std::vector<std::string> temporaries;                      // created by a writer that held the lock
  std::string pending_unit;                                  // a commit under way
  std::vector<std::pair<std::string, std::string>> renames;  // (temporary, name)
  std::vector<std::string> removals;
};

fs::path manifest_path(const fs::path& dir) { return dir / kManifestName; }

Manifest read_manifest(const fs::path& dir) {
  Manifest m;
  const fs::path p = manifest_path(dir);
  std::ifstream in(p, std::ios::binary);
  if (!in) return m;
  const auto corrupt = [&](const std::string& why) {
    return InputError("'" + p.string() + "' (smartpower's record of the files it wrote there) is damaged: " + why +
                      "; move it away to let smartpower treat every file in the folder as "
                      "yours");
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
    if (!j.is_object() || j.value("format", "") != kManifestFormat) throw corrupt("not a manifest of this version");
    for (const auto& [name, f] : j.at("files").items()) {
      Stamp s;
      s.unit = f.at("unit").get<std::string>();
      s.size = f.at("size").get<std::uint64_t>();
      s.inode = f.at("inode").get<std::uint64_t>();
      s.mtime_ns = f.at("mtime_ns").get<std::int64_t>();
      m.files[name] = s;
    }
    for (const auto& t : j.value("temporaries", nlohmann::json::array())) m.temporaries.push_back(t.get<std::string>());
    if (j.contains("pending")) {
      const auto& pj = j.at("pending");
      m.pending_unit = pj.at("unit").get<std::string>();
      for (const auto& r : pj.at("renames"))
        m.renames.emplace_back(r.at(0).get<std::string>(), r.at(1).get<std::string>());
      for (const auto& r : pj.at("removals")) m.removals.push_back(r.get<std::string>());
    }
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw corrupt(e.what());
  }
  // Names are plain file names in this folder, never paths.
  const auto plain = [](const std::string& n) {
    return !n.empty() && n != "." && n != ".." && n.find('/') == std::string::npos && n.find('\0') == std::string::npos;
  };
  for (const auto& [n, s] : m.files) {
    if (!plain(n)) throw corrupt("a file name '" + n + "' is not a plain name");
  }
  for (const auto& t : m.temporaries) {
    if (!plain(t)) throw corrupt("a temporary '" + t + "' is not a plain name");
  }
  for (const auto& [t, n] : m.renames) {
    if (!plain(t) || !plain(n)) throw corrupt("a pending rename is not between plain names");
  }
  for (const auto& n : m.removals) {
    if (!plain(n)) throw corrupt("a pending removal is not a plain name");
  }
  return m;
}

void sync_fd_of(const fs::path& p, int flags) {
  const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Replaces the manifest in one rename (its own temporary has a fixed, reserved
// name: only the lock holder writes it).
void write_manifest(const fs::path& dir, const Manifest& m) {
  nlohmann::ordered_json j;
  j["format"] = kManifestFormat;
  j["note"] =
      "smartpower replaces or removes only the files listed here, and "
      "only while they are unchanged";
  auto& files = j["files"];
  files = nlohmann::ordered_json::object();
  for (const auto& [name, s] : m.files) {
    files[name] = {{"unit", s.unit}, {"size", s.size}, {"mtime_ns", s.mtime_ns}, {"inode", s.inode}};
  }
  if (!m.temporaries.empty()) j["temporaries"] = m.temporaries;
  if (!m.pending_unit.empty()) {
    nlohmann::ordered_json renames = nlohmann::ordered_json::array();
    for (const auto& [t, n] : m.renames) renames.push_back({t, n});
    j["pending"] = {{"unit", m.pending_unit}, {"renames", renames}, {"removals", m.removals}};
  }
  const fs::path tmp = dir / (std::string(kManifestName) + ".new");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << j.dump(1) << "\n";
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw std::runtime_error("cannot write '" + tmp.string() + "' (disk full?)");
    }
  }
  sync_fd_of(tmp, O_RDONLY);
  fs::rename(tmp, manifest_path(dir));
  sync_fd_of(dir, O_RDONLY | O_DIRECTORY);
}

// A file is smartpower's to replace or remove only if the manifest lists it and
// it is still exactly what was written (size, modification time, inode).
bool is_ours(const Manifest& m, const fs::path& dir, const std::string& name) {
  const auto it = m.files.find(name);
  if (it == m.files.end()) return false;
  const auto now = stamp_of(dir / name);
  return now && now->size == it->second.size && now->inode == it->second.inode && now->mtime_ns == it->second.mtime_ns;
}

// Finishes what a writer killed part-way left: a pending commit is rolled
// forward (the renames whose temporary still exists, the removals of files
// still unchanged), and the temporaries it recorded are removed. Only called by
// the lock holder.
void recover(const fs::path& dir, Manifest& m) {
  if (m.pending_unit.empty() && m.temporaries.empty()) return;
  std::error_code ec;
  if (!m.pending_unit.empty()) {
    for (const auto& [tmp, name] : m.renames) {
      if (!stamp_of(dir / tmp)) continue;  // already renamed
      fs::rename(dir / tmp, dir / name, ec);
      if (ec) throw InputError("cannot complete an interrupted commit in '" + dir.string() + "': " + ec.message());
    }
    for (const auto& name : m.removals) {
      if (is_ours(m, dir, name)) fs::remove(dir / name, ec);
      m.files.erase(name);
    }
    // A renamed file's stamp may have been recorded before the rename: refresh
    // them.
    for (const auto& [tmp, name] : m.renames) {
      if (auto s = stamp_of(dir / name)) {
        s->unit = m.pending_unit;
        m.files[name] = *s;
      }
    }
  }
  for (const auto& tmp : m.temporaries) {
    bool renamed_away = false;
    for (const auto& [t, n] : m.renames) renamed_away = renamed_away || t == tmp;
    if (!renamed_away) fs::remove(dir / tmp, ec);
  }
  m.temporaries.clear();
  m.pending_unit.clear();
  m.renames.clear();
  m.removals.clear();
  write_manifest(dir, m);
}

// Takes the folder's writer lock (flock on the folder itself: no lock file), or
// throws.
int lock_folder(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw InputError("cannot open output folder '" + dir.string() + "': " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw InputError("output folder '" + dir.string() +
                     "' is being written by another smartpower command; wait "
                     "for it to finish or choose another folder");
  }
  return fd;
}

bool plain_name(const std::string& n) {
  return !n.empty() && n != "." && n != ".." && n.find('/') == std::string::npos && n != kManifestName;
}

// The checks every output name gets before any work: a plain name, not an
// input, and absent or smartpower's own unchanged file.
void check_name(const fs::path& dir, const std::string& name, const Manifest& m,
                const std::vector<std::string>& inputs) {
  const fs::path p = dir / name;
  refuse_input_as_output(p.string(), inputs, "output");
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return;  // free
  if (S_ISDIR(st.st_mode)) {
    throw InputError("'" + p.string() + "' is a folder; smartpower would write its file '" + name +
                     "' there: choose another output folder");
  }
  if (!S_ISREG(st.st_mode)) {
    throw InputError("'" + p.string() + "' exists and is not a regular file (" +
                     (S_ISLNK(st.st_mode) ? "a symbolic link" : "a special file") +
                     "); smartpower replaces only files it wrote itself: choose another "
                     "output");
  }
  if (!is_ours(m, dir, name)) {
    throw InputError("'" + p.string() + "' exists and smartpower did not write it (or it changed since" +
                     std::string(m.files.count(name) ? ", so it is yours now" : "") +
                     "); smartpower never replaces such a file: move it away or choose "
                     "another output");
  }
}

void check_folder_path(const fs::path& dir) {
  if (dir.empty()) throw InputError("--out: expected a folder or file path, got an empty string");
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
    throw InputError("output folder '" + dir.string() + "' exists and is not a folder");
  }
}

}  // namespace

OutputFolder::OutputFolder(std::string dir, std::string unit, std::vector<std::string> names,
                           const std::vector<std::string>& inputs)
    : dir_(std::move(dir)), unit_(std::move(unit)), names_(std::move(names)) {
  if (!writes_files()) return;
  check_folder_path(dir_);
  for (const auto& n : names_) {
    if (!plain_name(n)) throw InputError("output name '" + n + "' is not a plain file name");
  }
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) {
    fs::create_directories(dir_, ec);
    if (ec) throw InputError("cannot create output folder '" + dir_ + "': " + ec.message());
  }
  lock_fd_ = lock_folder(dir_);
  try {
    Manifest m = read_manifest(dir_);
    recover(dir_, m);
    for (const auto& n : names_) check_name(dir_, n, m, inputs);
  } catch (...) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw;
  }
}

OutputFolder::~OutputFolder() {
  if (lock_fd_ < 0) return;
  if (!committed_) {
    streams_.clear();
    std::error_code ec;
    for (const auto& p : pending_) fs::remove(fs::path(dir_) / p.tmp, ec);
    try {
      Manifest m = read_manifest(dir_);
      if (!pending_.empty() && m.pending_unit.empty()) {
        std::erase_if(m.temporaries, [&](const std::string& t) {
          return std::any_of(pending_.begin(), pending_.end(), [&](const Pending& p) { return p.tmp == t; });
        });
        write_manifest(dir_, m);
      }
    } catch (...) {
      // The next writer removes the recorded temporaries.
    }
  }
  ::close(lock_fd_);  // releases the lock
}

std::string OutputFolder::path(const std::string& name) const { return (fs::path(dir_) / name).string(); }

std::ostream& OutputFolder::open(const std::string& name) {
  if (!writes_files()) return null_stream();
  if (std::find(names_.begin(), names_.end(), name) == names_.end()) {
    throw std::logic_error("OutputFolder::open: '" + name + "' was not declared");
  }
  static std::atomic<unsigned> counter{0};
  const std::string tmp =
      "." + name + ".smartpower-partial." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  // Recorded before it exists, so that a writer killed now leaves nothing
  // unrecorded.
  Manifest m = read_manifest(dir_);
  m.temporaries.push_back(tmp);
  write_manifest(dir_, m);
  const fs::path full = fs::path(dir_) / tmp;
  auto out = std::make_unique<std::ofstream>(full, std::ios::binary | std::ios::trunc);
  if (!*out) throw InputError("cannot write '" + full.string() + "': check that the folder is writable");
  pending_.push_back({name, tmp});
  streams_.push_back(std::move(out));
  return *streams_.back();
}

void OutputFolder::write(const std::string& name, const std::function<void(std::ostream&)>& fill) { fill(open(name)); }

void OutputFolder::commit() {
  if (!writes_files()) {
    committed_ = true;
    return;
  }
  for (auto& s : streams_) {
    s->flush();
    if (!*s) throw std::runtime_error("writing into '" + dir_ + "' failed (disk full?)");
    s->close();
    if (!*s) throw std::runtime_error("writing into '" + dir_ + "' failed (disk full?)");
  }
  streams_.clear();
  const fs::path dir(dir_);
  for (const auto& p : pending_) sync_fd_of(dir / p.tmp, O_RDONLY);
  Manifest m = read_manifest(dir);
  // Checked again: a file may have appeared or changed while this command
  // worked.
  for (const auto& p : pending_) check_name(dir, p.name, m, {});
  std::vector<std::string> written;
  for (const auto& p : pending_) written.push_back(p.name);
  m.pending_unit = unit_;
  for (const auto& p : pending_) m.renames.emplace_back(p.tmp, p.name);
  // Files an earlier commit of this unit wrote and this one does not: removed
  // if still unchanged (else they are the user's now, and only forgotten).
  for (const auto& [name, s] : m.files) {
    if (s.unit == unit_ && std::find(written.begin(), written.end(), name) == written.end()) m.removals.push_back(name);
  }
  write_manifest(dir, m);  // the commit point: from here on it is completed, if
                           // need be by the next writer
  recover(dir, m);
  committed_ = true;
}

void check_output_path(const std::string& path, const std::vector<std::string>& inputs) {
  if (!writes_files()) return;
  if (path.empty()) throw InputError("--out: expected a file path, got an empty string");
  const fs::path target(path);
  std::error_code ec;
  if (fs::is_directory(target, ec)) {
    throw InputError("--out '" + path + "' is a folder; expected a file name (for example '" +
                     (target / "out.csv").string() + "')");
  }
  const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  refuse_input_as_output(path, inputs, "--out");
  // The folder or its nearest existing ancestor must be a folder: refused now, not after
  // another output of the same command was written (report --data at a file).
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) {
      check_folder_path(p);
      break;
    }
    if (p == p.parent_path()) break;
  }
  if (!fs::is_directory(dir, ec)) return;  // created when written
  check_name(dir, target.filename().string(), read_manifest(dir), inputs);
}

void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& fill,
                      const std::vector<std::string>& inputs) {
  if (!writes_files()) {
    fill(null_stream());
    return;
  }
  if (path.empty()) throw InputError("--out: expected a file path, got an empty string");
  const fs::path target(path);
  std::error_code ec;
  if (fs::is_directory(target, ec)) throw InputError("--out '" + path + "' is a folder; expected a file name");
  const std::string name = target.filename().string();
  OutputFolder folder(target.parent_path().empty() ? "." : target.parent_path().string(), name, {name}, inputs);
  folder.write(name, fill);
  folder.commit();
}

void refuse_input_as_output(const std::string& output_path, const std::vector<std::string>& input_paths,
                            std::string_view role) {
  struct stat out {};
  if (::stat(output_path.c_str(), &out) != 0) return;  // nothing there yet: not an input
  for (const auto& input : input_paths) {
    struct stat in {};
    if (::stat(input.c_str(), &in) != 0) continue;
    if (in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
      throw InputError(std::string(role) + " '" + output_path + "' is the input file '" + input +
                       "'; an output never replaces an input: choose another path");
    }
  }
}

static std::string gib(double bytes) { return format_fixed(bytes / (1024.0 * 1024 * 1024), 1) + " GiB"; }

void check_output_budget(const Model& model, long long runs, bool per_run_series, const std::string& out_dir,
                         double max_output_bytes, double max_memory_bytes) {
  const double N = model.n_actors(), K = model.n_levers(), instants = model.steps() + 1.0;
  const double finals = static_cast<double>(runs) * (3 * N + 9 * N * N) * 8.0;
  if (finals > max_memory_bytes) {
    throw InputError(std::to_string(runs) + " runs would keep " + gib(finals) +
                     " of final outcomes in memory; the limit is " + gib(max_memory_bytes) + " (use fewer runs)");
  }
  // The run's peak (on one thread: run_ensemble checks again with the threads and
  // statistics it is given) against the memory there is (smartpower/core/memory.hpp).
  require_memory(estimate_run(shape_of(model), static_cast<int>(std::min<long long>(runs, 1 << 30)), 1,
                              per_run_series ? "all" : "none"));
  if (!per_run_series) return;
  // About 40 bytes per CSV row; rows per instant: actor, dyad and dyad-lever
  // metrics.
  const double rows = 3 * N + 9 * N * (N - 1) + 6 * K * N * (N - 1);
  const double bytes = static_cast<double>(runs) * instants * rows * 40.0;
  std::error_code ec;
  fs::path probe = fs::absolute(out_dir);
  while (!probe.empty() && !fs::exists(probe, ec)) probe = probe.parent_path();
  const auto space = fs::space(probe.empty() ? fs::path(".") : probe, ec);
  const double free_bytes = ec ? max_output_bytes : static_cast<double>(space.available);
  if (bytes > std::min(max_output_bytes, free_bytes)) {
    throw InputError("writing every run's time series would take about " + gib(bytes) +
                     " (free disk: " + gib(free_bytes) + ", limit " + gib(max_output_bytes) +
                     "); use --series mean or --series none, or fewer runs");
  }
}

std::string hex_bits(double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(bits));
  return buf;
}

double from_hex_bits(const std::string& hex) {
  const std::uint64_t bits = std::stoull(hex, nullptr, 16);
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

void write_series_header(std::ostream& out) { out << "run,time,metric,actor,partner,lever,value\n"; }

void write_series_rows(std::ostream& out, const Model& model, const std::string& run_label,
                       std::span<const double> times, std::span<const double> series) {
  const auto& L = model.layout();
  const Scenario& sc = model.scenario();
  const int N = model.n_actors(), K = model.n_levers();
  const std::size_t M = L.size();
  std::string line;
  for (std::size_t t = 0; t < times.size(); ++t) {
    const double* x = series.data() + t * M;
    const std::string time = format_number(times[t]);
    for (int m = 0; m < kMetricCount; ++m) {
      const auto metric = static_cast<Metric>(m);
      const MetricInfo& info = metric_info(metric);
      if (info.shape == Shape::actor) {
        for (int i = 0; i < N; ++i) {
          out << run_label << ',' << time << ',' << info.name << ',' << sc.actors[i].id << ",,,"
              << format_number(x[L.index(metric, i)]) << '\n';
        }
      } else if (info.shape == Shape::dyad) {
        for (int i = 0; i < N; ++i) {
          for (int j = 0; j < N; ++j) {
            if (i == j) continue;
            out << run_label << ',' << time << ',' << info.name << ',' << sc.actors[i].id << ',' << sc.actors[j].id
                << ",," << format_number(x[L.index(metric, i, j)]) << '\n';
          }
        }
      } else {
        for (int k = 0; k < K; ++k) {
          if (!lever_metric_on(metric, sc.levers[k])) continue;
          for (int i = 0; i < N; ++i) {
            for (int j = 0; j < N; ++j) {
              if (i == j) continue;
              out << run_label << ',' << time << ',' << info.name << ',' << sc.actors[i].id << ',' << sc.actors[j].id
                  << ',' << sc.levers[k].id << ',' << format_number(x[L.index(metric, i, j, k)]) << '\n';
            }
          }
        }
      }
    }
  }
}

namespace {
nlohmann::ordered_json stats_json(const Stats& s, int runs) {
  nlohmann::ordered_json j;
  j["mean"] = s.mean;
  if (runs > 1) {
    j["sd"] = s.sd;
    j["q05"] = s.q05;
    j["q50"] = s.q50;
    j["q95"] = s.q95;
  }
  return j;
}
}  // namespace

nlohmann::ordered_json summary_json(const Model& model, const EnsembleResult& r, const RunInfo& info) {
  const auto& L = model.layout();
  const Scenario& sc = model.scenario();
  const int N = model.n_actors();
  // Column lookup: metric index -> position among the kept final columns.
  std::vector<long> pos(L.size(), -1);
  for (std::size_t c = 0; c < r.final_columns.size(); ++c) pos[r.final_columns[c]] = static_cast<long>(c);

  nlohmann::ordered_json j;
  j["engine"] = {{"name", "smartpower"}, {"version", engine_version()}};
  j["command"] = info.command;
  j["scenario"] = {{"file", info.file}, {"name", sc.info.name}, {"lens", info.lens}};
  j["seed"] = info.seed;
  j["runs"] = info.runs;
  j["time"] = r.times.empty() ? sc.info.end : r.times.back();
  j["statistics"] = info.runs > 1 ? "mean, sd and 5/50/95 % quantiles over runs" : "single run: the value";
  auto& actors = j["actors"];
  for (int i = 0; i < N; ++i) {
    nlohmann::ordered_json a;
    a["name"] = sc.actors[i].name;
    for (Metric m : {Metric::balance, Metric::hhi}) {
      const long c = pos[L.index(m, i)];
      if (c >= 0) a[metric_info(m).name] = stats_json(final_stats(r, c), info.runs);
    }
    nlohmann::ordered_json partners;
    for (int p = 0; p < N; ++p) {
      if (p == i) continue;
      nlohmann::ordered_json d;
      for (Metric m : {Metric::dependence, Metric::soft, Metric::hard, Metric::smart, Metric::soft_share,
                       Metric::alignment, Metric::threat, Metric::affinity}) {
        const long c = pos[L.index(m, i, p)];
        if (c >= 0) d[metric_info(m).name] = stats_json(final_stats(r, c), info.runs);
      }
      partners[sc.actors[p].id] = d;
    }
    a["partners"] = partners;
    actors[sc.actors[i].id] = a;
  }
  j["resolved_scenario"] = info.resolved_toml;
  return j;
}

}  // namespace smartpower
