#include "smartpower/report/report_posterior.hpp"

#include <stdexcept>

namespace smartpower {

RunSeries parameter_series(const ReportRun& run, const std::vector<int>& particle_of_run,
                           const std::function<std::shared_ptr<const Model>(int)>& model_of, EnsembleOptions options) {
  RunSeries s;
  s.columns = run.series.columns;
  s.runs = options.runs;
  s.instants = run.series.instants;
  s.values.assign(s.columns.size() * s.instants * static_cast<std::size_t>(s.runs), 0.0);
  const std::size_t C = s.columns.size(), I = s.instants, R = static_cast<std::size_t>(s.runs);
  options.series_stats = false;
  options.series_columns = s.columns;  // per run: instants x these columns only
  options.on_series = [&](int first, int count, std::span<const double> x) {
    if (x.size() != static_cast<std::size_t>(count) * I * C) throw std::logic_error("parameter_series: unexpected series shape");
    for (int r = 0; r < count; ++r) {
      for (std::size_t t = 0; t < I; ++t) {
        for (std::size_t c = 0; c < C; ++c) {
          s.values[(c * I + t) * R + static_cast<std::size_t>(first + r)] = x[(static_cast<std::size_t>(r) * I + t) * C + c];
        }
      }
    }
  };
  run_grouped_ensemble(particle_of_run, model_of, options);
  return s;
}

}  // namespace smartpower
