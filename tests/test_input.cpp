// Hostile input at the edges of the loader and the command line (issue 13): files that
// are not regular files, empty files, text encodings, huge indices and seeds, empty
// paths, [calibration] checked by validate, validate with many lenses and interrupted.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "helpers.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/error.hpp"

using namespace smartpower;
namespace fs = std::filesystem;

namespace {
std::string small() { return sptest::root() + "/tests/hostile/support/small.toml"; }
std::string q(const std::string& s) { return "'" + s + "'"; }
}  // namespace

TEST_CASE("a scenario path that is not a regular file says what it is, without blocking", "[input][files]") {
  const auto dir = sptest::temp_dir("input-files");
  CHECK_THROWS_WITH(load_document(dir.string()), Catch::Contains("is a directory"));
  const std::string fifo = (dir / "s.toml").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(load_document(fifo), Catch::Contains("is not a regular file (a FIFO)"));
  CHECK_THROWS_WITH(load_document("/dev/zero"), Catch::Contains("is not a regular file (a character device)"));
  CHECK_THROWS_WITH(load_document("/dev/urandom"), Catch::Contains("a character device"));
  fs::create_symlink("loop_b", dir / "loop_a");
  fs::create_symlink("loop_a", dir / "loop_b");
  CHECK_THROWS_WITH(load_document((dir / "loop_a").string()), Catch::Contains("symlink loop"));
  CHECK_THROWS_WITH(load_document((dir / "missing.toml").string()), Catch::Contains("no such file"));
  // The same through `extends`: the position of the extends line is named.
  const auto child = sptest::write(dir / "child.toml", "\n\nextends = \"s.toml\"\n");
  try {
    load_document(child);
    FAIL("accepted an extends to a FIFO");
  } catch (const InputError& e) {
    CHECK(e.pos().file == child);
    CHECK(e.pos().line == 3);
    CHECK_THAT(e.message(), Catch::Contains("a FIFO"));
  }
}

TEST_CASE("empty and comment-only files are named in the message", "[input][files]") {
  const auto dir = sptest::temp_dir("input-empty");
  for (const std::string& text : {std::string(), std::string("\n\n  \n"), std::string("# only a comment\r\n# another\n"),
                                 std::string("\xEF\xBB\xBF# a BOM and a comment\n")}) {
    const auto file = sptest::write(dir / "empty.toml", text);
    try {
      load_document(file);
      FAIL("accepted an empty file");
    } catch (const InputError& e) {
      CHECK(e.pos().file == file);
      CHECK_THAT(e.what(), Catch::StartsWith(file + ": the file is empty"));
    }
  }
}

TEST_CASE("a byte-order mark, CRLF line ends and a path with spaces and non-ASCII letters load", "[input][files]") {
  const auto dir = sptest::temp_dir("input-encoding") / "mes scénarios ü";
  fs::create_directories(dir);
  const std::string text = sptest::read(small());
  std::string crlf;
  for (char ch : text) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
  const auto base = sptest::write(dir / "base ü.toml", "\xEF\xBB\xBF" + crlf);
  const auto child = sptest::write(dir / "what if é.toml", "extends = \"base ü.toml\"\r\n[scenario]\r\nend = 2011.0\r\n");
  const Scenario a = build_scenario(*load_document(base).table);
  const Scenario b = build_scenario(*load_document(child).table);
  CHECK(a.n_actors() == 3);
  CHECK(b.info.end == 2011.0);
  std::string out;
  CHECK(sptest::run(q(sptest::bin()) + " validate " + q(child), &out) == 0);
}

TEST_CASE("a seed beyond the 64-bit range and an empty path are usage errors, exit 2", "[input][cli]") {
  const auto dir = sptest::temp_dir("input-cli");
  const std::string sp = q(sptest::bin());
  std::string out;
  // CLI11 alone would clamp to 9223372036854775807 and run.
  CHECK(sptest::run(sp + " run " + q(small()) + " --seed 99999999999999999999 --out " + q((dir / "o").string()), &out) == 2);
  CHECK_THAT(out, Catch::Contains("--seed: expected an integer in [0, 9223372036854775807]"));
  CHECK_FALSE(fs::exists(dir / "o"));
  CHECK(sptest::run(sp + " compare " + q(small()) + " " + q(small()) + " --seed 9223372036854775808", &out) == 2);
  CHECK(sptest::run(sp + " run " + q(small()) + " --seed 9223372036854775807 --out " + q((dir / "o").string()), &out) == 0);
  for (const std::string& cmd : {" run " + q(small()) + " --out ''", " sweep " + q(small()) + " --set model.rho=0:0.2:0.1 --out ''",
                                " report " + q(small()) + " --runs 2 --out ''", " compare " + q(small()) + " " + q(small()) + " --out ''"}) {
    INFO(cmd);
    CHECK(sptest::run(sp + cmd, &out) == 2);
    CHECK_THAT(out, Catch::Contains("--out: expected a path, got an empty string"));
  }
  CHECK(sptest::run(sp + " validate ''", &out) == 2);
}

TEST_CASE("validate checks [calibration]: paths, bounds and a valid scenario at each bound", "[input][calibration]") {
  const auto dir = sptest::temp_dir("input-calibration");
  const std::string sp = q(sptest::bin());
  auto validate = [&](const std::string& params, std::string* out) {
    const auto f = sptest::write(dir / "s.toml", "extends = " + q(small()) + "\n\n" + params);
    return sptest::run(sp + " validate " + q(f), out);
  };
  std::string out;
  CHECK(validate("[[calibration.parameters]]\npath = \"model.rho\"\nlo = -0.5\nhi = 0.8\n", &out) == 0);
  CHECK(validate("[[calibration.parameters]]\npath = \"modle.rho\"\nlo = -0.5\nhi = 0.8\n", &out) == 2);
  CHECK_THAT(out, Catch::Contains("'modle.rho' does not name a number"));
  CHECK(validate("[[calibration.parameters]]\npath = \"model.rho\"\nlo = 0.8\nhi = -0.5\n", &out) == 2);
  CHECK_THAT(out, Catch::Contains("must be greater than 'lo'"));
  CHECK(validate("[[calibration.parameters]]\npath = \"model.rho\"\nlo = 0.0\nhi = 0.5\nlog = true\n", &out) == 2);
  CHECK_THAT(out, Catch::Contains("must be positive for a log-scale parameter"));
  CHECK(validate("[[calibration.parameters]]\npath = \"model.rho\"\nlo = inf\nhi = 0.5\n", &out) == 2);
  // rho must stay below 1: the upper bound gives an invalid scenario, named at its line.
  CHECK(validate("[[calibration.parameters]]\npath = \"model.rho\"\nlo = 0.1\nhi = 1.5\n", &out) == 2);
  CHECK_THAT(out, Catch::Contains("s.toml:6:") && Catch::Contains("'model.rho'") && Catch::Contains("1.5") &&
                      Catch::Contains("'rho' = 1.5 is out of range"));
  CHECK(validate("[[calibration.parameters]]\npath = \"actors.99999999999999999999.budget\"\nlo = 0.1\nhi = 1.5\n", &out) == 2);
  CHECK_THAT(out, Catch::Contains("does not name a number"));
}

TEST_CASE("validate reads the file once for any number of lenses and stops on SIGINT", "[input][lenses]") {
  const auto dir = sptest::temp_dir("input-lenses");
  std::string text = sptest::read(small());
  for (int i = 0; i < 4000; ++i) text += "[lenses.l" + std::to_string(i) + "]\n\"model.rho\" = 0.25\n";
  const auto file = sptest::write(dir / "many.toml", text);
  const std::string sp = q(sptest::bin());
  std::string out;
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(sptest::run(sp + " validate " + q(file), &out) == 0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(seconds < 10);  // one load per lens took 20 s
  CHECK_THAT(out, Catch::Contains("(4001 lenses)"));
  // A bad lens among them is still named at its line.
  const auto bad = sptest::write(dir / "bad.toml", text + "[lenses.zbad]\n\"model.rho\" = 2.0\n");
  CHECK(sptest::run(sp + " validate " + q(bad), &out) == 2);
  CHECK_THAT(out, Catch::Contains("bad.toml:" + std::to_string(std::count(text.begin(), text.end(), '\n') + 2) + ":"));
  // 200,000 lenses take seconds; SIGINT after 0.5 s ends it with 130 at once.
  std::string huge = sptest::read(small());
  for (int i = 0; i < 200000; ++i) huge += "[lenses.l" + std::to_string(i) + "]\n";
  const auto many = sptest::write(dir / "huge.toml", huge);
  const auto t1 = std::chrono::steady_clock::now();
  const int status = sptest::run("timeout -s INT 0.5 " + sp + " validate " + q(many), &out);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  CHECK(status == 124);  // timeout's code when it had to send the signal...
  CHECK(took < 3);       // ...and the command ended at once
  CHECK(sptest::run("timeout --preserve-status -s INT 0.5 " + sp + " validate " + q(many), &out) == 130);
}
