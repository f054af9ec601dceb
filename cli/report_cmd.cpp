// `smartpower report`: one self-contained HTML page that explains a scenario's results
// (or a what-if against its base) to a reader who has never seen the project.
#include <filesystem>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "posterior_opts.hpp"
#include "smartpower/analysis/claims_toml.hpp"
#include "smartpower/analysis/compare.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/io/output.hpp"
#include "smartpower/report/report.hpp"
#include "smartpower/report/report_posterior.hpp"
#include "smartpower/analysis/compare_toml.hpp"

namespace smartpower::cli {
namespace {
namespace fs = std::filesystem;

struct ReportArgs {
  std::string file, whatif, lens, actor, out, data, checks;
  bool lenses = false, quiet = false, json = false;
  int runs = 200, threads = 1;
  long long seed = -1;
  PosteriorArgs post;
};

// The command as typed, without the options that do not change any number
// (--threads, --out, --data, --quiet, --json), so the page does not depend on them.
std::string command_line(const Context& ctx) {
  std::string out;
  for (std::size_t i = 0; i < ctx.argv.size(); ++i) {
    const std::string& a = ctx.argv[i];
    if (a == "--threads" || a == "-t" || a == "--out" || a == "-o" || a == "--data") {
      ++i;
      continue;
    }
    if (a.rfind("--threads=", 0) == 0 || a.rfind("--out=", 0) == 0 || a.rfind("--data=", 0) == 0 || a == "--quiet" || a == "--json" ||
        a == "-q") {
      continue;
    }
    out += (out.empty() ? "" : " ") + a;
  }
  return out;
}

// The lenses a document defines, with their descriptions; "" first (no lens).
std::vector<std::pair<std::string, std::string>> lens_list(const std::string& file) {
  Document doc = load_document(file);
  std::vector<std::pair<std::string, std::string>> out{{"", "the scenario's own parameters"}};
  for (const auto& n : lens_names(*doc.table)) {
    std::string description;
    if (const auto* d = get_path(*doc.table, "lenses." + n + ".description"); d && d->as_string()) {
      description = d->as_string()->get();
    }
    out.push_back({n, description});
  }
  if (out.size() == 1) throw InputError(file + " defines no [lenses] for --lenses");
  return out;
}

int do_report(const Context& ctx, ReportArgs& a) {
  if (a.out.empty()) a.out = a.json ? "report.json" : "report.html";
  ReportOptions ro;
  ro.file = a.file;
  ro.whatif_file = a.whatif;
  ro.lens = a.lens;
  ro.command = command_line(ctx);
  Progress bar(ctx, a.quiet, "report");
  std::string html;
  std::vector<std::string> report_inputs;
  std::string data_file;
  nlohmann::ordered_json data_json;

  // Outputs checked before any work (docs/robustness.md, "What smartpower writes"):
  // never an input, never a file smartpower did not write.
  {
    std::vector<std::string> inputs = load_document(a.file).files;
    if (!a.whatif.empty()) {
      const auto w = load_document(a.whatif).files;
      inputs.insert(inputs.end(), w.begin(), w.end());
    }
    if (!a.checks.empty()) inputs.push_back(a.checks);
    if (!a.post.file.empty()) inputs.push_back(a.post.file);
    check_output_path(a.out, inputs);
    if (!a.data.empty()) check_output_path((fs::path(a.data) / (a.whatif.empty() ? "summary.json" : "compare.json")).string(), inputs);
    report_inputs = inputs;
  }
  if (a.whatif.empty()) {
    Document doc = load_document(a.file);
    if (!a.lens.empty()) apply_lens(*doc.table, a.lens);
    const std::string resolved = to_toml(*doc.table);
    auto model = std::make_shared<const Model>(build_scenario(*doc.table));
    // --checks: the data checks to draw, read (and their selectors resolved) before any run.
    std::optional<ClaimSet> checks;
    std::vector<std::size_t> keep;
    if (!a.checks.empty()) {
      checks = load_claims(a.checks);
      keep = data_check_metrics(*model, *checks);
    }
    EnsembleOptions e;
    e.runs = a.runs;
    e.seed = a.seed >= 0 ? static_cast<std::uint64_t>(a.seed) : model->scenario().info.seed;
    e.threads = a.threads;
    e.stop = ctx.stop;
    e.progress = [&](int d, int t) { bar(d, t); };
    const Posterior* post = load_posterior_arg(a.post, *doc.table);  // errors before any run
    const ReportRun run = run_for_report(model, a.actor, e, keep);
    // --posterior: the same runs again, each also taking a posterior draw (the second band).
    RunSeries with_parameters;
    if (post) {
      PosteriorModels models(*post, *doc.table);
      EnsembleOptions pe = e;
      pe.progress = nullptr;
      with_parameters = parameter_series(run, posterior_particles(*post, e.seed, e.runs, a.post.draws), std::ref(models), pe);
      ro.parameter_series = &with_parameters;
      ro.parameter_uncertainty = uncertainty_of(a.post, e.runs);
    }
    std::optional<ModelVsData> fits;
    if (checks) fits = fit_data_checks(run, *checks);
    std::vector<LensRun> lenses;
    if (a.lenses) {
      for (const auto& [name, description] : lens_list(a.file)) {
        LensRun l;
        l.name = name;
        l.description = description;
        if (name.empty()) {
          l.model = model;
          l.result = run.result;
        } else {
          Document d = load_document(a.file);
          apply_lens(*d.table, name);
          l.model = std::make_shared<const Model>(build_scenario(*d.table));
          EnsembleOptions le = e;
          le.progress = nullptr;
          l.result = run_ensemble(*l.model, le);
        }
        lenses.push_back(std::move(l));
      }
    }
    bar.finish();
    html = a.json ? report_json(run, ro, lenses, fits ? &*fits : nullptr) : report_html(run, ro, lenses, fits ? &*fits : nullptr);
    if (!a.data.empty()) {
      RunInfo info;
      info.command = ro.command;
      info.file = a.file;
      info.lens = a.lens;
      info.resolved_toml = resolved;
      info.seed = e.seed;
      info.runs = a.runs;
      data_json = summary_json(*model, run.result, info);
      data_file = "summary.json";
    }
  } else {
    if (!a.post.file.empty()) {
      throw InputError("report --compare --posterior: not available yet; use 'compare --posterior' for a what-if's "
                       "intervals with parameter uncertainty, or 'report --posterior' on one scenario");
    }
    auto load = [&](const std::string& f) {
      Document d = load_document(f);
      if (!a.lens.empty()) apply_lens(*d.table, a.lens);
      return d;
    };
    CompareOptions o;
    o.runs = a.runs;
    o.seed = a.seed >= 0 ? static_cast<std::uint64_t>(a.seed) : 0;
    o.threads = a.threads;
    o.focus = a.actor;
    o.stop = ctx.stop;
    o.progress = [&](int d, int t) { bar(d, t); };
    Document base = load(a.file), whatif = load(a.whatif);
    const Comparison c = compare_scenarios(*base.table, *whatif.table, o);
    // The same ensembles again (same models, seed and runs: identical numbers), this
    // time keeping the per-run series the bands need.
    EnsembleOptions e;
    e.runs = c.runs;
    e.seed = c.seed;
    e.threads = a.threads;
    e.stop = ctx.stop;
    const ReportRun b = run_for_report(c.base_model, c.focus, e);
    const ReportRun w = run_for_report(c.whatif_model, c.focus, e);
    std::vector<LensRun> lenses;
    if (a.lenses) {
      for (const auto& [name, description] : lens_list(a.file)) {
        LensRun l;
        l.name = name;
        l.description = description;
        if (name.empty()) {
          l.comparison = std::make_shared<const Comparison>(c);
        } else {
          Document bl = load_document(a.file), wl = load_document(a.whatif);
          apply_lens(*bl.table, name);
          apply_lens(*wl.table, name);
          CompareOptions lo = o;
          lo.progress = nullptr;
          l.comparison = std::make_shared<const Comparison>(compare_scenarios(*bl.table, *wl.table, lo));
        }
        l.model = l.comparison->whatif_model;
        lenses.push_back(std::move(l));
      }
    }
    bar.finish();
    html = a.json ? comparison_report_json(c, b, w, ro, lenses) : comparison_report_html(c, b, w, ro, lenses);
    if (!a.data.empty()) {
      data_json = comparison_json(c);
      data_file = "compare.json";
    }
  }

  const fs::path out(a.out);
  write_atomically(out.string(), [&](std::ostream& os) { os << html; }, report_inputs);
  if (!a.data.empty()) {
    write_atomically((fs::path(a.data) / data_file).string(), [&](std::ostream& os) { os << data_json.dump(2) << "\n"; },
                     report_inputs);
  }
  std::cout << "wrote " << out.string() << " (" << (html.size() + 512) / 1024
            << (a.json ? " KB, the report's data as JSON: docs/report.md)" : " KB, self-contained: open it in any browser)");
  if (!a.data.empty()) std::cout << " and " << (fs::path(a.data) / data_file).string();
  std::cout << "\n";
  return 0;
}

void register_report(CLI::App& app, Context& ctx) {
  static ReportArgs a;
  auto* cmd = app.add_subcommand(
      "report", "write one self-contained HTML page that explains a scenario's results (or, with --compare, a what-if "
                "against it): charts, events, attribution and plain sentences");
  cmd->add_option("FILE", a.file, "scenario TOML (the base with --compare)")->required();
  auto* compare = cmd->add_option("--compare,-c", a.whatif, "what-if scenario TOML to compare against FILE");
  auto* lens = cmd->add_option("--lens,-l", a.lens, "apply this theory lens (to both sides with --compare)");
  cmd->add_flag("--lenses", a.lenses, "add a section with the scenario (or the comparison) under every lens")->excludes(lens);
  cmd->add_option("--actor,-a", a.actor, "actor the report is about (default: the first)");
  cmd->add_option("--runs,-r", a.runs, "noisy runs (paired runs with --compare)")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd->add_option("--seed,-s", a.seed, "master seed (default: the scenario's)");  // range: the common --seed check (cli/main.cpp)
  cmd->add_option("--threads,-t", a.threads, "worker threads (results do not depend on it)")->check(CLI::Range(1, 1024));
  cmd->add_option("--out,-o", a.out, "file to write (default: report.html, or report.json with --json)");
  cmd->add_flag("--json", a.json,
                "write the report's data (text, series, bands, events, attribution, checks) as JSON instead of the page "
                "(docs/report.md)");
  cmd->add_option("--checks", a.checks,
                  "claims file whose `data` checks to draw against the model in a 'Model vs data' figure (e.g. "
                  "scenarios/checks/data.toml or scenarios/claims.toml)")
      ->excludes(compare);
  cmd->add_option("--data", a.data, "also write DIR/summary.json (or DIR/compare.json) from the same ensemble");
  add_posterior_options(cmd, a.post);
  cmd->add_flag("--quiet,-q", a.quiet, "no progress bar");
  cmd->callback([&ctx]() { ctx.action = [&ctx]() { return do_report(ctx, a); }; });
}

const CommandRegistrar registrar(30, register_report);

}  // namespace
}  // namespace smartpower::cli
