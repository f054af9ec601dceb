// The output policy (docs/robustness.md, "What smartpower writes"): only named
// files, never a file smartpower did not write, inputs never outputs, one unit
// per commit, one writer per folder; a commit cut short is completed by the
// next writer.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/io/output.hpp"

using namespace smartpower;
namespace fs = std::filesystem;

namespace {
using sptest::listing;

void commit_two(const fs::path& dir, const std::string& a, const std::string& b) {
  OutputFolder out(dir.string(), "run", {"one.txt", "two.txt"});
  out.write("one.txt", [&](std::ostream& os) { os << a; });
  out.write("two.txt", [&](std::ostream& os) { os << b; });
  out.commit();
}
}  // namespace

TEST_CASE("a folder's own files are replaced, the user's are refused before any work", "[output]") {
  const auto dir = sptest::temp_dir("policy");
  commit_two(dir, "1", "2");
  commit_two(dir, "3", "4");  // its own, unchanged: replaced
  CHECK(sptest::read((dir / "one.txt").string()) == "3");
  sptest::write(dir / "mine.txt", "user");
  // A file the user wrote under an output name is never replaced.
  CHECK_THROWS_AS(OutputFolder(dir.string(), "other", {"mine.txt"}), InputError);
  // A file smartpower wrote and the user then changed is the user's now.
  sptest::write(dir / "two.txt", "edited by the user");
  CHECK_THROWS_WITH(OutputFolder(dir.string(), "run", {"one.txt", "two.txt"}), Catch::Contains("changed since"));
  CHECK(sptest::read((dir / "two.txt").string()) == "edited by the user");
  CHECK(sptest::read((dir / "mine.txt").string()) == "user");
}

TEST_CASE("an output that is an input is refused, by inode, through a symlink", "[output]") {
  const auto dir = sptest::temp_dir("inputs");
  const auto input = sptest::write(dir / "scenario.toml", "x = 1\n");
  fs::create_symlink(dir / "scenario.toml", dir / "alias.csv");
  CHECK_THROWS_AS(refuse_input_as_output((dir / "alias.csv").string(), {input}, "--out"), InputError);
  CHECK_THROWS_AS(check_output_path(input, {input}), InputError);
  CHECK_NOTHROW(refuse_input_as_output((dir / "new.csv").string(), {input}, "--out"));
  CHECK(sptest::read(input) == "x = 1\n");
}

TEST_CASE("one writer per folder: a second is refused at once", "[output]") {
  const auto dir = sptest::temp_dir("lock");
  OutputFolder first(dir.string(), "run", {"one.txt"});
  CHECK_THROWS_WITH(OutputFolder(dir.string(), "compare", {"other.txt"}), Catch::Contains("another smartpower"));
}

TEST_CASE(
    "a writer killed before its commit point leaves the old files; the "
    "next removes its temporaries",
    "[output][kill]") {
  const auto dir = sptest::temp_dir("killed");
  commit_two(dir, "old1", "old2");
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    OutputFolder out(dir.string(), "run", {"one.txt", "two.txt"});
    out.write("one.txt", [](std::ostream& os) { os << "new1"; });
    out.open("two.txt") << "new2";
    ::raise(SIGKILL);  // no destructor, no clean-up
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  CHECK(sptest::read((dir / "one.txt").string()) == "old1");
  CHECK(sptest::read((dir / "two.txt").string()) == "old2");
  CHECK(listing(dir).size() == 5);  // manifest, two files, two recorded temporaries
  commit_two(dir, "next1", "next2");
  CHECK(listing(dir) == std::vector<std::string>{".smartpower-manifest.json", "one.txt", "two.txt"});
  CHECK(sptest::read((dir / "two.txt").string()) == "next2");
}

TEST_CASE("a commit cut short between its renames is completed by the next writer", "[output][kill]") {
  const auto dir = sptest::temp_dir("pending");
  commit_two(dir, "old1", "old2");
  // The state a SIGKILL after the commit point and the first rename leaves: the
  // manifest says pending, one.txt is already new, two.txt's temporary is still
  // there.
  const fs::path manifest = dir / ".smartpower-manifest.json";
  auto j = nlohmann::json::parse(sptest::read(manifest.string()));
  sptest::write(dir / ".two.txt.smartpower-partial.1.1", "new2");
  fs::remove(dir / "one.txt");
  sptest::write(dir / "one.txt", "new1");
  j["temporaries"] = {".one.txt.smartpower-partial.1.0", ".two.txt.smartpower-partial.1.1"};
  j["pending"] = {
      {"unit", "run"},
      {"renames", nlohmann::json::array({nlohmann::json::array({".one.txt.smartpower-partial.1.0", "one.txt"}),
                                         nlohmann::json::array({".two.txt.smartpower-partial.1.1", "two.txt"})})},
      {"removals", nlohmann::json::array()}};
  sptest::write(manifest, j.dump());
  { OutputFolder next(dir.string(), "compare", {"compare.json"}); }  // any writer completes it
  CHECK(sptest::read((dir / "one.txt").string()) == "new1");
  CHECK(sptest::read((dir / "two.txt").string()) == "new2");
  CHECK(listing(dir) == std::vector<std::string>{".smartpower-manifest.json", "one.txt", "two.txt"});
  const auto after = nlohmann::json::parse(sptest::read(manifest.string()));
  CHECK_FALSE(after.contains("pending"));
  CHECK(after["files"].contains("two.txt"));
  commit_two(dir, "3", "4");  // and the completed files are its own again
  CHECK(sptest::read((dir / "two.txt").string()) == "4");
}
