// Reports for reading results: one self-contained HTML page (the report's data as JSON in
// a template, web/report/, that draws it with a chart library compiled into the binary;
// nothing is fetched from the network) that shows one actor's dependence shares, balance index with its ensemble
// band, the soft/hard/smart power each partner exerts over it, alignment and threat,
// the scenario's events on the time axis and, for a what-if, the change, its
// attribution and the plain sentences of compare_scenarios. Every number on the page
// comes from the ensembles passed in, so the page and summary.json (or compare.json)
// of the same seed and runs agree exactly. The library returns the HTML as a string;
// writing it is the caller's business.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "smartpower/analysis/claims.hpp"
#include "smartpower/analysis/compare.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/analysis/compare_toml.hpp"

namespace smartpower {

// Per-run series of a few metric columns (the ensemble keeps only means and sds per
// instant), so the report can draw real 5-95 % bands and paired-difference bands.
struct RunSeries {
  std::vector<std::size_t> columns;  // metric indices
  int runs = 0;
  std::size_t instants = 0;
  std::vector<double> values;  // columns x instants x runs

  double at(std::size_t col, std::size_t instant, int run) const {
    return values[(col * instants + instant) * static_cast<std::size_t>(runs) + static_cast<std::size_t>(run)];
  }
  // Position of metric index `metric` among `columns`, or -1.
  long find(std::size_t metric) const;
  // Quantile over runs ("type 7", like final_stats) of column `col` at `instant`.
  double quantile(std::size_t col, std::size_t instant, double q) const;
};

// One scenario's ensemble as the report needs it.
struct ReportRun {
  std::shared_ptr<const Model> model;
  EnsembleResult result;  // mean/sd per instant and every run's finals
  RunSeries series;       // the focus actor's balance index and dependence shares, per run
  int focus = 0;          // actor index in model->scenario()
  std::uint64_t seed = 0;
};

// Runs `options.runs` runs of `model` exactly as `smartpower run` does (same seed, chunks,
// record stride and final columns, so the finals equal summary.json's), with the
// per-instant mean/sd and the focus actor's per-run series. `focus` is an actor id
// ("" = the first actor); an unknown id is an InputError. An existing on_series
// callback is still called. `keep` adds further metric indices to the per-run series
// (data_check_metrics, for the model-vs-data figure).
ReportRun run_for_report(std::shared_ptr<const Model> model, const std::string& focus, EnsembleOptions options,
                         const std::vector<std::size_t>& keep = {});

// The scenario under one theory lens, for the lens section of a report.
struct LensRun {
  std::string name;         // "" = the scenario's own parameters
  std::string description;  // the lens's `description`, if any
  std::shared_ptr<const Model> model;
  EnsembleResult result;                         // without --compare
  std::shared_ptr<const Comparison> comparison;  // with --compare
};

// ---- Model vs data (issue 14): the `data` checks of a claims file drawn over the
// report's own ensemble, so the points, the bands and the rest of the page share one set
// of runs and one seed.

// One observation of a data check, against the ensemble.
struct DataPoint {
  double year = 0;  // as the check gives it (the start of its averaging window)
  double observed = 0;
  // The check's quantity in each run (the mean over [year, year + window), divided by
  // `per` if set, exactly as evaluate_claims takes it), over the runs:
  double median = 0, q05 = 0, q95 = 0;
  double error = 0;     // the check's error of the median: |ln(median / observed)| or relative
  bool within = false;  // error <= the check's tolerance
};

// One `data` check as the report draws it: one small panel.
struct DataFit {
  std::string claim_id, claim_name, selector, per;  // per: "" = none
  std::string unit;                                 // the lever's real unit for volume/real selectors ("" = none)
  SourcePos pos;                                    // the check in the claims file
  double tolerance = 0, window = 0;
  bool log_error = false;
  // The check's quantity at every recorded instant t (the mean over [t, t + window) over
  // `per`), median and 5-95 % over runs: the band each point is read against.
  std::vector<double> times, median, q05, q95;
  std::vector<DataPoint> points;
  double median_error = 0;  // median over the points of `error`
  int within = 0;           // points whose error is within tolerance
};

struct ModelVsData {
  std::string file;                  // the claims file
  std::vector<DataFit> fits;         // one per `data` check on the scenario itself, in file order
  std::vector<std::string> skipped;  // "C12 (variant no_turkey)": data checks in a variant, not drawn
};

// Metric indices that run_for_report must keep per run (its `keep`) to draw the data
// checks of `checks`. A selector the scenario does not know is an InputError naming the
// claims file, line and claim.
std::vector<std::size_t> data_check_metrics(const Model& model, const ClaimSet& checks);

// The data checks of `checks` against `run` (made with keep = data_check_metrics(...)).
// InputError (claims file and line) if the file has no data check on the scenario itself
// or a check's year lies outside the run; std::logic_error if `run` lacks a metric.
ModelVsData fit_data_checks(const ReportRun& run, const ClaimSet& checks);

struct ReportOptions {
  std::string title;        // page title ("" = derived from the scenario)
  std::string file;         // scenario file as given (shown in the reproduce line)
  std::string whatif_file;  // what-if file as given (compare reports)
  std::string lens;         // lens applied to every run ("" = none)
  std::string command;      // command line that made the page (shown in the footer)
  // With a posterior (report_posterior.hpp): the same per-run series from runs that also
  // draw parameters, drawn as a second, wider band on the balance-index figure.
  const RunSeries* parameter_series = nullptr;
  std::string parameter_uncertainty;  // uncertainty_label of that ensemble
};

// A report on one scenario; with `data`, a "model vs data" figure (fit_data_checks of `run`).
std::string report_html(const ReportRun& run, const ReportOptions& options, const std::vector<LensRun>& lenses = {},
                        const ModelVsData* data = nullptr);
// The same report as the JSON the page carries (docs/report.md): its text blocks, its
// figures' series, bands, events and tick labels, and `data` with summary.json's
// statistics for the focus actor (and the model-vs-data checks).
std::string report_json(const ReportRun& run, const ReportOptions& options, const std::vector<LensRun>& lenses = {},
                        const ModelVsData* data = nullptr);

// A what-if report: `base` and `whatif` are the comparison's two ensembles with their
// per-run series (run_for_report on c.base_model / c.whatif_model with c.seed and
// c.runs; their finals must equal the comparison's, else std::logic_error).
std::string comparison_report_html(const Comparison& c, const ReportRun& base, const ReportRun& whatif,
                                   const ReportOptions& options, const std::vector<LensRun>& lenses = {});
// The what-if report as JSON (as report_json; `data.comparison` is compare.json).
std::string comparison_report_json(const Comparison& c, const ReportRun& base, const ReportRun& whatif,
                                   const ReportOptions& options, const std::vector<LensRun>& lenses = {});

// Text -> HTML text or attribute value (& < > " ' escaped).
std::string html_escape(std::string_view text);

}  // namespace smartpower
