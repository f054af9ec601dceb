// `smartpower calibrate --method abc`: ABC-SMC posterior over the [calibration]
// parameters (smartpower/analysis/abc.hpp); the options are registered with `calibrate` in
// claims_cmd.cpp.
#include "abc_cmd.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <vector>

#include "smartpower/core/format.hpp"
#include "smartpower/core/memory.hpp"
#include "smartpower/analysis/abc_toml.hpp"
#include "smartpower/analysis/calibration_toml.hpp"
#include "smartpower/io/checkpoint.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/io/output.hpp"
#include "table.hpp"

namespace smartpower::cli {
namespace {

}  // namespace

int run_abc_calibration(const Context& ctx, const AbcArgs& a) {
  AbcOptions o;
  o.particles = a.particles;
  o.generations = a.generations;
  o.simulations = a.simulations;
  o.alpha = a.alpha;
  o.min_acceptance = a.min_acceptance;
  o.moves = a.moves;
  o.claims_weight = a.claims_weight;
  o.own_noise = a.own_noise;
  o.min_tolerance = a.min_tolerance;
  o.settle = a.settle;
  o.runs = a.runs;
  o.threads = a.threads;
  o.seed = static_cast<std::uint64_t>(a.seed);
  o.stop = ctx.stop;
  o.checkpoint = a.checkpoint.empty() ? a.out + ".checkpoint" : a.checkpoint;
  o.resume = a.resume;
  // Inputs are never outputs, checked before any work, as for --method point.
  std::vector<std::string> inputs = load_document(a.file).files;
  inputs.push_back(a.claims);
  refuse_input_as_output(a.out, inputs, "--out");
  refuse_input_as_output(o.checkpoint, inputs, "--checkpoint");
  refuse_same_file(a.out, "--out", o.checkpoint, "--checkpoint");
  check_output_file(a.out, "--out");
  if (!a.best.empty()) {
    refuse_input_as_output(a.best, inputs, "--best");
    refuse_same_file(a.best, "--best", a.out, "--out");
    refuse_same_file(a.best, "--best", o.checkpoint, "--checkpoint");
    check_output_file(a.best, "--best");
  }
  o.inputs = {a.claims};
  const bool root = cluster().rank == 0;
  const bool show = !a.quiet && ctx.progress && root;
  o.progress = [show](const AbcProgress& p) {
    if (!show) return;
    const double rate = p.proposals ? static_cast<double>(p.accepted) / static_cast<double>(p.proposals) : 0;
    if (p.generation == 0) {
      std::fprintf(stderr, "\rgeneration 0  tolerance inf (prior)  drawn %lld/%d  simulations %s  (%.0f s)   ",
                   p.proposals, p.particles, format_count(p.simulations).c_str(), p.seconds);
    } else {
      std::fprintf(stderr,
                   "\rgeneration %d  tolerance %s  moves %lld/%d  MH acceptance %4.1f%%  simulations %s  (%.0f s)   ",
                   p.generation, format_significant(p.tolerance, 4).c_str(), p.proposals, p.particles, 100 * rate,
                   format_count(p.simulations).c_str(), p.seconds);
    }
    if (p.generation_done) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
  const ClaimSet set = load_claims(a.claims);
  const AbcResult res = calibrate_abc(a.file, set, o);
  const std::string command = "smartpower calibrate " + a.file + " --claims " + a.claims + " --method abc --out " +
                              a.out + " --particles " + std::to_string(a.particles) + " --generations " +
                              std::to_string(a.generations) + " --runs " + std::to_string(a.runs) + " --alpha " +
                              format_number(a.alpha) + " --moves " + std::to_string(a.moves) + " --seed " +
                              std::to_string(a.seed) +
                              (a.claims_weight != 1.0 ? " --claims-weight " + format_number(a.claims_weight) : "") +
                              (a.own_noise ? " --noise own" : "") +
                              (a.min_tolerance > 0 ? " --min-tolerance " + format_number(a.min_tolerance) : "") +
                              (a.settle > 0 ? " --settle " + std::to_string(a.settle) : "") +
                              (a.simulations ? " --simulations " + std::to_string(a.simulations) : "");
  // The best particle's claims run on every rank (its ensembles are spread over them).
  CalibrationResult best;
  if (!a.best.empty()) {
    ClaimOptions co;
    co.runs = a.runs;
    co.seed = o.seed;
    co.threads = a.threads;
    co.stop = ctx.stop;
    best = best_particle(a.file, set, res, co);
  }
  if (!root) return 0;  // every rank holds the same result; one writes and prints it
  write_posterior(a.out, res);
  if (!a.best.empty()) write_calibrated(a.best, a.file, best, command + " --best " + a.best);
  // Complete and written: the checkpoint has served.
  remove_checkpoint(res.checkpoint, "abc");

  Table t({"parameter", "prior", "mean", "5%", "50%", "95%", "90% width / prior"});
  for (const auto& s : summarize_posterior(res)) {
    t.add({s.path, "[" + format_significant(s.lo, 4) + ", " + format_significant(s.hi, 4) + "]" + (s.log ? " log" : ""),
           format_significant(s.mean, 4), format_significant(s.q05, 4), format_significant(s.q50, 4),
           format_significant(s.q95, 4), format_significant(s.width_ratio, 4)});
  }
  t.print(std::cout, "");
  std::cout << "\nposterior of " << res.particles.size() << " particles after " << res.generations.size()
            << " generations; tolerances";
  for (const auto& g : res.generations)
    std::cout << " " << (std::isinf(g.tolerance) ? "inf" : format_significant(g.tolerance, 4));
  std::cout << "\nMH acceptance per generation:";
  for (std::size_t i = 1; i < res.generations.size(); ++i) {
    std::cout << " " << format_significant(100 * res.generations[i].acceptance(), 4) << "%";
  }
  if (res.generations.size() < 2) std::cout << " (none: the prior sample only)";
  const double ess = res.ess();
  const std::size_t distinct = res.distinct();
  std::cout << "\neffective sample size " << format_significant(ess, 4) << " of " << res.particles.size()
            << " particles (" << distinct
            << " distinct: resampling duplicates survivors, MH moves spread them; more --moves "
            << "make more distinct)";
  if (ess < static_cast<double>(res.particles.size()) / 10) {
    std::cout << "\nwarning: the effective sample size is below a tenth of the particles: the weighted quantiles rest "
                 "on a few particles and the widths below understate the uncertainty";
  }
  if (4 * distinct < res.particles.size()) {
    std::cout << "\nwarning: fewer than a quarter of the particles are distinct: the sample is poorly mixed (with "
                 "--noise own, the tolerance has likely fallen below the distance's noise) and the widths above "
                 "understate the uncertainty";
  }
  std::cout << "\nstopped: " << res.stopped << "\n";
  std::cout << format_count(res.evaluations) << " parameter sets evaluated, " << format_count(res.simulations)
            << " simulations (model runs: " << a.runs << (a.runs == 1 ? " run" : " runs") << " x " << res.models
            << (res.models == 1 ? " model" : " models") << " each)";
  if (res.replayed_generations) {
    std::cout << "; " << res.replayed_generations << " generations read from the checkpoint";
  }
  std::cout << "\n"
            << format_count(res.computed_simulations) << " simulations computed in "
            << format_significant(res.seconds, 4) << " s ("
            << format_count(static_cast<long long>(res.seconds > 0 ? res.computed_simulations / res.seconds : 0))
            << " simulations/s)\n";
  std::cout << "90% width / prior: the posterior 90% interval's width over the prior range (on the log scale for log "
               "parameters); near 1 = the claims and data do not identify the parameter\n";
  std::cout << "wrote " << a.out << (a.best.empty() ? "" : " and " + a.best) << "\n";
  return 0;
}

}  // namespace smartpower::cli
