// The report's second band (issue 15): the same per-run series as a report's own
// ensemble, from an ensemble in which run r also takes a parameter set drawn from a
// posterior (posterior.hpp). The page then draws both bands, decision noise only and
// noise plus parameters, on its balance-index figure (ReportOptions::parameter_series).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "smartpower/analysis/posterior.hpp"
#include "smartpower/report/report.hpp"

namespace smartpower {

// Runs `options.runs` runs (same seed and run indices as `run`), run r with the model of
// particle_of_run[r], and keeps run.series' columns per run: a RunSeries with the same
// columns, instants and runs as run.series. With one particle at the scenario's own
// values it equals run.series.
RunSeries parameter_series(const ReportRun& run, const std::vector<int>& particle_of_run,
                           const std::function<std::shared_ptr<const Model>(int)>& model_of, EnsembleOptions options);

}  // namespace smartpower
