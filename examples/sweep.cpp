// A sweep written in code: one parameter, named by its key path, over evenly spaced
// values, each point an ensemble with the same seed. The path is resolved once against
// the key registry (a typo is an error naming the closest key); every point then sets a
// number of a Scenario value, with no TOML edited per point. Prints the sweep's CSV,
// the same bytes as `smartpower sweep FILE --set PATH=LO:HI:STEP --output OUTCOME`.
//
//   sweep SCENARIO PATH LO HI COUNT OUTCOME RUNS
//   sweep scenarios/baseline.toml actors.TUR.budget 0.5 2 4 'dependence[KAZ,TUR]' 20
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <smartpower/smartpower.hpp>

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: sweep SCENARIO PATH LO HI COUNT OUTCOME RUNS\n");
    return 2;
  }
  try {
    smartpower::RunPlans plans(smartpower::load_scenario(argv[1]), {argv[2]});
    plans.add_range(argv[2], std::atof(argv[3]), std::atof(argv[4]), std::atoi(argv[5]));

    smartpower::SweepOptions options;
    options.runs = std::atoi(argv[7]);
    options.outputs = {argv[6]};
    const smartpower::SweepResult result = smartpower::run_sweep(plans, options);
    smartpower::write_sweep_csv(std::cout, result);
    return 0;
  } catch (const smartpower::InputError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
