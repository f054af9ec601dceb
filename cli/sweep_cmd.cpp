// `smartpower sweep` (grid or Latin-hypercube parameter sweeps) and
// `smartpower sensitivity` (Morris elementary effects of the [calibration] parameters).
#include <cstdio>
#include <climits>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "posterior_opts.hpp"
#include "smartpower/core/format.hpp"
#include "smartpower/analysis/calibration_toml.hpp"
#include "smartpower/io/checkpoint.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/memory.hpp"
#include "smartpower/io/output.hpp"
#include "smartpower/analysis/sweep.hpp"
#include "smartpower/analysis/sweep_toml.hpp"
#include "table.hpp"

namespace smartpower::cli {
namespace {
namespace fs = std::filesystem;

// Library progress counts runs (possibly more than an int holds); the bar takes ints.
std::function<void(long long, long long)> bar_callback(Progress& bar) {
  return [&bar](long long done, long long total) {
    if (total <= INT_MAX) {
      bar(static_cast<int>(done), static_cast<int>(total));
    } else {
      bar(static_cast<int>(done * 1000 / total), 1000);
    }
  };
}

void write_csv_file(const std::string& path, const std::function<void(std::ostream&)>& fill) {
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  write_atomically(path, fill);
}

Document load(const std::string& file, const std::string& lens) {
  Document doc = load_document(file);
  if (!lens.empty()) apply_lens(*doc.table, lens);
  build_scenario(*doc.table);  // errors point at the file before any copy is made
  return doc;
}

struct SweepArgs {
  std::string file, out, lens;
  std::vector<std::string> sets, outputs;
  long long lhs = 0, seed = -1;
  int runs = 1, threads = 1;
  bool quiet = false;
  std::string checkpoint;
  bool resume = false;
  PosteriorArgs post;
};

int do_sweep(const Context& ctx, SweepArgs& a) {
  Document doc = load(a.file, a.lens);
  std::vector<SetSpec> specs;
  for (const auto& s : a.sets) specs.push_back(parse_set_spec(s));
  for (const auto& s : specs) check_set_spec(*doc.table, s);
  SweepOptions o;
  o.runs = a.runs;
  o.threads = a.threads;
  o.outputs = a.outputs;
  o.stop = ctx.stop;
  // Long sweeps written to a file checkpoint every finished point next to it (or to
  // --checkpoint, also when the CSV goes to standard output).
  o.checkpoint = a.checkpoint.empty() && !a.out.empty() ? a.out + ".checkpoint" : a.checkpoint;
  o.resume = a.resume;
  if (a.resume && o.checkpoint.empty()) {
    throw InputError("--resume needs --out or --checkpoint (the checkpoint of the interrupted sweep)");
  }
  // Inputs are never outputs (by device and inode, through symlinks), checked before
  // any work: --out or --checkpoint naming the scenario or a file of its extends chain
  // is refused.
  o.inputs = doc.files;
  if (!a.out.empty()) {
    refuse_input_as_output(a.out, doc.files, "--out");
    check_output_file(a.out, "--out", true);
    if (!o.checkpoint.empty()) refuse_same_file(a.out, "--out", o.checkpoint, "--checkpoint");
  }
  if (a.seed >= 0) o.seed = static_cast<std::uint64_t>(a.seed);
  o.posterior = load_posterior_arg(a.post, *doc.table);
  o.draws = a.post.draws;
  const std::uint64_t seed = o.seed.value_or(build_scenario(*doc.table)->info.seed);
  const auto points = a.lhs > 0 ? lhs_points(specs, static_cast<std::size_t>(a.lhs), seed) : grid_points(specs);
  std::vector<std::string> paths;
  for (const auto& s : specs) paths.push_back(s.path);
  require_memory(estimate_sweep(shape_of(build_scenario(*doc.table)), static_cast<long long>(points.size()), a.runs,
                                a.threads, a.outputs.size(), specs.size()));  // refused up front if it would not fit

  Progress bar(ctx, a.quiet, "sweep");
  o.progress = bar_callback(bar);
  SweepResult res;
  try {
    res = run_sweep(*doc.table, paths, points, o);
  } catch (...) {
    bar.finish();
    throw;
  }
  bar.finish();
  if (a.out.empty()) {
    // The CSV is the standard output: what its q05..q95 include goes to standard error.
    if (o.posterior) std::cerr << "sweep: runs include " << res.uncertainty << "\n";
    write_sweep_csv(std::cout, res);
    std::cout.flush();
    if (std::cout) remove_checkpoint(res.checkpoint, "sweep");
    return 0;
  }
  write_csv_file(a.out, [&](std::ostream& os) { write_sweep_csv(os, res); });
  // Complete and written: only the checkpoint this sweep wrote is removed (same device
  // and inode, header intact, nobody else holding it).
  remove_checkpoint(res.checkpoint, "sweep");
  std::string shape;
  if (a.lhs > 0) {
    shape = "Latin hypercube";
  } else {
    for (const auto& s : specs) shape += (shape.empty() ? "grid " : " x ") + std::to_string(grid_values(s).size());
  }
  std::cout << "swept " << res.rows.size() << (res.rows.size() == 1 ? " point" : " points") << " (" << shape << ") of";
  for (std::size_t i = 0; i < paths.size(); ++i) std::cout << (i ? ", " : " ") << paths[i];
  std::cout << "; " << res.runs << (res.runs == 1 ? " run" : " runs") << " per point, seed " << res.seed << "; "
            << res.outcomes.size() << (res.outcomes.size() == 1 ? " outcome" : " outcomes") << (res.runs > 1 ? " (mean, q05, q95)" : "")
            << "\nruns include " << res.uncertainty
            << (o.posterior ? " (particle first, then the point's values)" : "") << "\nwrote " << a.out << "\n";
  return 0;
}

struct SensitivityArgs {
  std::string file, out, lens, method = "morris";
  std::vector<std::string> outputs;
  int trajectories = 10, levels = 4, candidates = 0, runs = 1, threads = 1, top = 0;
  long long seed = -1;
  bool quiet = false;
  PosteriorArgs post;
};

int do_sensitivity(const Context& ctx, SensitivityArgs& a) {
  Document doc = load(a.file, a.lens);
  if (!a.out.empty()) {
    refuse_input_as_output(a.out, doc.files, "--out");
    check_output_file(a.out, "--out", true);
  }
  const auto params = calibration_parameters(*doc.table);
  require_memory(estimate_sweep(shape_of(build_scenario(*doc.table)),
                                static_cast<long long>(a.trajectories) * static_cast<long long>(params.size() + 1), a.runs,
                                a.threads, a.outputs.size(), params.size()));  // refused up front if it would not fit
  MorrisOptions o;
  o.trajectories = a.trajectories;
  o.levels = a.levels;
  o.candidates = a.candidates;
  o.runs = a.runs;
  o.threads = a.threads;
  o.outputs = a.outputs;
  o.stop = ctx.stop;
  if (a.seed >= 0) o.seed = static_cast<std::uint64_t>(a.seed);
  o.posterior = load_posterior_arg(a.post, *doc.table);
  o.draws = a.post.draws;
  Progress bar(ctx, a.quiet, "morris");
  o.progress = bar_callback(bar);
  MorrisResult res;
  try {
    res = run_morris(*doc.table, params, o);
  } catch (...) {
    bar.finish();
    throw;
  }
  bar.finish();
  if (!a.out.empty()) write_csv_file(a.out, [&](std::ostream& os) { write_morris_csv(os, res); });

  const auto& d = res.design;
  std::cout << "Morris elementary effects of " << res.parameters.size()
            << " [calibration] parameters: " << d.trajectories << " trajectories on a " << d.levels
            << "-level grid (delta = " << format_significant(d.delta, 4) << " of each range"
            << (a.candidates > a.trajectories ? ", most spread of " + std::to_string(a.candidates) : "") << "), "
            << d.unit.size() << " points x " << res.runs << (res.runs == 1 ? " run" : " runs") << ", seed " << res.seed
            << "\n"
            << "EE = change of the outcome per whole parameter range (log range where log = true); mu* = mean |EE| "
               "(influence), mu = mean EE (direction), sigma = sd of EE (non-linearity or interactions)\n"
            << "runs include " << res.uncertainty << "\n";
  if (o.posterior) {
    int on = 0;
    for (bool b : res.on_posterior) on += b ? 1 : 0;
    std::cout << on << " of " << res.parameters.size()
              << " parameters move over their posterior marginal (range = the particles' min .. max, marked 'posterior'; "
                 "EE per whole posterior range); the posterior's other columns are drawn per run\n";
  }
  for (std::size_t oi = 0; oi < res.outcomes.size(); ++oi) {
    std::cout << "\n" << res.outcomes[oi] << "\n";
    Table t({"rank", "parameter", "range", "mu*", "mu", "sigma"});
    t.left_align(1);
    t.left_align(2);
    const auto order = rank_by_mu_star(res.effects[oi]);
    const std::size_t shown = a.top > 0 ? std::min(order.size(), static_cast<std::size_t>(a.top)) : order.size();
    for (std::size_t n = 0; n < shown; ++n) {
      const auto& p = res.parameters[order[n]];
      const auto& e = res.effects[oi][order[n]];
      const bool post = res.on_posterior.size() > order[n] && res.on_posterior[order[n]];
      t.add({std::to_string(n + 1), p.path,
             format_significant(p.lo, 4) + " .. " + format_significant(p.hi, 4) +
                 (post    ? " posterior"
                  : p.log ? " log"
                          : ""),
             format_significant(e.mu_star, 4), format_significant(e.mu, 4), format_significant(e.sigma, 4)});
    }
    t.print(std::cout, "  ");
    if (shown < order.size()) std::cout << "  (" << order.size() - shown << " more with smaller mu*; --top 0 shows all)\n";
  }
  if (!a.out.empty()) std::cout << "\nwrote " << a.out << "\n";
  return 0;
}

void register_sweep_commands(CLI::App& app, Context& ctx);
const CommandRegistrar registrar(20, register_sweep_commands);

void register_sweep_commands(CLI::App& app, Context& ctx) {
  static SweepArgs s;
  auto* sw = app.add_subcommand(
      "sweep",
      "run a scenario over a grid (every combination of the --set ranges) or a Latin hypercube (--lhs N) of "
      "parameter values; one CSV row per point");
  sw->add_option("FILE", s.file, "scenario TOML file")->required();
  sw->add_option("--set", s.sets,
                 "PATH=LO:HI:STEP: a numeric key by dotted path (model.rho, actors.TUR.budget, levers.trade.weight, "
                 "relations.KAZ.TUR.stocks.trade) and its range; repeat for several parameters (grid: first varies "
                 "slowest); with --lhs, PATH=LO:HI; PATH=VALUE fixes a value")
      ->required()
      ->allow_extra_args(false);  // one spec per --set; repeat --set for more
  sw->add_option("--lhs", s.lhs, "sample N points by Latin hypercube over the LO:HI ranges instead of a grid")
      ->check(CLI::Range(1LL, 1'000'000LL));
  sw->add_option("--runs,-r", s.runs, "noisy runs per point (with > 1: mean, q05 and q95 columns)")
      ->check(CLI::Range(1, 10'000'000));
  sw->add_option("--seed,-s", s.seed, "master seed of the runs and of the Latin hypercube (default: [scenario] seed)")
      ->check(CLI::NonNegativeNumber);
  sw->add_option("--threads,-t", s.threads, "worker threads (results do not depend on it)")->check(CLI::Range(1, 1024));
  sw->add_option("--out,-o", s.out, "write the CSV here (atomically) instead of to standard output");
  sw->add_option("--checkpoint", s.checkpoint,
                 "checkpoint file (default: OUT.checkpoint; written as points finish); an existing file must be a "
                 "smartpower sweep checkpoint");
  sw->add_flag("--resume", s.resume, "continue an interrupted sweep from its checkpoint (same bytes as an uninterrupted run)");
  sw->add_option("--output", s.outputs,
                 "outcome columns as metric selectors, e.g. balance[KAZ] dependence[KAZ,RUS] (default: balance of "
                 "every actor; dependence, alignment and threat of every pair)");
  sw->add_option("--lens,-l", s.lens, "theory lens to apply first");
  add_posterior_options(sw, s.post);
  sw->add_flag("--quiet,-q", s.quiet, "no progress bar");
  sw->callback([&ctx]() { ctx.action = [&ctx]() { return do_sweep(ctx, s); }; });

  static SensitivityArgs m;
  auto* se = app.add_subcommand(
      "sensitivity",
      "screen the scenario's [calibration] parameters by Morris elementary effects (mu*, mu, sigma per outcome)");
  se->add_option("FILE", m.file, "scenario TOML file with [[calibration.parameters]] (path, lo, hi, log)")->required();
  se->add_option("--method", m.method, "screening method")->check(CLI::IsMember({"morris"}))->capture_default_str();
  se->add_option("--trajectories", m.trajectories, "Morris trajectories R (model runs: R x (parameters + 1))")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  se->add_option("--levels", m.levels, "grid levels p (even; each step moves p/(2(p-1)) of a range)")
      ->check(CLI::Range(2, 1000))
      ->capture_default_str();
  se->add_option("--candidates", m.candidates,
                 "draw this many trajectories and keep the R most spread out (Campolongo et al. 2007); 0: off")
      ->check(CLI::Range(0, 100'000))
      ->capture_default_str();
  se->add_option("--runs,-r", m.runs, "noisy runs per design point (their mean is the outcome)")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  se->add_option("--seed,-s", m.seed, "seed of the design and the runs (default: [scenario] seed)")
      ->check(CLI::NonNegativeNumber);
  se->add_option("--threads,-t", m.threads, "worker threads (results do not depend on it)")->check(CLI::Range(1, 1024));
  se->add_option("--output", m.outputs,
                 "outcomes as metric selectors, e.g. balance[KAZ] dependence[KAZ,RUS] (default: balance of every "
                 "actor and dependence of the first actor on each partner)");
  se->add_option("--top", m.top, "print only the K parameters with the largest mu* per outcome (the CSV keeps all); 0: all")
      ->check(CLI::Range(0, 100'000))
      ->capture_default_str();
  se->add_option("--out,-o", m.out, "also write the effects as CSV (outcome,rank,parameter,lo,hi,log,mu_star,mu,sigma)");
  se->add_option("--lens,-l", m.lens, "theory lens to apply first");
  add_posterior_options(se, m.post);
  se->add_flag("--quiet,-q", m.quiet, "no progress bar");
  se->callback([&ctx]() { ctx.action = [&ctx]() { return do_sensitivity(ctx, m); }; });
}

}  // namespace
}  // namespace smartpower::cli
