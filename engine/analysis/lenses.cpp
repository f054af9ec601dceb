#include "smartpower/analysis/lenses.hpp"

#include <utility>

namespace smartpower {

std::vector<LensEnsemble> run_lenses(std::vector<LensScenario> lenses, const LensesOptions& options) {
  std::vector<LensEnsemble> runs;
  for (LensScenario& lens : lenses) {
    LensEnsemble run{lens.name, lens.description, std::make_shared<const Model>(std::move(lens.scenario)), {}};
    EnsembleOptions e;
    e.runs = options.runs;
    e.seed = options.seed.value_or(run.model->scenario().info.seed);
    e.threads = options.threads;
    e.series_stats = false;
    e.stop = options.stop;
    run.result = run_ensemble(*run.model, e);
    runs.push_back(std::move(run));
  }
  return runs;
}

}  // namespace smartpower
