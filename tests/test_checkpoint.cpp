// Checkpoints of sweeps and calibrations never lose a user's file, never mix results of
// another scenario or options into a resumed run, and parse strictly (issue 13).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <unistd.h>

#include "helpers.hpp"
#include "smartpower/analysis/calibration_toml.hpp"
#include "smartpower/io/checkpoint.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/io/output.hpp"
#include "smartpower/analysis/sweep.hpp"
#include "smartpower/analysis/sweep_toml.hpp"

using namespace smartpower;
namespace fs = std::filesystem;

namespace {

const std::string kClaims = sptest::calibration_toy_range_claim();

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

// A sweep over 6 points of the tiny scenario, through the library.
struct Sweep {
  fs::path dir = sptest::temp_dir("ckpt");
  std::string scenario = sptest::write(dir / "s.toml", sptest::tiny_scenario());
  std::string checkpoint = (dir / "s.checkpoint").string();
  std::vector<std::string> paths = {"model.rho"};
  std::vector<std::vector<double>> points = grid_points({parse_set_spec("model.rho=0:0.5:0.1")});

  SweepResult run(bool resume, std::size_t stop_after = 0, const std::string& file = "") {
    Document doc = load_document(file.empty() ? scenario : file);
    SweepOptions o;
    o.checkpoint = checkpoint;
    o.resume = resume;
    o.inputs = doc.files;
    std::atomic<bool> stop{false};
    o.stop = &stop;
    if (stop_after) o.progress = [&](long long done, long long) { stop = done >= static_cast<long long>(stop_after); };
    return run_sweep(*doc.table, paths, points, o);
  }
  // Interrupted after `n` points: the checkpoint holds them.
  void interrupt_after(std::size_t n) { CHECK_THROWS_AS(run(false, n), Interrupted); }
};

std::string csv(const SweepResult& r) {
  std::ostringstream ss;
  write_sweep_csv(ss, r);
  return ss.str();
}

}  // namespace

TEST_CASE("sweep --checkpoint naming the scenario is refused and the scenario survives", "[checkpoint][inputs]") {
  const auto dir = sptest::temp_dir("ckpt-input");
  const auto scenario = sptest::write(dir / "my.toml", sptest::tiny_scenario());
  const std::string before = sptest::read(scenario);
  std::string out;
  CHECK(sptest::run(sptest::bin() + " sweep " + q(scenario) + " --set model.rho=0.1:0.3:0.1 -q --out " +
                        q(dir / "r.csv") + " --checkpoint " + q(scenario),
                    &out) == 2);
  CHECK_THAT(out, Catch::Contains("--checkpoint") && Catch::Contains("my.toml"));
  REQUIRE(fs::exists(scenario));
  CHECK(sptest::read(scenario) == before);
  CHECK_FALSE(fs::exists(dir / "r.csv"));
  // Through a symlink, and a file of the extends chain: the same (device and inode).
  fs::create_symlink(scenario, dir / "link.checkpoint");
  const auto child = sptest::write(dir / "child.toml", "extends = \"my.toml\"\n");
  CHECK(sptest::run(sptest::bin() + " sweep " + q(child) + " --set model.rho=0.1:0.3:0.1 -q --out " + q(dir / "r.csv") +
                        " --checkpoint " + q(dir / "link.checkpoint"),
                    &out) == 2);
  CHECK(sptest::read(scenario) == before);
  CHECK(fs::is_symlink(dir / "link.checkpoint"));
}

TEST_CASE("--out naming an input is refused before any work", "[checkpoint][inputs]") {
  const auto dir = sptest::temp_dir("ckpt-out");
  const auto parent = sptest::write(dir / "parent.toml", sptest::calibration_toy());
  const auto scenario = sptest::write(dir / "x.toml", "extends = \"parent.toml\"\n");
  const auto claims = sptest::write(dir / "claims.toml", kClaims);
  const std::string p0 = sptest::read(parent), s0 = sptest::read(scenario), c0 = sptest::read(claims);
  std::string out;
  for (const auto& target : {scenario, parent, claims}) {
    INFO(target);
    CHECK(sptest::run(sptest::bin() + " calibrate " + q(scenario) + " --claims " + q(claims) + " -q --starts 1 " +
                          "--evaluations 5 --runs 1 --out " + q(target),
                      &out) == 2);
    CHECK_THAT(out, Catch::Contains("--out"));
  }
  CHECK(sptest::run(sptest::bin() + " sweep " + q(scenario) + " --set model.rho=0.1:0.3:0.1 -q --out " + q(parent), &out) ==
        2);
  CHECK(sptest::run(sptest::bin() + " sensitivity " + q(scenario) + " -q --trajectories 1 --out " + q(scenario), &out) ==
        2);
  CHECK(sptest::read(parent) == p0);
  CHECK(sptest::read(scenario) == s0);
  CHECK(sptest::read(claims) == c0);
  // --out and --checkpoint one file: the CSV would replace the checkpoint, then be deleted.
  CHECK(sptest::run(sptest::bin() + " sweep " + q(scenario) + " --set model.rho=0.1:0.3:0.1 -q --out " +
                        q(dir / "r.csv") + " --checkpoint " + q(dir / "." / "r.csv"),
                    &out) == 2);
  CHECK_THAT(out, Catch::Contains("same file"));
}

TEST_CASE("a file that is not a smartpower checkpoint is never overwritten or deleted", "[checkpoint][ownership]") {
  const auto dir = sptest::temp_dir("ckpt-own");
  const auto scenario = sptest::write(dir / "toy.toml", sptest::calibration_toy());
  const auto claims = sptest::write(dir / "claims.toml", kClaims);
  const auto notes = sptest::write(dir / "out.toml.checkpoint", "my notes\n");
  std::string out;
  // calibrate used to std::remove its checkpoint path when it started.
  CHECK(sptest::run(sptest::bin() + " calibrate " + q(scenario) + " --claims " + q(claims) +
                        " -q --starts 1 --evaluations 5 --runs 1 --out " + q(dir / "out.toml"),
                    &out) == 2);
  CHECK_THAT(out, Catch::Contains("is not a smartpower checkpoint"));
  CHECK(sptest::read(notes) == "my notes\n");
  CHECK(sptest::run(sptest::bin() + " sweep " + q(scenario) + " --set model.rho=0.1:0.3:0.1 -q --out " +
                        q(dir / "r.csv") + " --checkpoint " + q(notes),
                    &out) == 2);
  CHECK_THAT(out, Catch::Contains("is not a smartpower checkpoint"));
  CHECK(sptest::read(notes) == "my notes\n");
  // An empty file is not ours either; a sweep checkpoint is not a calibrate one.
  sptest::write(notes, "");
  CHECK(sptest::run(sptest::bin() + " calibrate " + q(scenario) + " --claims " + q(claims) +
                        " -q --starts 1 --evaluations 5 --runs 1 --out " + q(dir / "out.toml"),
                    &out) == 2);
  CHECK(fs::exists(notes));
  sptest::write(notes, "smartpower-sweep-checkpoint v2 runs=1\n");
  CHECK(sptest::run(sptest::bin() + " calibrate " + q(scenario) + " --claims " + q(claims) +
                        " -q --starts 1 --evaluations 5 --runs 1 --out " + q(dir / "out.toml"),
                    &out) == 2);
  CHECK_THAT(out, Catch::Contains("not a calibrate one"));
  // Our own checkpoint is replaced by a fresh run and removed when the run completes.
  sptest::write(notes, "smartpower-calibrate-checkpoint v1 scenario=0\n");
  CHECK(sptest::run(sptest::bin() + " calibrate " + q(scenario) + " --claims " + q(claims) +
                        " -q --starts 1 --evaluations 5 --runs 1 --out " + q(dir / "out.toml"),
                    &out) <= 1);
  CHECK(fs::exists(dir / "out.toml"));
  CHECK_FALSE(fs::exists(notes));
}

TEST_CASE("checkpoint paths that cannot be one are refused with exit 2", "[checkpoint][paths]") {
  const auto dir = sptest::temp_dir("ckpt-paths");
  const auto scenario = sptest::write(dir / "s.toml", sptest::tiny_scenario());
  const std::string sweep = sptest::bin() + " sweep " + q(scenario) + " --set model.rho=0.1:0.3:0.1 -q --out " +
                            q(dir / "r.csv") + " ";
  std::string out;
  CHECK(sptest::run(sweep + "--resume", &out) == 2);
  CHECK_THAT(out, Catch::Contains("no checkpoint file"));
  fs::create_directory(dir / "folder");
  CHECK(sptest::run(sweep + "--checkpoint " + q(dir / "folder"), &out) == 2);
  CHECK_THAT(out, Catch::Contains("is a folder"));
  CHECK(fs::is_directory(dir / "folder"));
  CHECK(sptest::run(sweep + "--checkpoint " + q(dir / "missing" / "c.ckpt"), &out) == 2);
  CHECK_THAT(out, Catch::Contains("does not exist"));
  CHECK_FALSE(fs::exists(dir / "missing"));
  CHECK(sptest::run(sweep + "--checkpoint /dev/null", &out) == 2);  // used to be deleted at the end
  CHECK_THAT(out, Catch::Contains("not a regular file"));
  CHECK(fs::is_character_file("/dev/null"));
  fs::create_symlink(dir / "nowhere", dir / "dangling");
  CHECK(sptest::run(sweep + "--checkpoint " + q(dir / "dangling"), &out) == 2);
  CHECK_FALSE(fs::exists(dir / "nowhere"));
  CHECK_FALSE(fs::exists(dir / "r.csv"));
}

TEST_CASE("a resumed sweep refuses a checkpoint of another scenario, lens or options", "[checkpoint][sweep]") {
  Sweep s;
  s.interrupt_after(2);
  // The scenario file edited since: refused, naming it.
  const std::string text = sptest::read(s.scenario);
  sptest::write(s.scenario, text + "\n[model]\nalpha = 0.3\n");
  CHECK_THROWS_WITH(s.run(true), Catch::Contains("different sweep") && Catch::Contains("another scenario"));
  sptest::write(s.scenario, text);
  // A lens changes the resolved scenario.
  {
    Document doc = load_document(s.scenario);
    SweepOptions o;
    o.checkpoint = s.checkpoint;
    o.resume = true;
    o.runs = 3;
    CHECK_THROWS_WITH(run_sweep(*doc.table, s.paths, s.points, o), Catch::Contains("another --runs"));
    o.runs = 1;
    o.outputs = {"balance[A]"};
    CHECK_THROWS_WITH(run_sweep(*doc.table, s.paths, s.points, o), Catch::Contains("--output"));
  }
  // The same sweep resumes to the uninterrupted bytes.
  const auto resumed = s.run(true);
  Sweep whole;
  CHECK(csv(resumed) == csv(whole.run(false)));
}

TEST_CASE("smartpower sweep --resume with another --lens is refused (exit 2)", "[checkpoint][sweep][cli]") {
  const auto dir = sptest::temp_dir("ckpt-lens");
  const auto scenario = sptest::write(dir / "s.toml", sptest::tiny_scenario("[lenses.realism]\n\"model.w_threat\" = 3.0\n"));
  // A checkpoint holding point 0 of this sweep without a lens, written through the library.
  Document doc = load_document(scenario);
  SweepOptions o;
  o.checkpoint = (dir / "r.csv.checkpoint").string();
  std::atomic<bool> stop{false};
  o.stop = &stop;
  o.progress = [&](long long done, long long) { stop = done >= 1; };
  const auto points = grid_points({parse_set_spec("model.rho=0.1:0.3:0.1")});
  CHECK_THROWS_AS(run_sweep(*doc.table, {"model.rho"}, points, o), Interrupted);
  const std::string sweep =
      sptest::bin() + " sweep " + q(scenario) + " --set model.rho=0.1:0.3:0.1 -q --out " + q(dir / "r.csv") + " --resume";
  std::string out;
  CHECK(sptest::run(sweep + " --lens realism", &out) == 2);
  CHECK_THAT(out, Catch::Contains("another scenario or lens"));
  CHECK(sptest::run(sweep, &out) == 0);  // the same sweep resumes
  CHECK_FALSE(fs::exists(dir / "r.csv.checkpoint"));
}

TEST_CASE("checkpoint lines are parsed strictly; a torn last line is tolerated", "[checkpoint][sweep][corrupt]") {
  Sweep whole;
  const std::string expected = csv(whole.run(false));
  Sweep s;
  s.interrupt_after(3);
  const std::string good = sptest::read(s.checkpoint);
  const auto first_nl = good.find('\n');
  const auto header = good.substr(0, first_nl + 1);
  const auto body = good.substr(first_nl + 1);
  REQUIRE(std::count(body.begin(), body.end(), '\n') == 3);
  const auto line2 = body.substr(0, body.find('\n') + 1);  // point 0

  SECTION("a torn last line (a kill part-way through a write) is dropped and cut off") {
    sptest::write(s.checkpoint, good + "3 3fe0000");
    CHECK(csv(s.run(true)) == expected);
  }
  SECTION("NaN or infinity bit patterns are refused, naming file and line") {
    std::string bad = line2;
    bad.replace(2, 16, hex_bits(std::nan("")));
    sptest::write(s.checkpoint, header + body + bad);
    CHECK_THROWS_WITH(s.run(true), Catch::Contains("s.checkpoint' line 5 is corrupt") && Catch::Contains("finite"));
    bad.replace(2, 16, hex_bits(INFINITY));
    sptest::write(s.checkpoint, header + bad + body);
    CHECK_THROWS_WITH(s.run(true), Catch::Contains("line 2 is corrupt"));
  }
  SECTION("a field that is not hex (once exit 3 from stoull) is an input error") {
    std::string bad = line2;
    bad.replace(2, 16, "zzzzzzzzzzzzzzzz");
    sptest::write(s.checkpoint, header + bad + body);
    CHECK_THROWS_AS(s.run(true), InputError);
    bad = line2;
    bad.insert(2, "1");
    sptest::write(s.checkpoint, header + bad);
    CHECK_THROWS_WITH(s.run(true), Catch::Contains("line 2 is corrupt"));
  }
  SECTION("wrong field counts, points out of range, conflicting duplicates") {
    sptest::write(s.checkpoint, header + "0 3fe0000000000000\n");
    CHECK_THROWS_WITH(s.run(true), Catch::Contains("line 2") && Catch::Contains("fields"));
    sptest::write(s.checkpoint, header + "99" + line2.substr(1));
    CHECK_THROWS_WITH(s.run(true), Catch::Contains("beyond"));
    sptest::write(s.checkpoint, header + "-1" + line2.substr(1));
    CHECK_THROWS_WITH(s.run(true), Catch::Contains("not a point number"));
    std::string other = line2;
    other.replace(2, 16, hex_bits(0.123));
    sptest::write(s.checkpoint, header + line2 + other);
    CHECK_THROWS_WITH(s.run(true), Catch::Contains("twice"));
  }
}

TEST_CASE("a checkpoint in use by another run is refused", "[checkpoint][lock]") {
  const auto dir = sptest::temp_dir("ckpt-lock");
  const std::string path = (dir / "c.checkpoint").string();
  CheckpointFile first(path, "sweep", "v2", {"a=1"}, {}, {}, false, true);
  CHECK_THROWS_WITH(CheckpointFile(path, "sweep", "v2", {"a=1"}, {}, {}, false, true),
                    Catch::Contains("in use by another smartpower process"));
  CHECK_THROWS_WITH(CheckpointFile(path, "sweep", "v2", {"a=1"}, {}, {}, true, true), Catch::Contains("in use"));
  first.append("0 x");
  // Only the file this run wrote is removed: not a file put in its place.
  const auto ref = first.ref();
  fs::rename(path, path + ".moved");
  sptest::write(path, "smartpower-sweep-checkpoint v2 a=1\n");
  CHECK_FALSE(remove_checkpoint(ref, "sweep"));
  CHECK(fs::exists(path));
  fs::remove(path);
  fs::rename(path + ".moved", path);
  CHECK_FALSE(remove_checkpoint(ref, "sweep"));  // still held (by `first`)
}

TEST_CASE("a calibration box that makes the scenario invalid is refused up front", "[checkpoint][calibration]") {
  auto doc = load_document_from_string(sptest::decay_only_scenario(R"(
[model]
rho = 0.5
[[calibration.parameters]]
path = "model.rho"
lo = 0.5
hi = 2.0
)"),
                                       "box.toml");
  CHECK_THROWS_WITH(calibration_parameters(*doc.table),
                    Catch::Contains("model.rho") && Catch::Contains("'hi'") && Catch::Contains("box.toml:"));
  // Through the command: exit 2, not a segfault.
  const auto dir = sptest::temp_dir("ckpt-box");
  const auto scenario = sptest::write(dir / "box.toml", sptest::decay_only_scenario(R"(
[model]
rho = 0.5
[[calibration.parameters]]
path = "model.rho"
lo = 1.0
hi = 2.0
)"));
  const auto claims = sptest::write(dir / "claims.toml", kClaims);
  std::string out;
  CHECK(sptest::run(sptest::bin() + " calibrate " + q(scenario) + " --claims " + q(claims) +
                        " -q --starts 1 --evaluations 5 --runs 1 --out " + q(dir / "o.toml"),
                    &out) == 2);
  CHECK_THAT(out, Catch::Contains("'lo' = 1 for 'model.rho'"));
}

TEST_CASE("an evaluation that fails stops the calibration with its error", "[checkpoint][calibration]") {
  // Each bound is valid with the other parameter at its start, but decay * dt > 1 inside
  // the box: the search used to end there silently (or read an empty best).
  const auto dir = sptest::temp_dir("ckpt-interior");
  const auto scenario = sptest::write(dir / "s.toml", sptest::decay_only_scenario(R"(
[relations.A.B]
stocks = { culture = 9.0 }
[[calibration.parameters]]
path = "levers.culture.decay"
lo = 0.1
hi = 3.9
[[calibration.parameters]]
path = "scenario.dt"
lo = 0.25
hi = 0.5
)"));
  const auto claims = load_claims(sptest::write(dir / "claims.toml", kClaims));
  CalibrationOptions o;
  o.starts = 3;
  o.evaluations = 200;
  o.runs = 1;
  CHECK_THROWS_WITH(calibrate(scenario, claims, o), Catch::Contains("calibration stopped at parameters"));
}

TEST_CASE("calibrate refuses options that cannot work", "[checkpoint][calibration][cli]") {
  const auto dir = sptest::temp_dir("ckpt-opts");
  const auto scenario = sptest::write(dir / "toy.toml", sptest::calibration_toy());
  const auto claims = sptest::write(dir / "claims.toml", kClaims);
  const std::string base = sptest::bin() + " calibrate " + q(scenario) + " --claims " + q(claims) + " -q ";
  const std::string cal = base + "--out " + q(dir / "o.toml") + " ";
  std::string out;
  for (const std::string bad : {"--runs 0", "--starts 0", "--evaluations -5", "--seconds nan", "--seconds inf",
                                "--seconds -1", "--seed -3"}) {
    INFO(bad);
    CHECK(sptest::run(cal + bad, &out) == 2);
  }
  CHECK_THAT(out, Catch::Contains("--seed"));
  CHECK(sptest::run(base + "--out " + q(dir / "missing" / "o.toml"), &out) == 2);
  CHECK_THAT(out, Catch::Contains("does not exist"));
  CHECK(sptest::run(cal + "--resume", &out) == 2);
  CHECK_THAT(out, Catch::Contains("no checkpoint file"));
  // The library says so too (no segfault on an empty best).
  CalibrationOptions o;
  o.runs = 0;
  CHECK_THROWS_AS(calibrate(scenario, load_claims(claims), o), InputError);
  o.runs = 1;
  o.seconds = std::nan("");
  CHECK_THROWS_AS(calibrate(scenario, load_claims(claims), o), InputError);
}

TEST_CASE("a calibration with a billion starts stops on the stop flag", "[checkpoint][calibration][interrupt]") {
  const auto dir = sptest::temp_dir("ckpt-starts");
  const auto scenario = sptest::write(dir / "toy.toml", sptest::calibration_toy());
  // A claim no parameter meets, so the search never ends by success.
  const auto claims = load_claims(sptest::write(dir / "claims.toml", R"(
[[claims]]
id = "X"
text = "impossible"
section = "test"
[[claims.checks]]
kind = "range"
metric = "stock[A,B,culture]"
at = 2001.0
min = 100.0
max = 200.0
)"));
  std::atomic<bool> stop{false};
  CalibrationOptions o;
  o.starts = 1'000'000'000;
  o.evaluations = 10;
  o.runs = 1;
  o.stop = &stop;
  o.checkpoint = (dir / "c.checkpoint").string();
  o.progress = [&](const CalibrationProgress& p) {
    if (p.evaluation >= 40) stop = true;
  };
  const auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(calibrate(scenario, claims, o), Interrupted);
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 20);
  // The checkpoint is kept and resumes.
  const std::string text = sptest::read(o.checkpoint);
  CHECK(text.rfind("smartpower-calibrate-checkpoint v1 ", 0) == 0);
  CHECK(std::count(text.begin(), text.end(), '\n') >= 41);
  stop = false;
  o.progress = nullptr;
  o.starts = 3;
  o.resume = true;
  const auto r = calibrate(scenario, claims, o);
  CHECK(r.replayed >= 40);
  CHECK(remove_checkpoint(r.checkpoint, "calibrate"));
  CHECK_FALSE(fs::exists(o.checkpoint));
}

TEST_CASE("a resumed calibration refuses a checkpoint of other claims or runs, and corrupt lines",
          "[checkpoint][calibration][resume]") {
  const auto dir = sptest::temp_dir("ckpt-calres");
  const auto scenario = sptest::write(dir / "toy.toml", sptest::calibration_toy());
  const auto claims_path = sptest::write(dir / "claims.toml", kClaims);
  const auto claims = load_claims(claims_path);
  std::atomic<bool> stop{false};
  CalibrationOptions o;
  o.starts = 1;
  o.evaluations = 60;
  o.runs = 1;
  o.stop = &stop;
  o.checkpoint = (dir / "c.checkpoint").string();
  o.progress = [&](const CalibrationProgress& p) {
    if (p.evaluation >= 20) stop = true;
  };
  CHECK_THROWS_AS(calibrate(scenario, claims, o), Interrupted);
  stop = false;
  o.progress = nullptr;
  o.resume = true;
  const std::string good = sptest::read(o.checkpoint);
  {
    auto o2 = o;
    o2.runs = 2;
    CHECK_THROWS_WITH(calibrate(scenario, claims, o2), Catch::Contains("different calibration") &&
                                                            Catch::Contains("another --runs"));
  }
  sptest::write(claims_path, kClaims + "\n# edited\n");
  CHECK_THROWS_WITH(calibrate(scenario, load_claims(claims_path), o), Catch::Contains("another claims file"));
  sptest::write(claims_path, kClaims);
  const auto nl = good.find('\n');
  sptest::write(o.checkpoint, good.substr(0, nl + 1) + "0123 4567\n" + good.substr(nl + 1));
  CHECK_THROWS_WITH(calibrate(scenario, claims, o), Catch::Contains("line 2 is corrupt"));
  sptest::write(o.checkpoint, good + "3fe0000000000000 " + hex_bits(std::nan("")) + "\n");
  CHECK_THROWS_WITH(calibrate(scenario, claims, o), Catch::Contains("not a finite number"));
  sptest::write(o.checkpoint, good + "3fe00000");  // torn: fine
  const auto r = calibrate(scenario, claims, o);
  CHECK(r.replayed >= 20);
}
