#include "commands.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <algorithm>
#include <sstream>

#include "smartpower/core/format.hpp"
#include "smartpower/analysis/calibration_toml.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/core/keys.hpp"
#include "smartpower/io/output.hpp"
#include "smartpower/core/simulation.hpp"
#include "posterior_opts.hpp"
#include "table.hpp"

namespace smartpower::cli {
namespace fs = std::filesystem;

Progress::Progress(const Context& ctx, bool quiet, std::string label) : on_(ctx.progress && !quiet), label_(std::move(label)) {}

void Progress::operator()(int done, int total) {
  if (!on_ || total <= 0) return;
  const int pct = static_cast<int>(100.0 * done / total);
  if (pct == last_percent_) return;
  last_percent_ = pct;
  const int width = 30, fill = pct * width / 100;
  std::fprintf(stderr, "\r%s [%s%s] %3d%% (%d/%d)", label_.c_str(), std::string(fill, '#').c_str(),
               std::string(width - fill, '.').c_str(), pct, done, total);
  std::fflush(stderr);
}

void Progress::finish() {
  if (on_ && last_percent_ >= 0) std::fprintf(stderr, "\n");
}

namespace {

std::string command_line(const Context& ctx) {
  // --threads, --out and --quiet do not change results, so they are left out: the
  // summary is byte-identical whatever the thread count or output folder.
  std::string out;
  for (std::size_t i = 0; i < ctx.argv.size(); ++i) {
    const std::string& a = ctx.argv[i];
    if (a == "--threads" || a == "-t" || a == "--out" || a == "-o") {
      ++i;
      continue;
    }
    if (a.rfind("--threads=", 0) == 0 || a.rfind("--out=", 0) == 0 || a == "--quiet" || a == "-q") continue;
    out += (out.empty() ? "" : " ") + a;
  }
  return out;
}

struct RunArgs {
  std::string file;
  int runs = 1;
  long long seed = -1;
  int threads = 1;
  std::string lens;
  std::string out = "out";
  std::string series = "auto";
  bool quiet = false;
  PosteriorArgs post;
};

void add_common(CLI::App* cmd, RunArgs& a) {
  cmd->add_option("FILE", a.file, "scenario TOML file")->required();
  cmd->add_option("--runs,-r", a.runs, "Monte Carlo runs (noisy ensemble)")->check(CLI::Range(1, 10'000'000));
  cmd->add_option("--seed,-s", a.seed, "master seed (default: [scenario] seed)");  // range: main.cpp
  cmd->add_option("--threads,-t", a.threads, "worker threads (results do not depend on it)")->check(CLI::Range(1, 1024));
  cmd->add_option("--lens,-l", a.lens, "theory lens defined in the scenario's [lenses] (realism, liberalism, ...)");
  cmd->add_flag("--quiet,-q", a.quiet, "no progress bar");
}

std::string cell(const EnsembleResult& r, std::size_t col, int prec = 3) {
  const Stats s = final_stats(r, col);
  if (r.runs == 1) return format_fixed(s.mean, prec);
  return format_fixed(s.mean, prec) + " [" + format_fixed(s.q05, prec) + "," + format_fixed(s.q95, prec) + "]";
}

void print_outcomes(std::ostream& os, const Model& model, const EnsembleResult& r, const RunArgs& a) {
  const auto& L = model.layout();
  const Scenario& sc = model.scenario();
  const int N = model.n_actors();
  std::vector<long> pos(L.size(), -1);
  for (std::size_t c = 0; c < r.final_columns.size(); ++c) pos[r.final_columns[c]] = static_cast<long>(c);
  os << sc.info.name << "\n";
  os << "final outcomes at " << format_number(r.times.back()) << ", " << r.runs << (r.runs == 1 ? " run" : " runs")
     << ", seed " << (a.seed >= 0 ? static_cast<std::uint64_t>(a.seed) : sc.info.seed)
     << (a.lens.empty() ? "" : ", lens " + a.lens)
     << (r.runs > 1 ? "; mean [5%,95%] over runs" : "") << "\n"
     << (r.runs > 1 ? "intervals include " + uncertainty_of(a.post, r.runs) + "\n" : "");
  os << "units: dependence = share of the actor's dependence (0-1, partners sorted largest first); soft, hard, smart =\n"
        "power the partner exerts over the actor (model units: influence index); alignment = -1..1 as the actor sees\n"
        "the partner; threat = perceived threat index (0 = none)\n\n";
  for (int i = 0; i < N; ++i) {
    os << sc.actors[i].id << " (" << sc.actors[i].name << ")  balance index " << cell(r, pos[L.index(Metric::balance, i)])
       << "  (1 = perfectly multi-vector)\n";
    Table t({"partner", "dependence", "soft", "hard", "smart", "alignment", "threat"});
    std::vector<int> partners;
    for (int j = 0; j < N; ++j) {
      if (j != i) partners.push_back(j);
    }
    std::stable_sort(partners.begin(), partners.end(), [&](int x, int y) {
      return final_stats(r, pos[L.index(Metric::dependence, i, x)]).mean > final_stats(r, pos[L.index(Metric::dependence, i, y)]).mean;
    });
    for (int j : partners) {
      t.add({sc.actors[j].id, cell(r, pos[L.index(Metric::dependence, i, j)]), cell(r, pos[L.index(Metric::soft, i, j)]),
             cell(r, pos[L.index(Metric::hard, i, j)]), cell(r, pos[L.index(Metric::smart, i, j)]),
             cell(r, pos[L.index(Metric::alignment, i, j)]), cell(r, pos[L.index(Metric::threat, i, j)])});
    }
    t.print(os, "  ");
    os << "\n";
  }
}

int do_run(const Context& ctx, RunArgs& a) {
  Document doc = load_document(a.file);
  if (!a.lens.empty()) apply_lens(*doc.table, a.lens);
  const std::string resolved = to_toml(*doc.table);
  Model model(build_scenario(*doc.table));
  const std::uint64_t seed = a.seed >= 0 ? static_cast<std::uint64_t>(a.seed) : model.scenario().info.seed;

  std::string series = a.series;
  if (series == "auto") series = a.runs == 1 ? "all" : "mean";
  check_output_budget(model, a.runs, series == "all", a.out);
  // Checked before any work: the names this run writes are free or smartpower's own
  // unchanged files, no input among them; nothing is replaced until commit.
  std::vector<std::string> names{"summary.json"};
  if (series != "none") names.insert(names.begin(), "timeseries.csv");
  OutputFolder out(a.out, "run", names, doc.files);

  EnsembleOptions opt;
  opt.runs = a.runs;
  opt.seed = seed;
  opt.threads = a.threads;
  opt.stop = ctx.stop;
  opt.series_stats = series == "mean";
  Progress bar(ctx, a.quiet, "runs");
  opt.progress = [&](int d, int t) { bar(d, t); };

  // Per-run series stream to a temporary file as the runs complete (bounded memory).
  std::vector<double> times;
  std::ostream* per_run = nullptr;
  if (series == "all") {
    per_run = &out.open("timeseries.csv");
    write_series_header(*per_run);
    for (int n : recorded_steps(model.steps(), 1)) times.push_back(model.time_at(n));
    opt.on_series = [&](int first, int count, std::span<const double> s) {
      const std::size_t per = times.size() * model.layout().size();
      for (int r = 0; r < count; ++r) {
        write_series_rows(*per_run, model, std::to_string(first + r), times, s.subspan(r * per, per));
      }
    };
  }
  EnsembleResult res;
  try {
    res = run_with_posterior(a.post, *doc.table, model, opt);
  } catch (...) {
    bar.finish();
    throw;  // `out` removes its temporary files; the folder keeps the previous run's
  }
  bar.finish();

  RunInfo info;
  info.command = command_line(ctx);
  info.file = a.file;
  info.lens = a.lens;
  info.resolved_toml = resolved;
  info.seed = seed;
  info.runs = a.runs;
  auto summary = summary_json(model, res, info);
  add_uncertainty(summary, a.post, a.runs);
  if (series == "mean") {
    out.write("timeseries.csv", [&](std::ostream& os) {
      write_series_header(os);
      write_series_rows(os, model, "mean", res.times, res.mean);
      write_series_rows(os, model, "sd", res.times, res.sd);
    });
  }
  out.write("summary.json", [&](std::ostream& os) { os << summary.dump(2) << "\n"; });
  if (ctx.stop && ctx.stop->load()) throw Interrupted("interrupted");
  out.commit();

  print_outcomes(std::cout, model, res, a);
  std::cout << "wrote " << (series == "none" ? "" : out.path("timeseries.csv") + " and ") << out.path("summary.json") << "\n";
  return 0;
}

// Every [[calibration.parameters]] entry: its path names a number of the scenario, the
// bounds are finite with lo < hi (lo > 0 on a log scale), and the scenario is valid at
// each bound. `base` has no lenses; errors name the parameter and point at its bound.
void validate_calibration(const toml::table& root, const toml::table& base) {
  if (!root.get("calibration")) return;
  const auto params = calibration_parameters(root);  // paths, types, lo < hi, log > 0
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    for (const char* bound : {"lo", "hi"}) {
      const double v = std::string(bound) == "lo" ? p.lo : p.hi;
      auto copy = clone(base);
      try {
        set_path(*copy, p.path, v);
        build_scenario(*copy);
      } catch (const InputError& e) {
        const toml::node* at = get_path(root, "calibration.parameters." + std::to_string(i) + "." + bound);
        throw InputError(at ? position_of(*at) : SourcePos{},
                         "[[calibration.parameters]] '" + p.path + "': " + bound + " = " + format_number(v) +
                             " gives an invalid scenario: " + e.message());
      }
    }
  }
}

int do_validate(const Context& ctx, const std::string& file) {
  Document doc = load_document(file);
  Scenario sc = build_scenario(*doc.table);
  const auto lenses = lens_names(*doc.table);
  // Every lens must apply cleanly too. The file is read once: each lens is applied to a
  // copy of the scenario without its [lenses] (so 100,000 lenses cost 100,000 small
  // copies, not 100,000 loads of the whole file). Copies lose source positions, so a
  // lens that fails is applied again to a fresh load, for a message with its line.
  toml::table base = *clone(*doc.table);
  base.erase("lenses");
  for (const auto& lens : lenses) {
    if (ctx.stop && ctx.stop->load()) throw Interrupted("interrupted");
    auto copy = clone(base);
    auto* one = copy->insert_or_assign("lenses", toml::table{}).first->second.as_table();
    one->insert_or_assign(lens, *doc.table->get_as<toml::table>("lenses")->get_as<toml::table>(lens));
    try {
      apply_lens(*copy, lens);
      build_scenario(*copy);
    } catch (const InputError&) {
      auto fresh = load_document(file);
      apply_lens(*fresh.table, lens);
      build_scenario(*fresh.table);
      throw;  // the fresh load did not fail the same way: report the copy's error
    }
  }
  validate_calibration(*doc.table, base);
  int enabled_events = 0;
  for (const auto& e : sc.events) enabled_events += e.enabled ? 1 : 0;
  std::cout << file << ": ok\n"
            << "  scenario  " << sc.info.name << ", " << format_number(sc.info.start) << " to "
            << format_number(sc.info.end) << " in " << sc.info.steps() << " steps of " << format_number(sc.info.dt)
            << "\n  actors    " << sc.n_actors() << ":";
  for (const auto& a : sc.actors) std::cout << " " << a.id;
  std::cout << "\n  levers    " << sc.n_levers() << ":";
  for (const auto& l : sc.levers) std::cout << " " << l.id << "(" << to_string(l.kind) << ")";
  std::cout << "\n  identity  " << sc.identity_dims.size() << " dimensions:";
  for (const auto& d : sc.identity_dims) std::cout << " " << d;
  std::cout << "\n  events    " << sc.events.size() << " (" << enabled_events << " enabled)"
            << "\n  moves     " << sc.moves.size() << "\n  lenses    ";
  if (lenses.empty()) std::cout << "none";
  // At most 20 names: a generated file may hold thousands.
  for (std::size_t i = 0; i < lenses.size() && i < 20; ++i) std::cout << lenses[i] << " ";
  if (lenses.size() > 20) std::cout << "... (" << lenses.size() << " lenses)";
  std::cout << "\n";
  return 0;
}

}  // namespace

void register_commands(CLI::App& app, Context& ctx) {
  static RunArgs run_args;
  auto* run = app.add_subcommand("run", "run a scenario (one run or a noisy ensemble) and write timeseries.csv and summary.json");
  add_common(run, run_args);
  add_posterior_options(run, run_args.post);
  run->add_option("--out,-o", run_args.out, "output folder")->capture_default_str();
  run->add_option("--series", run_args.series,
                  "time series to write: all (every run), mean (ensemble mean and sd), none; auto = all for one run, "
                  "mean otherwise")
      ->check(CLI::IsMember({"auto", "all", "mean", "none"}))
      ->capture_default_str();
  run->callback([&ctx]() { ctx.action = [&ctx]() { return do_run(ctx, run_args); }; });

  static std::string validate_file;
  auto* validate = app.add_subcommand("validate", "check a scenario file (and its extends chain and lenses) and report what it holds");
  validate->add_option("FILE", validate_file, "scenario TOML file")->required();
  validate->callback([&ctx]() { ctx.action = [&ctx]() { return do_validate(ctx, validate_file); }; });

  static std::string resolve_file, resolve_lens;
  auto* resolve = app.add_subcommand("resolve", "print the fully resolved scenario (after extends, overrides and lens) as TOML");
  resolve->add_option("FILE", resolve_file, "scenario TOML file")->required();
  resolve->add_option("--lens,-l", resolve_lens, "apply this lens first");
  resolve->callback([&ctx]() {
    ctx.action = []() {
      Document doc = load_document(resolve_file);
      if (!resolve_lens.empty()) apply_lens(*doc.table, resolve_lens);
      build_scenario(*doc.table);  // only valid scenarios are printed
      std::cout << to_toml(*doc.table);
      return 0;
    };
  });

  static bool keys_markdown_flag = false;
  static std::string keys_section;
  auto* keys = app.add_subcommand("keys", "list every scenario key of every section: type, default, range, unit, symbol in "
                                          "docs/model.md and meaning (the key registry)");
  keys->add_flag("--markdown", keys_markdown_flag, "print docs/keys.md: one markdown table per section");
  keys->add_option("--section,-s", keys_section, "only the keys of this top-level section (model, levers, actors, ...)");
  keys->callback([&ctx]() {
    ctx.action = []() {
      if (keys_markdown_flag) {
        std::cout << keys_markdown();
        return 0;
      }
      Table t({"key", "type", "default", "range", "unit", "symbol", "meaning"});
      std::vector<std::string> sections;
      for (const auto& k : scenario_keys()) {
        const std::string section(k.section());
        if (std::find(sections.begin(), sections.end(), section) == sections.end()) sections.push_back(section);
      }
      if (!keys_section.empty() && std::find(sections.begin(), sections.end(), keys_section) == sections.end()) {
        std::string msg = "keys --section: no section '" + keys_section + "'";
        const auto near = closest_match(keys_section, sections);
        if (!near.empty()) msg += "; did you mean '" + near + "'?";
        std::string list;
        for (const auto& s : sections) list += (list.empty() ? "" : ", ") + s;
        throw InputError(msg + " (sections: " + list + ")");
      }
      const auto rows = key_rows();
      for (std::size_t i = 0; i < rows.size(); ++i) {
        if (!keys_section.empty() && scenario_keys()[i].section() != keys_section) continue;
        const auto& r = rows[i];
        t.add({r.path, r.type, r.fallback, r.range, r.unit, r.symbol, r.meaning});
      }
      for (std::size_t c = 1; c < 7; ++c) t.left_align(c);
      t.text_last_column();
      t.print(std::cout, "");
      return 0;
    };
  });

  auto* schema = app.add_subcommand("schema", "print the JSON Schema of a scenario file (docs/scenario.schema.json), for "
                                              "editors: completion and hover documentation with a #:schema line");
  schema->callback([&ctx]() {
    ctx.action = []() {
      std::cout << scenario_json_schema();
      return 0;
    };
  });

  auto& reg = command_registry();
  std::stable_sort(reg.begin(), reg.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [order, fn] : reg) fn(app, ctx);
}

std::vector<std::pair<int, RegisterFn>>& command_registry() {
  static std::vector<std::pair<int, RegisterFn>> registry;
  return registry;
}

}  // namespace smartpower::cli
