// The malformed claims corpus: every bad claims file under tests/malformed/claims/ must
// be refused with its expected message and line (`# expect:` and `# line:` headers;
// line 0 = the message names the claims file but no line is checked).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "helpers.hpp"
#include "smartpower/analysis/claims_toml.hpp"
#include "smartpower/io/document.hpp"

using namespace smartpower;
namespace fs = std::filesystem;

TEST_CASE("every malformed claims file is refused with its message and line", "[claims][malformed]") {
  Document base = load_document(sptest::scenario("baseline.toml"));
  int cases = 0;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(sptest::root() + "/tests/malformed/claims")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path);
    std::string expect_line, line_line;
    std::getline(in, expect_line);
    std::getline(in, line_line);
    REQUIRE(expect_line.rfind("# expect: ", 0) == 0);
    REQUIRE(line_line.rfind("# line: ", 0) == 0);
    const std::string expect = expect_line.substr(10);
    const int line = std::stoi(line_line.substr(8));
    DYNAMIC_SECTION(path.filename().string()) {
      try {
        const ClaimSet set = load_claims(path.string());
        evaluate_claims(*base.table, set, ClaimOptions{});
        FAIL("accepted: " << path);
      } catch (const InputError& e) {
        CHECK_THAT(e.what(), Catch::Contains(expect));
        CHECK(e.pos().file == path.string());
        if (line > 0) CHECK(e.pos().line == line);
      }
    }
    ++cases;
  }
  CHECK(cases >= 12);
}
