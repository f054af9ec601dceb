// --posterior FILE [--draws N]: parameter uncertainty from a posterior (posterior.hpp),
// shared by the commands that run ensembles.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "smartpower/io/document.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/analysis/posterior.hpp"

namespace smartpower::cli {

struct PosteriorArgs {
  std::string file;
  int draws = 0;  // 0: one draw per run
  std::shared_ptr<Posterior> loaded;
};

inline void add_posterior_options(CLI::App* cmd, PosteriorArgs& a) {
  cmd->add_option("--posterior", a.file,
                  "posterior CSV (calibrate --method abc --out): each run takes a parameter set drawn from it by weight, "
                  "reproducibly from the seed; intervals then include parameter uncertainty");
  cmd->add_option("--draws", a.draws, "distinct posterior draws (run r uses draw r mod N; default: one per run)")
      ->check(CLI::Range(1, 100'000'000));
}

inline const Posterior* load_posterior_arg(PosteriorArgs& a, const toml::table& doc) {
  if (a.file.empty()) return nullptr;
  if (!a.loaded) a.loaded = std::make_shared<Posterior>(load_posterior(a.file, doc));
  return a.loaded.get();
}

inline std::string uncertainty_of(const PosteriorArgs& a, int runs) {
  return uncertainty_label(a.loaded.get(), runs, a.draws);
}

// run_ensemble, or with a posterior, one Model per drawn particle (run r keeps its seed).
inline EnsembleResult run_with_posterior(PosteriorArgs& a, const toml::table& doc, const Model& model,
                                         const EnsembleOptions& opt) {
  const Posterior* p = load_posterior_arg(a, doc);
  if (!p) return run_ensemble(model, opt);
  PosteriorModels models(*p, doc);
  return run_grouped_ensemble(posterior_particles(*p, opt.seed, opt.runs, a.draws), std::ref(models), opt);
}

// Adds "uncertainty" (and "posterior" when one is used) after "statistics".
inline void add_uncertainty(nlohmann::ordered_json& j, const PosteriorArgs& a, int runs) {
  nlohmann::ordered_json out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    out[it.key()] = it.value();
    if (it.key() == "statistics") {
      out["uncertainty"] = uncertainty_of(a, runs);
      if (a.loaded) out["posterior"] = {{"file", a.file}, {"draws", a.draws > 0 ? std::min(a.draws, runs) : runs}};
    }
  }
  j = std::move(out);
}

}  // namespace smartpower::cli
