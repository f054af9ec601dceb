// `smartpower claims` and `smartpower calibrate`.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "abc_cmd.hpp"
#include "commands.hpp"
#include "smartpower/core/format.hpp"
#include "smartpower/analysis/calibration_toml.hpp"
#include "smartpower/io/checkpoint.hpp"
#include "smartpower/analysis/claims_toml.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/io/output.hpp"
#include "posterior_opts.hpp"
#include "table.hpp"

namespace smartpower::cli {
namespace {

std::string pct(double v) { return format_fixed(100 * v, 0) + "%"; }
void print_report(std::ostream& os, const ClaimReport& rep, int runs) {
  Table t({"claim", "result", runs > 1 ? "runs passing" : "", "margin", "section", "measured (run 0)"});
  t.text_last_column();
  t.left_align(1);
  t.left_align(4);
  for (const auto& c : rep.claims) {
    std::string measured = c.on_mean && runs > 1 ? "ensemble mean: " : "";
    for (std::size_t i = 0; i < c.checks.size(); ++i) measured += (i ? "; " : "") + c.checks[i].measured;
    std::string id = c.claim->id + (c.claim->name.empty() ? "" : " " + c.claim->name);
    // A claim on the ensemble mean passes or fails on the mean; its share of runs is shown
    // for information, after the word "mean" (no share leads the column).
    const std::string share = c.on_mean ? "mean; runs " + pct(c.pass_share)
                                        : pct(c.pass_share) + " (need " + pct(c.required_share) + ")";
    t.add({id, c.pass ? "PASS" : "FAIL", runs > 1 ? share : "", format_fixed(c.margin), c.claim->section, measured});
  }
  t.print(os, "");
  os << "\n" << rep.passed() << " of " << rep.claims.size() << " claims pass"
     << (runs > 1 ? " (each must hold in its required share of " + std::to_string(runs) +
                        " noisy runs, or on their mean where it says \"mean\")"
                  : "")
     << "; margin is the median relative slack of the claim's tightest check\n";
}

struct ClaimsArgs {
  std::string file, claims, lens, only;
  int runs = 1, threads = 1;
  long long seed = -1;
  bool quiet = false, objective = false;
  PosteriorArgs post;
};

struct CalibrateArgs {
  std::string file, claims, out;
  int starts = 4, evaluations = 3000, runs = 4, threads = 1;
  long long seed = 1;
  double seconds = 0;
  std::string checkpoint;
  bool resume = false;
  bool quiet = false;
  std::string method = "point";
  std::string abc_noise = "shared";
  AbcArgs abc;
};

}  // namespace

namespace {
void register_claims_commands(CLI::App& app, Context& ctx);
const CommandRegistrar registrar(10, register_claims_commands);

void register_claims_commands(CLI::App& app, Context& ctx) {
  static ClaimsArgs a;
  auto* cmd = app.add_subcommand("claims", "check the article's claims on a scenario: one row per claim, exit 1 if any fails");
  cmd->add_option("FILE", a.file, "scenario TOML file")->required();
  cmd->add_option("--claims,-c", a.claims, "claims TOML file (e.g. scenarios/claims.toml)")->required();
  cmd->add_option("--runs,-r", a.runs, "noisy runs; a claim must hold in its required share of them")->check(CLI::Range(1, 1000000));
  cmd->add_option("--seed,-s", a.seed, "master seed (default: the scenario's)");  // range: the common --seed check (cli/main.cpp)
  cmd->add_option("--threads,-t", a.threads, "worker threads")->check(CLI::Range(1, 1024));
  cmd->add_option("--lens,-l", a.lens, "theory lens to apply first");
  cmd->add_flag("--quiet,-q", a.quiet, "no progress output");
  cmd->add_flag("--objective", a.objective,
                "also print the calibration objective over these runs (calibrate's distance for the scenario's values: "
                "the same --runs and --seed give the same number)");
  add_posterior_options(cmd, a.post);
  cmd->callback([&ctx]() {
    ctx.action = [&ctx]() {
      Document doc = load_document(a.file);
      if (!a.lens.empty()) apply_lens(*doc.table, a.lens);
      build_scenario(*doc.table);
      const ClaimSet set = load_claims(a.claims);
      ClaimOptions o;
      o.runs = a.runs;
      o.seed = a.seed >= 0 ? static_cast<std::uint64_t>(a.seed) : 0;
      o.threads = a.threads;
      o.stop = ctx.stop;
      o.posterior = load_posterior_arg(a.post, *doc.table);
      o.draws = a.post.draws;
      if (o.posterior) std::cout << "runs include " << uncertainty_of(a.post, a.runs) << "\n";
      if (ctx.progress && !a.quiet) std::cerr << "running the scenario and its claim variants...\n";
      const ClaimReport rep = evaluate_claims(*doc.table, set, o);
      print_report(std::cout, rep, a.runs);
      if (a.objective) {
        std::cout << "objective " << format_number(rep.objective)
                  << " (every claim's shortfall plus the data misfit over these runs: calibrate's distance)\n";
      }
      return rep.passed() == static_cast<int>(rep.claims.size()) ? 0 : 1;
    };
  });

  static CalibrateArgs c;
  auto* cal = app.add_subcommand("calibrate",
                                 "fit the [calibration] parameters so every claim holds with margin (NLopt: global "
                                 "search, then local polish, multi-start)");
  cal->add_option("FILE", c.file, "scenario TOML file with a [calibration] section")->required();
  cal->add_option("--claims,-c", c.claims, "claims TOML file")->required();
  cal->add_option("--out,-o", c.out, "write the calibrated scenario here (extends FILE, overrides the parameters)")->required();
  cal->add_option("--starts", c.starts, "multi-start: number of starting points (the file's values first)")
      ->check(CLI::Range(1, 1'000'000'000))
      ->capture_default_str();
  cal->add_option("--evaluations", c.evaluations, "objective evaluations per start (global + local)")
      ->check(CLI::Range(1, 100'000'000))
      ->capture_default_str();
  cal->add_option("--runs,-r", c.runs, "noisy runs per objective evaluation (common random numbers)")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  cal->add_option("--seed,-s", c.seed, "seed of the starting points and of the runs")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cal->add_option("--seconds", c.seconds, "cap on search time (0 = none; a cap makes the result depend on speed)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            double v = 0;
            try {
              std::size_t used = 0;
              v = std::stod(text, &used);
              if (used != text.size()) return "expected a number of seconds >= 0, got '" + text + "'";
            } catch (const std::exception&) {
              return "expected a number of seconds >= 0, got '" + text + "'";
            }
            if (!std::isfinite(v) || v < 0) return "expected a finite number of seconds >= 0 (0 = no cap), got '" + text + "'";
            return "";
          },
          "SECONDS>=0", "finite non-negative"))
      ->capture_default_str();
  cal->add_option("--checkpoint", c.checkpoint,
                  "checkpoint file (default: OUT.checkpoint); an existing file must be a smartpower calibrate checkpoint");
  cal->add_flag("--resume", c.resume, "continue from the checkpoint of an interrupted run (same result, byte for byte)");
  cal->add_option("--threads,-t", c.threads, "worker threads")->check(CLI::Range(1, 1024));
  cal->add_flag("--quiet,-q", c.quiet, "no progress output");
  // --method abc: a posterior (ABC-SMC) instead of one point; --out is then its CSV.
  cal->add_option("--method", c.method,
                  "point: one fit (NLopt); abc: a weighted posterior sample (ABC-SMC), --out is then the posterior CSV "
                  "(e.g. scenarios/posterior.csv)")
      ->check(CLI::IsMember({"point", "abc"}))
      ->capture_default_str();
  const std::vector<std::string> abc_only = {"--particles", "--generations", "--simulations", "--alpha",
                                             "--min-acceptance", "--moves", "--best", "--claims-weight", "--noise", "--min-tolerance",
                                             "--settle"};
  cal->add_option("--particles", c.abc.particles, "abc: particles per generation (the posterior's size)")
      ->check(CLI::Range(2, 10'000'000))
      ->capture_default_str();
  cal->add_option("--generations", c.abc.generations, "abc: generations, the prior sample included")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  cal->add_option("--simulations", c.abc.simulations,
                  "abc: budget of model runs (0 = none); a generation it cuts short is dropped")
      ->check(CLI::Range(0LL, 1'000'000'000'000'000LL))
      ->capture_default_str();
  cal->add_option("--alpha", c.abc.alpha, "abc: each tolerance is this quantile of the previous generation's distances")
      ->check(CLI::Range(1e-6, 1 - 1e-6))
      ->capture_default_str();
  cal->add_option("--moves", c.abc.moves, "abc: Metropolis-Hastings moves of every particle per generation")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cal->add_option("--min-acceptance", c.abc.min_acceptance,
                  "abc: stop when a generation's Metropolis-Hastings acceptance rate falls below")
      ->check(CLI::Range(1e-9, 1.0))
      ->capture_default_str();
  cal->add_option("--claims-weight", c.abc.claims_weight,
                  "abc: the distance counts the claims' and checks' shortfalls this many times against the data "
                  "misfit (1: the point fit's objective; above 1 the claims weigh as constraints)")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  cal->add_option("--min-tolerance", c.abc.min_tolerance,
                  "abc: the tolerance's floor (0 = none); the generation that reaches it is the last. Use the distance "
                  "a correct model has from noisy data: below it the intervals are too narrow")
      ->check(CLI::Range(0.0, 1e300))
      ->capture_default_str();
  cal->add_option("--settle", c.abc.settle,
                  "abc: generations that stay at --min-tolerance after the first that reaches it, each --moves MH "
                  "moves: more distinct particles (it does not widen what one run covers: docs/calibration.md)")
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();
  cal->add_option("--noise", c.abc_noise,
                  "abc: shared: every proposal scored on the same noisy runs (common random numbers, as the point "
                  "fit); own: each proposal on runs of its own (the posterior of a stochastic model; it degenerates "
                  "once the tolerance nears the distance's noise)")
      ->check(CLI::IsMember({"shared", "own"}))
      ->capture_default_str();
  cal->add_option("--best", c.abc.best, "abc: also write the best particle as a scenario (a start for --method point)");
  cal->callback([&ctx, cal, abc_only]() {
    for (const auto& name : abc_only) {
      if (c.method != "abc" && cal->count(name) > 0) throw CLI::ValidationError(name, "applies to --method abc only");
    }
    for (const char* name : {"--starts", "--evaluations", "--seconds"}) {
      if (c.method == "abc" && cal->count(name) > 0) {
        throw CLI::ValidationError(name, "applies to --method point only (abc: --particles, --generations, --simulations)");
      }
    }
    if (c.method == "abc") {
      ctx.action = [&ctx]() {
        AbcArgs a = c.abc;
        a.own_noise = c.abc_noise == "own";
        a.file = c.file;
        a.claims = c.claims;
        a.out = c.out;
        a.checkpoint = c.checkpoint;
        a.runs = c.runs;
        a.threads = c.threads;
        a.seed = c.seed;
        a.resume = c.resume;
        a.quiet = c.quiet;
        return run_abc_calibration(ctx, a);
      };
      return;
    }
    ctx.action = [&ctx]() {
      CalibrationOptions o;
      o.starts = c.starts;
      o.evaluations = c.evaluations;
      o.runs = c.runs;
      o.seed = static_cast<std::uint64_t>(c.seed);
      o.seconds = c.seconds;
      o.threads = c.threads;
      o.stop = ctx.stop;
      o.checkpoint = c.checkpoint.empty() ? c.out + ".checkpoint" : c.checkpoint;
      o.resume = c.resume;
      // Inputs are never outputs (by device and inode, through symlinks): checked before
      // any work, so `--out FILE` or `--checkpoint FILE` never destroys the scenario, a
      // file of its extends chain or the claims file.
      std::vector<std::string> inputs = load_document(c.file).files;
      inputs.push_back(c.claims);
      refuse_input_as_output(c.out, inputs, "--out");
      refuse_input_as_output(o.checkpoint, inputs, "--checkpoint");
      refuse_same_file(c.out, "--out", o.checkpoint, "--checkpoint");
      check_output_file(c.out, "--out");
      o.inputs = {c.claims};
      const bool show = !c.quiet && ctx.progress;
      o.progress = [show](const CalibrationProgress& p) {
        if (!show) return;
        std::fprintf(stderr, "\rstart %d/%d  evaluation %5d  objective %.5f  best %.5f  (%.0fs)   ", p.start + 1, p.starts,
                     p.evaluation, p.objective, p.best, p.seconds);
        std::fflush(stderr);
      };
      const ClaimSet set = load_claims(c.claims);
      const CalibrationResult res = calibrate(c.file, set, o);
      if (show) std::fprintf(stderr, "\n");
      write_calibrated(c.out, c.file, res, std::string("smartpower calibrate ") + c.file + " --claims " + c.claims +
                                              " --out " + c.out + " --starts " + std::to_string(c.starts) +
                                              " --evaluations " + std::to_string(c.evaluations) + " --runs " +
                                              std::to_string(c.runs) + " --seed " + std::to_string(c.seed));
      // Complete and written: the checkpoint has served. Only the file this run wrote is
      // removed (same device and inode, header intact).
      remove_checkpoint(res.checkpoint, "calibrate");
      Table t({"parameter", "lower", "start", "calibrated", "upper"});
      for (std::size_t i = 0; i < res.parameters.size(); ++i) {
        const auto& p = res.parameters[i];
        t.add({p.path, format_fixed(p.lo, 4), format_fixed(p.start, 4), format_fixed(res.best[i], 4),
               format_fixed(p.hi, 4)});
      }
      t.print(std::cout, "");
      std::cout << "\nobjective " << format_fixed(res.objective, 5) << " after " << res.evaluations << " evaluations ("
                << res.replayed << " replayed from the checkpoint) in " << format_fixed(res.seconds, 1) << " s; wrote "
                << c.out << "\n\nclaims on the calibrated scenario (" << c.runs << " runs):\n";
      print_report(std::cout, res.report, c.runs);
      return res.report.passed() == static_cast<int>(res.report.claims.size()) ? 0 : 1;
    };
  });
}
}  // namespace

}  // namespace smartpower::cli
