// docs/tutorial.md runs as written: every ```sh block, in order, with `smartpower` on the
// PATH (the binary under test) and its outputs under a temporary folder.
//
// The blocks run in a temporary copy of the repository root made of symbolic links to
// every top-level entry (scenarios/, docs/, ...) except out/ and build/, so `out/...`
// paths land in the temporary folder and a what-if written to out/ can still say
// `extends = "../scenarios/baseline.toml"`, exactly as it does from the real root.
// A block whose info string says `expect-exit=N` must exit with N (a command meant to
// report a failure); every other block must exit with 0. Each block runs as one
// `sh -e` script, so any failing command in it fails the block.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>

#include "helpers.hpp"

namespace fs = std::filesystem;

namespace {

struct Block {
  int line = 0;       // first line of the block in the tutorial
  int expect = 0;     // expected exit code
  std::string text;   // the commands
};

std::vector<Block> sh_blocks(const std::string& markdown) {
  std::vector<Block> blocks;
  std::istringstream in(markdown);
  std::string line;
  int n = 0;
  bool inside = false, is_sh = false;
  Block cur;
  const std::regex open(R"(^```\s*(\S*)(.*)$)");
  while (std::getline(in, line)) {
    ++n;
    std::smatch m;
    if (!inside && std::regex_match(line, m, open)) {
      inside = true;
      is_sh = m[1] == "sh";
      cur = Block{n + 1, 0, ""};
      std::smatch e;
      const std::string rest = m[2];
      if (std::regex_search(rest, e, std::regex(R"(expect-exit=(\d+))"))) cur.expect = std::stoi(e[1]);
      continue;
    }
    if (inside && line.rfind("```", 0) == 0) {
      inside = false;
      if (is_sh) blocks.push_back(cur);
      continue;
    }
    if (inside && is_sh) cur.text += line + "\n";
  }
  REQUIRE_FALSE(inside);  // every fence is closed
  return blocks;
}

std::string sh_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

TEST_CASE("docs/tutorial.md: every command runs", "[tutorial][docs]") {
  const fs::path root = sptest::root();
  const std::string md = sptest::read((root / "docs" / "tutorial.md").string());
  REQUIRE_FALSE(md.empty());
  const auto blocks = sh_blocks(md);

  // What the tutorial must teach: the report, run, compare, lenses and claims commands,
  // at least five exercises, and a command meant to fail (a broken claim).
  std::string all;
  for (const auto& b : blocks) all += b.text;
  for (const char* cmd : {"smartpower run ", "smartpower report ", "smartpower compare ", "smartpower lenses ",
                          "smartpower claims ", "--compare ", "--lenses"}) {
    INFO(cmd);
    CHECK(all.find(cmd) != std::string::npos);
  }
  std::size_t exercises = 0;
  for (std::size_t p = md.find("### Exercise"); p != std::string::npos; p = md.find("### Exercise", p + 1)) ++exercises;
  CHECK(exercises >= 5);
  CHECK(std::count_if(blocks.begin(), blocks.end(), [](const Block& b) { return b.expect != 0; }) >= 1);
  REQUIRE(blocks.size() >= 10);

  // The temporary root: links to the repository's top-level entries, `smartpower` on PATH.
  const fs::path tmp = sptest::temp_dir("tutorial");
  for (const auto& entry : fs::directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    if (name == "out" || name == "build" || name == ".git") continue;
    fs::create_symlink(entry.path(), tmp / name);
  }
  fs::create_directories(tmp / ".bin");
  fs::create_symlink(fs::absolute(sptest::bin()), tmp / ".bin" / "smartpower");
  const std::string env = "cd " + sh_quote(tmp.string()) + " && PATH=" + sh_quote((tmp / ".bin").string()) + ":\"$PATH\" ";

  int i = 0;
  for (const auto& b : blocks) {
    const fs::path script = tmp / (".block-" + std::to_string(++i) + ".sh");
    sptest::write(script, b.text);
    std::string out;
    const int rc = sptest::run(env + "sh -e " + sh_quote(script.string()), &out);
    INFO("docs/tutorial.md block at line " << b.line << ":\n" << b.text << "--- output:\n" << out);
    CHECK(rc == b.expect);
  }

  // The pages the tutorial promises exist and are whole.
  for (const char* page : {"out/baseline/report.html", "out/trade_push.html", "out/russia_pressure.html",
                           "out/china_culture.html", "out/lenses.html", "out/russia_lenses.html", "out/heavy_trade.html"}) {
    INFO(page);
    const std::string html = sptest::read((tmp / page).string());
    CHECK(html.find("</html>") != std::string::npos);
  }
  CHECK(fs::exists(tmp / "out" / "baseline" / "summary.json"));
  fs::remove_all(tmp);
}
