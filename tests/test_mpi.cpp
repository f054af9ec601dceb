// MPI scale-out: `mpirun -np 2 smartpower run` writes the same summary.json (and mean
// series) as one process, byte for byte. Runs only in a -DSMARTPOWER_MPI=ON build.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "smartpower/ensemble.hpp"

TEST_CASE("mpirun -np 2 gives the same bytes as one process", "[mpi][determinism]") {
  if (!smartpower::built_with_mpi()) {
    WARN("built without -DSMARTPOWER_MPI=ON: skipped");
    return;
  }
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
