// `smartpower compare` (what-if against base, with attribution) and `smartpower lenses`
// (one scenario under every theory lens, side by side).
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "smartpower/core/format.hpp"
#include "smartpower/analysis/compare.hpp"
#include "smartpower/analysis/lenses.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/memory.hpp"
#include "smartpower/io/output.hpp"
#include "smartpower/analysis/compare_toml.hpp"
#include "posterior_opts.hpp"
#include "table.hpp"

namespace smartpower::cli {
namespace {
namespace fs = std::filesystem;

std::string outcome_name(const Change& c) {
  return c.partner.empty() ? std::string(metric_info(c.metric).name)
                           : std::string(metric_info(c.metric).name) + " " + c.partner;
}

std::string bar(double v, double scale, int width = 24) {
  const int n = scale > 0 ? static_cast<int>(std::lround(width * std::abs(v) / scale)) : 0;
  std::string s;
  for (int i = 0; i < n; ++i) s += v >= 0 ? "█" : "░";
  return s;
}

void print_comparison(std::ostream& os, const Comparison& c, int per_actor) {
  os << "base:    " << c.base_name << "\nwhat-if: " << c.whatif_name << "\ncompared at " << c.time << " over " << c.runs
     << " paired runs (common random numbers, seed " << c.seed << ")\n\n";
  os << "What the what-if adds (" << c.causes.size() << (c.causes.size() == 1 ? " cause" : " causes") << "):\n";
  for (std::size_t i = 0; i < c.causes.size(); ++i) {
    const Cause& k = c.causes[i];
    os << "  " << i + 1 << ". " << k.kind << " '" << k.label << "': " << k.actor << " -> " << k.target << ", lever "
       << k.lever << (k.source.empty() ? "" : " (" + k.source + ")") << "\n";
  }
  if (c.causes.empty()) os << "  nothing: no moves or events beyond the base\n";
  os << "\nChanges at " << c.time << ", largest first (change = what-if minus base, paired by run; "
     << "95 % interval of the paired change; `agree` = runs with the same sign);\nintervals include "
     << c.uncertainty << ":\n";
  // Focus actor first, then the others.
  std::vector<std::string> order{c.focus};
  for (const auto& ch : c.changes) {
    if (std::find(order.begin(), order.end(), ch.actor) == order.end()) order.push_back(ch.actor);
  }
  for (const auto& actor : order) {
    Table t({"outcome", "base", "what-if", "change", "95 % interval", "agree", "main cause"});
    int shown = 0;
    for (const auto& ch : c.changes) {
      if (ch.actor != actor) continue;
      if (actor != c.focus && shown >= per_actor) break;
      std::size_t best = 0;
      for (std::size_t i = 1; i < ch.attribution.size(); ++i) {
        if (std::abs(ch.attribution[i]) > std::abs(ch.attribution[best])) best = i;
      }
      const bool negligible = std::abs(ch.diff.mean) < 5e-4 * std::max(1.0, std::abs(ch.base.mean));
      std::string cause = negligible ? "-" : best < c.causes.size() ? c.causes[best].label : "other differences";
      t.add({outcome_name(ch), format_fixed(ch.base.mean), format_fixed(ch.whatif.mean),
             format_fixed(ch.diff.mean, 3, true),
             "[" + format_fixed(ch.diff.q05, 3, true) + ", " + format_fixed(ch.diff.q95, 3, true) + "]",
             std::to_string(static_cast<int>(std::lround(100 * ch.same_sign))) + "%", cause});
      ++shown;
    }
    t.text_last_column();
    os << "\n"
       << actor << (actor == c.focus ? " (all outcomes)" : " (largest " + std::to_string(per_actor) + ")") << "\n";
    t.print(os, "  ");
  }
  // The what-if's [[expect]] (signs from IR theory): a report, never a failed claim.
  if (!c.expectations.empty()) {
    int met = 0;
    for (const auto& e : c.expectations) met += e.as_expected() ? 1 : 0;
    os << "\nExpected signs (IR theory): " << met << " of " << c.expectations.size()
       << " as expected (the what-if's [[expect]]; a report, not a claim: compare exits 0 either way):\n";
    Table t({"outcome", "expected", "change", "95 % interval", "agree", "verdict", "reason"});
    for (const auto& e : c.expectations) {
      const bool ev = e.evaluated;
      t.add({e.metric, e.raises ? "raises" : "lowers", ev ? format_fixed(e.diff.mean, 3, true) : "-",
             ev ? "[" + format_fixed(e.diff.q05, 3, true) + ", " + format_fixed(e.diff.q95, 3, true) + "]" : "-",
             ev ? std::to_string(static_cast<int>(std::lround(100 * e.same_sign))) + "%" : "-",
             e.verdict + (ev ? "" : " (at " + format_fixed(e.at, 1) + ")"), e.reason});
    }
    t.text_last_column();
    t.print(os, "  ");
  }
  // Attribution bars: the focus actor's balance index, then its largest dependence change.
  const Change* shown[2] = {nullptr, nullptr};
  for (const auto& ch : c.changes) {
    if (ch.actor != c.focus) continue;
    if (ch.metric == Metric::balance) shown[0] = &ch;
    if (ch.metric == Metric::dependence && (!shown[1] || std::abs(ch.diff.mean) > std::abs(shown[1]->diff.mean)))
      shown[1] = &ch;
  }
  for (const Change* ch : shown) {
    if (!ch || std::abs(ch->diff.mean) < 1e-9) continue;
    double scale = 0;
    for (double a : ch->attribution) scale = std::max(scale, std::abs(a));
    os << "\nAttribution of the change in " << c.focus << " " << outcome_name(*ch) << " ("
       << format_fixed(ch->diff.mean, 4, true) << ") to its causes (Shapley values; they add up to the change):\n";
    Table t({"cause", "share", ""});
    double sum = 0;
    for (std::size_t i = 0; i < ch->attribution.size(); ++i) {
      sum += ch->attribution[i];
      t.add({i < c.causes.size() ? c.causes[i].label + " (" + c.causes[i].lever + ")" : "other differences",
             format_fixed(ch->attribution[i], 4, true), bar(ch->attribution[i], scale)});
    }
    t.add({"total", format_fixed(sum, 4, true), ""});
    t.text_last_column();
    t.print(os, "  ");
  }
  os << "\nWhat it means:\n";
  for (const auto& s : c.sentences) os << "  - " << s << "\n";
}

struct CompareArgs {
  std::string base, whatif, lens, actor, out;
  int runs = 100, threads = 1, per_actor = 5;
  long long seed = -1;
  bool quiet = false;
  PosteriorArgs post;
};

struct LensesArgs {
  std::string file, actor;
  int runs = 50, threads = 1;
  long long seed = -1;
};

void register_compare(CLI::App& app, Context& ctx) {
  static CompareArgs a;
  auto* cmd = app.add_subcommand("compare",
                                 "run a what-if against its base with the same random numbers; changes with "
                                 "95 % intervals, attribution to moves and levers, plain sentences");
  cmd->add_option("BASE", a.base, "base scenario TOML")->required();
  cmd->add_option("WHATIF", a.whatif, "what-if scenario TOML")->required();
  cmd->add_option("--runs,-r", a.runs, "paired noisy runs")->check(CLI::Range(1, 1000000))->capture_default_str();
  cmd->add_option("--seed,-s", a.seed,
                  "master seed (default: the base's)");  // range: the common --seed check (cli/main.cpp)
  cmd->add_option("--threads,-t", a.threads, "worker threads")->check(CLI::Range(1, 1024));
  cmd->add_option("--lens,-l", a.lens, "apply this theory lens to both sides");
  cmd->add_option("--actor,-a", a.actor, "actor the summary is about (default: the first)");
  cmd->add_option("--rows", a.per_actor, "outcomes shown for each other actor")->capture_default_str();
  cmd->add_option("--out,-o", a.out, "also write DIR/compare.json");
  cmd->add_flag("--quiet,-q", a.quiet, "no progress bar");
  add_posterior_options(cmd, a.post);
  cmd->callback([&ctx]() {
    ctx.action = [&ctx]() {
      Document base = load_document(a.base), whatif = load_document(a.whatif);
      if (!a.lens.empty()) {
        apply_lens(*base.table, a.lens);
        apply_lens(*whatif.table, a.lens);
      }
      std::vector<std::string> inputs = base.files;
      inputs.insert(inputs.end(), whatif.files.begin(), whatif.files.end());
      if (!a.out.empty()) check_output_path((fs::path(a.out) / "compare.json").string(), inputs);
      {
        // Both ensembles with statistics, then one attribution subset at a time: refused
        // up front if they would not fit (smartpower/core/memory.hpp).
        const Scenario bs = build_scenario(*base.table), ws = build_scenario(*whatif.table);
        const long long extra = std::max<long long>(0, static_cast<long long>(ws.moves.size() + ws.events.size()) -
                                                           static_cast<long long>(bs.moves.size() + bs.events.size()));
        ModelShape bshape = shape_of(bs);
        bshape.steps = std::max(bshape.steps, shape_of(ws).steps);  // the base runs on to the what-if's end
        require_memory(
            estimate_compare(bshape, shape_of(ws), a.runs, a.threads,
                             extra == 0 ? 0 : (extra <= 10 ? (1 << extra) - 1 : static_cast<int>(extra) + 1)));
      }
      CompareOptions o;
      o.runs = a.runs;
      o.seed = a.seed >= 0 ? static_cast<std::uint64_t>(a.seed) : 0;
      o.threads = a.threads;
      o.focus = a.actor;
      o.stop = ctx.stop;
      o.posterior = load_posterior_arg(a.post, *base.table);
      o.draws = a.post.draws;
      Progress bar(ctx, a.quiet, "ensembles");
      o.progress = [&](int d, int t) { bar(d, t); };
      const Comparison c = compare_scenarios(*base.table, *whatif.table, o);
      bar.finish();
      if (!a.out.empty()) {
        write_atomically((fs::path(a.out) / "compare.json").string(),
                         [&](std::ostream& os) { os << comparison_json(c).dump(2) << "\n"; }, inputs);
      }
      print_comparison(std::cout, c, a.per_actor);
      if (!a.out.empty()) std::cout << "\nwrote " << (fs::path(a.out) / "compare.json").string() << "\n";
      return 0;
    };
  });

  static LensesArgs l;
  auto* lenses = app.add_subcommand("lenses",
                                    "run one scenario under each theory lens side by side (why a realist and a "
                                    "constructivist reach different conclusions)");
  lenses->add_option("FILE", l.file, "scenario TOML")->required();
  lenses->add_option("--runs,-r", l.runs, "noisy runs per lens")->check(CLI::Range(1, 1000000))->capture_default_str();
  lenses->add_option("--seed,-s", l.seed,
                     "master seed (default: the scenario's)");  // range: the common --seed check (cli/main.cpp)
  lenses->add_option("--threads,-t", l.threads, "worker threads")->check(CLI::Range(1, 1024));
  lenses->add_option("--actor,-a", l.actor, "actor to show (default: the first)");
  lenses->callback([&ctx]() {
    ctx.action = [&ctx]() {
      LensesOptions o;
      o.runs = l.runs;
      if (l.seed >= 0) o.seed = static_cast<std::uint64_t>(l.seed);
      o.threads = l.threads;
      o.stop = ctx.stop;
      const std::vector<LensEnsemble> cols = run_lenses(load_lenses(l.file), o);
      const Scenario& sc = cols[0].model->scenario();
      const int F = l.actor.empty() ? 0 : sc.actor_index(l.actor);
      if (F < 0) throw InputError("--actor '" + l.actor + "' is not an actor of " + l.file);
      std::cout << sc.info.name << "\n"
                << sc.actors[F].name << " at " << sc.info.end << " under each lens (mean of " << l.runs
                << " runs):\n\n";
      std::vector<std::string> header{"outcome"};
      for (const auto& c : cols) header.push_back(c.name.empty() ? "none" : c.name);
      Table t(header);
      auto row = [&](const std::string& label, Metric m, int j) {
        std::vector<std::string> cells{label};
        for (const auto& c : cols) {
          const auto& L = c.model->layout();
          const std::size_t idx = j < 0 ? L.index(m, F) : L.index(m, F, j);
          long pos = -1;
          for (std::size_t q = 0; q < c.result.final_columns.size(); ++q) {
            if (c.result.final_columns[q] == idx) pos = static_cast<long>(q);
          }
          cells.push_back(format_fixed(final_stats(c.result, static_cast<std::size_t>(pos)).mean));
        }
        t.add(cells);
      };
      row("balance index", Metric::balance, -1);
      for (Metric m : {Metric::dependence, Metric::soft_share, Metric::alignment, Metric::threat}) {
        for (int j = 0; j < sc.n_actors(); ++j) {
          if (j != F) row(std::string(metric_info(m).name) + " " + sc.actors[j].id, m, j);
        }
      }
      t.print(std::cout, "  ");
      std::cout << "\nWhat each lens assumes:\n";
      for (const auto& c : cols) {
        std::cout << "  " << std::setw(15) << std::left << (c.name.empty() ? "none" : c.name) << c.description << "\n";
      }
      std::cout
          << "\nRead across a row: where the lenses disagree, the conclusion depends on the theory, not the data.\n";
      return 0;
    };
  });
}

const CommandRegistrar registrar(20, register_compare);

}  // namespace
}  // namespace smartpower::cli
