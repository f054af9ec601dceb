// MPI scale-out: `mpirun -np 2 smartpower run` writes the same summary.json (and mean
// series) as one process, byte for byte. Built only in a -DSMARTPOWER_MPI=ON build;
// without it CTest reports a skipped test (tests/CMakeLists.txt).
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "smartpower/core/ensemble.hpp"

TEST_CASE("mpirun -np 2 gives the same bytes as one process", "[mpi][determinism]") {
  REQUIRE(smartpower::built_with_mpi());  // built only with -DSMARTPOWER_MPI=ON (tests/CMakeLists.txt)
  const auto one = sptest::temp_dir("mpi1"), two = sptest::temp_dir("mpi2");
  const std::string args = " run " + sptest::scenario("baseline.toml") + " --runs 150 --seed 8 -q --out ";
  std::string text;
  REQUIRE(sptest::run(sptest::bin() + args + one.string(), &text) == 0);
  REQUIRE(sptest::run("mpirun --allow-run-as-root --oversubscribe -np 2 " + sptest::bin() + args + two.string() +
                          " --threads 1",
                      &text) == 0);
  CHECK(sptest::read((one / "summary.json").string()) == sptest::read((two / "summary.json").string()));
  CHECK(sptest::read((one / "timeseries.csv").string()) == sptest::read((two / "timeseries.csv").string()));
  // Printed once (rank 0 only).
  CHECK(text.find("wrote ") == text.rfind("wrote "));
}

namespace {
const std::string kMpirun = "mpirun --allow-run-as-root --oversubscribe -np 2 ";
}

TEST_CASE("mpirun -np 2 run --series all, sweep and calibrate give the same bytes as one process", "[mpi][determinism]") {
  REQUIRE(smartpower::built_with_mpi());  // built only with -DSMARTPOWER_MPI=ON (tests/CMakeLists.txt)
  std::string text;
  // Per-run time series: written by rank 0 alone.
  const auto one = sptest::temp_dir("mpi-all1"), two = sptest::temp_dir("mpi-all2");
  const std::string run = " run " + sptest::scenario("baseline.toml") + " --runs 5 --series all -q --out ";
  REQUIRE(sptest::run(sptest::bin() + run + one.string()) == 0);
  REQUIRE(sptest::run(kMpirun + sptest::bin() + run + two.string(), &text) == 0);
  CHECK(sptest::read((one / "timeseries.csv").string()) == sptest::read((two / "timeseries.csv").string()));
  // Sweep points split over the ranks.
  const auto dir = sptest::temp_dir("mpi-sweep");
  const std::string sweep = " sweep " + sptest::scenario("baseline.toml") + " --set model.alpha=0.3:0.7:0.1 --runs 6 -q --out ";
  REQUIRE(sptest::run(sptest::bin() + sweep + (dir / "one.csv").string()) == 0);
  REQUIRE(sptest::run(kMpirun + sptest::bin() + sweep + (dir / "two.csv").string(), &text) == 0);
  CHECK(sptest::read((dir / "one.csv").string()) == sptest::read((dir / "two.csv").string()));
  // Calibration: every rank follows the same search; rank 0 writes.
  const auto toy = sptest::write(dir / "toy.toml", sptest::calibration_toy());
  const auto claims = sptest::write(dir / "claims.toml", sptest::calibration_toy_fit_claim());
  // Same output name (the command line is recorded in the file), different folders.
  const auto c1 = sptest::temp_dir("mpi-cal1"), c2 = sptest::temp_dir("mpi-cal2");
  std::filesystem::copy_file(toy, c1 / "toy.toml");
  std::filesystem::copy_file(toy, c2 / "toy.toml");
  const std::string cal = " calibrate toy.toml --claims " + claims + " --starts 1 --evaluations 40 --runs 3 -q --out cal.toml";
  sptest::run("cd " + c1.string() + " && " + sptest::bin() + cal);
  sptest::run("cd " + c2.string() + " && " + kMpirun + sptest::bin() + cal);
  REQUIRE(std::filesystem::exists(c1 / "cal.toml"));
  CHECK(sptest::read((c1 / "cal.toml").string()) == sptest::read((c2 / "cal.toml").string()));
}

TEST_CASE("mpirun -np 2 calibrate --method abc spreads each batch over the ranks and gives the same bytes", "[mpi][abc]") {
  REQUIRE(smartpower::built_with_mpi());
  const auto dir = sptest::temp_dir("mpi-abc");
  const auto toy = sptest::write(dir / "toy.toml", sptest::calibration_toy());
  const auto claims = sptest::write(dir / "claims.toml", sptest::calibration_toy_fit_claim());
  const std::string abc = sptest::bin() + " calibrate " + toy + " --claims " + claims +
                          " --method abc --particles 60 --generations 3 --runs 2 --threads 2 -q --best ";
  std::string text;
  REQUIRE(sptest::run(abc + (dir / "best1.toml").string() + " --out " + (dir / "one.csv").string()) == 0);
  REQUIRE(sptest::run(kMpirun + abc + (dir / "best2.toml").string() + " --out " + (dir / "two.csv").string(), &text) == 0);
  CHECK(text.find("wrote ") == text.rfind("wrote "));  // printed by rank 0 alone
  CHECK(sptest::read((dir / "one.csv").string()) == sptest::read((dir / "two.csv").string()));
}
