// The malformed-scenario corpus (tests/malformed/*.toml): every file holds exactly one
// defect, and the loader must reject it with an InputError that says what is wrong and
// points at the right line. Each case file starts with header comments:
//
//   # expect: <fragment that must appear in InputError::message()>
//   # line: <expected pos().line; 0 = not checked, only allowed together with `# file:`>
//   # file: <path relative to tests/malformed/ that pos().file must end with>  (optional)
//   # lens: <lens to apply while loading>                                       (optional)
//
// Without `# file:` the error must name the case file itself. Files in
// tests/malformed/support/ are valid bases and cycle partners, not cases.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "smartpower/io/document.hpp"
#include "smartpower/core/error.hpp"

namespace fs = std::filesystem;

namespace {

std::string source_root() {
  if (const char* r = std::getenv("SMARTPOWER_ROOT"); r && *r) return r;
#ifdef SMARTPOWER_SOURCE_DIR
  return SMARTPOWER_SOURCE_DIR;
#else
  return {};
#endif
}

std::string cli_binary() {
  if (const char* b = std::getenv("SMARTPOWER_BIN"); b && *b) return b;
#ifdef SMARTPOWER_BIN_PATH
  return SMARTPOWER_BIN_PATH;
#else
  return {};
#endif
}

fs::path corpus_dir() {
  const std::string root = source_root();
  if (root.empty()) return {};
  return fs::path(root) / "tests" / "malformed";
}

struct Case {
  fs::path path;
  std::string name;      // file name, e.g. "range_alpha.toml"
  std::string expect;    // fragment of the message
  int line = -1;         // expected pos().line (0 with `file`: not checked)
  std::string file;      // pos().file must end with this ("" = the case file itself)
  std::string lens;      // lens to apply, if any
  std::string header_error;  // a problem with the header comments themselves
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string{} : s.substr(b, e - b + 1);
}

Case parse_case(const fs::path& path) {
  Case c;
  c.path = path;
  c.name = path.filename().string();
  std::ifstream in(path);
  std::string text;
  bool have_expect = false;
  // The header is the run of leading "# key: value" comment lines.
  while (std::getline(in, text)) {
    if (text.rfind("# ", 0) != 0) break;
    const auto colon = text.find(':');
    if (colon == std::string::npos) break;
    const std::string key = trim(text.substr(2, colon - 2));
    const std::string value = trim(text.substr(colon + 1));
    if (key == "expect") {
      c.expect = value;
      have_expect = true;
    } else if (key == "line") {
      try {
        c.line = std::stoi(value);
      } catch (const std::exception&) {
        c.header_error = "'# line:' is not a number: " + value;
      }
    } else if (key == "file") {
      c.file = value;
    } else if (key == "lens") {
      c.lens = value;
    } else {
      break;
    }
  }
  if (c.header_error.empty()) {
    if (!have_expect || c.expect.empty()) c.header_error = "missing '# expect: <fragment>' header";
    else if (c.line < 0) c.header_error = "missing '# line: <n>' header";
    else if (c.line == 0 && c.file.empty()) c.header_error = "'# line: 0' needs a '# file:' header";
  }
  return c;
}

std::vector<Case> corpus() {
  std::vector<Case> cases;
  const fs::path dir = corpus_dir();
  if (dir.empty() || !fs::is_directory(dir)) return cases;
  for (const auto& entry : fs::directory_iterator(dir)) {  // not recursive: support/ is skipped
    if (entry.is_regular_file() && entry.path().extension() == ".toml") cases.push_back(parse_case(entry.path()));
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

// What loading a case did. The load runs in a forked child, so a loader crash fails
// only that case instead of ending the whole test run.
struct Outcome {
  enum Kind { input_error, other_exception, accepted, crashed } kind = crashed;
  std::string message;  // message() of an InputError, what() of anything else
  std::string what;     // what() of an InputError
  smartpower::SourcePos pos;
  std::string crash;    // how the child ended when it did not report
};

void write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

Outcome load_in_child(const Case& c) {
  int fds[2];
  if (::pipe(fds) != 0) return {Outcome::crashed, "", "", {}, "pipe() failed"};
  const pid_t pid = ::fork();
  if (pid < 0) return {Outcome::crashed, "", "", {}, "fork() failed"};
  if (pid == 0) {
    ::close(fds[0]);
    for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, SIG_DFL);
    // Fields separated by NUL: kind, line, column, file, message, what.
    std::string out;
    try {
      (void)smartpower::load_scenario(c.path.string(), c.lens);
      out = std::string("N") + '\0';
    } catch (const smartpower::InputError& e) {
      out = std::string("I") + '\0' + std::to_string(e.pos().line) + '\0' + std::to_string(e.pos().column) + '\0' +
            e.pos().file + '\0' + e.message() + '\0' + e.what();
    } catch (const std::exception& e) {
      out = std::string("E") + '\0' + "0" + '\0' + "0" + '\0' + '\0' + e.what() + '\0';
    } catch (...) {
      out = std::string("E") + '\0' + "0" + '\0' + "0" + '\0' + '\0' + "an exception not derived from std::exception" + '\0';
    }
    write_all(fds[1], out);
    ::close(fds[1]);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string data;
  char buf[4096];
  for (;;) {
    const auto n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  Outcome o;
  if (data.empty()) {
    o.kind = Outcome::crashed;
    o.crash = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                                        ::strsignal(WTERMSIG(status)) + ")"
                                  : "exited with status " + std::to_string(WEXITSTATUS(status)) + " without a result";
    return o;
  }
  std::vector<std::string> f;
  std::size_t start = 0;
  for (;;) {
    const auto z = data.find('\0', start);
    f.push_back(data.substr(start, z == std::string::npos ? std::string::npos : z - start));
    if (z == std::string::npos) break;
    start = z + 1;
  }
  f.resize(6);
  o.kind = f[0] == "I" ? Outcome::input_error : f[0] == "N" ? Outcome::accepted : Outcome::other_exception;
  o.pos.line = f[1].empty() ? 0 : std::stoi(f[1]);
  o.pos.column = f[2].empty() ? 0 : std::stoi(f[2]);
  o.pos.file = f[3];
  o.message = f[4];
  o.what = f[5];
  return o;
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

}  // namespace

TEST_CASE("malformed corpus is found and has at least 25 cases", "[malformed]") {
  INFO("corpus directory: " << corpus_dir().string()
                            << " (set SMARTPOWER_ROOT to the source tree)");
  REQUIRE(fs::is_directory(corpus_dir()));
  const auto cases = corpus();
  CHECK(cases.size() >= 25);
  for (const auto& c : cases) {
    INFO(c.name << ": " << c.header_error);
    CHECK(c.header_error.empty());
  }
}

TEST_CASE("every malformed scenario is rejected with the expected message and line", "[malformed]") {
  const auto cases = corpus();
  REQUIRE(!cases.empty());
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      INFO("case file: " << c.path.string());
      REQUIRE(c.header_error.empty());
      const Outcome o = load_in_child(c);
      INFO("expected fragment: " << c.expect);
      switch (o.kind) {
        case Outcome::crashed: FAIL("the loader crashed: " << o.crash); break;
        case Outcome::accepted: FAIL("the loader accepted the scenario"); break;
        case Outcome::other_exception:
          FAIL("threw something other than smartpower::InputError: " << o.message);
          break;
        case Outcome::input_error: {
          INFO("error: " << o.what);
          INFO("pos: file '" << o.pos.file << "' line " << o.pos.line << " column " << o.pos.column);
          CHECK_THAT(o.message, Catch::Matchers::Contains(c.expect));
          if (c.line != 0) CHECK(o.pos.line == c.line);
          const std::string want_file = c.file.empty() ? c.name : c.file;
          INFO("expected pos().file to end with '" << want_file << "'");
          CHECK(ends_with(fs::path(o.pos.file).lexically_normal().generic_string(), "/" + want_file));
          break;
        }
      }
    }
  }
}

TEST_CASE("smartpower validate exits with status 2 on malformed scenarios", "[malformed][cli]") {
  const std::string bin = cli_binary();
  INFO("set SMARTPOWER_BIN to the smartpower binary");
  REQUIRE(!bin.empty());
  REQUIRE(fs::exists(bin));
  const fs::path dir = corpus_dir();
  REQUIRE(fs::is_directory(dir));
  // A syntax error, a validation error and an error located in another file.
  const std::vector<std::string> names = {"syntax_duplicate_key.toml", "unknown_key_typo_rho.toml",
                                          "extends_cycle.toml"};
  for (const auto& name : names) {
    DYNAMIC_SECTION(name) {
      const Case c = parse_case(dir / name);
      REQUIRE(c.header_error.empty());
      const fs::path log = fs::temp_directory_path() /
                           ("smartpower-malformed-" + std::to_string(::getpid()) + "-" + c.path.stem().string() + ".txt");
      const std::string cmd =
          quoted(bin) + " validate " + quoted(c.path.string()) + " > " + quoted(log.string()) + " 2>&1";
      const int status = std::system(cmd.c_str());
      std::ifstream in(log);
      std::ostringstream out;
      out << in.rdbuf();
      in.close();
      fs::remove(log);
      INFO("command: " << cmd);
      INFO("output: " << out.str());
      REQUIRE(status != -1);
      REQUIRE(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 2);
      // The CLI prints "error: file:line:col: message".
      CHECK_THAT(out.str(), Catch::Matchers::StartsWith("error: "));
      CHECK_THAT(out.str(), Catch::Matchers::Contains(c.expect));
      if (c.line != 0) {
        CHECK_THAT(out.str(), Catch::Matchers::Contains(name + ":" + std::to_string(c.line) + ":"));
      } else {
        CHECK_THAT(out.str(), Catch::Matchers::Contains(c.file + ":"));
      }
    }
  }
}
