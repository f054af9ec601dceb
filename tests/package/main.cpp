// A separate project that finds the installed smartpower package and runs an ensemble.
#include <smartpower/core/ensemble.hpp>
#include <smartpower/io/load.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  smartpower::Model model(smartpower::load_scenario(argv[1]));
  smartpower::EnsembleOptions opt;
  opt.runs = 10;
  opt.threads = 2;
  const auto r = smartpower::run_ensemble(model, opt);
  std::printf("%d runs of %s\n", r.runs, model.scenario().info.name.c_str());
  return r.runs == 10 ? 0 : 1;
}
