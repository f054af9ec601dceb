// Reports for reading results: one self-contained HTML page (inline SVG charts, inline
// CSS and a little vanilla JavaScript for hover read-outs; nothing is fetched from the
// network) that shows one actor's dependence shares, balance index with its ensemble
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

#include "smartpower/compare.hpp"
#include "smartpower/ensemble.hpp"

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
// callback is still called.
ReportRun run_for_report(std::shared_ptr<const Model> model, const std::string& focus, EnsembleOptions options);

// The scenario under one theory lens, for the lens section of a report.
struct LensRun {
  std::string name;         // "" = the scenario's own parameters
  std::string description;  // the lens's `description`, if any
  std::shared_ptr<const Model> model;
  EnsembleResult result;                         // without --compare
  std::shared_ptr<const Comparison> comparison;  // with --compare
};

struct ReportOptions {
  std::string title;        // page title ("" = derived from the scenario)
  std::string file;         // scenario file as given (shown in the reproduce line)
  std::string whatif_file;  // what-if file as given (compare reports)
  std::string lens;         // lens applied to every run ("" = none)
  std::string command;      // command line that made the page (shown in the footer)
};

// A report on one scenario.
std::string report_html(const ReportRun& run, const ReportOptions& options, const std::vector<LensRun>& lenses = {});

// A what-if report: `base` and `whatif` are the comparison's two ensembles with their
// per-run series (run_for_report on c.base_model / c.whatif_model with c.seed and
// c.runs; their finals must equal the comparison's, else std::logic_error).
std::string comparison_report_html(const Comparison& c, const ReportRun& base, const ReportRun& whatif,
                                   const ReportOptions& options, const std::vector<LensRun>& lenses = {});

// Text -> HTML text or attribute value (& < > " ' escaped).
std::string html_escape(std::string_view text);

}  // namespace smartpower
