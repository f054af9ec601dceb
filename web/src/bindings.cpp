// The engine's entry points for the browser (and Node): TOML text in, JSON text out.
// Built only by web/CMakeLists.txt (Emscripten, embind); the native build never sees it.
// Every function returns JSON and never throws into JavaScript: a bad scenario gives
// {"ok": false, "messages": [...]} with the validator's line, column and message.
#include <emscripten/bind.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "smartpower/document.hpp"
#include "smartpower/ensemble.hpp"
#include "smartpower/error.hpp"
#include "smartpower/output.hpp"
#include "smartpower/simulation.hpp"

namespace smartpower::web {
namespace {

// The name every message points at: the playground edits one resolved scenario text.
constexpr const char* kFileName = "scenario.toml";

nlohmann::ordered_json message_json(const SourcePos& pos, const std::string& message) {
  return {{"line", pos.line}, {"column", pos.column}, {"message", message}};
}

nlohmann::ordered_json failure(const std::exception& e) {
  nlohmann::ordered_json j;
  j["ok"] = false;
  if (const auto* in = dynamic_cast<const InputError*>(&e)) {
    j["messages"] = nlohmann::ordered_json::array({message_json(in->pos(), in->message())});
  } else {
    j["messages"] = nlohmann::ordered_json::array({message_json({}, e.what())});
  }
  return j;
}

// The resolved document of `toml`, with `lens` applied and each {"path": value} of
// `sets` (a JSON object of dotted paths, the sliders) set on it.
Document prepare(const std::string& toml, const std::string& lens, const std::string& sets) {
  Document doc = load_document_from_string(toml, kFileName);
  if (!lens.empty()) apply_lens(*doc.table, lens);
  if (!sets.empty()) {
    const auto j = nlohmann::json::parse(sets);
    for (const auto& [path, value] : j.items()) set_path(*doc.table, path, value.get<double>());
  }
  return doc;
}

EnsembleResult run_model(const Model& model, std::uint64_t seed, int runs, EnsembleOptions opt = {}) {
  opt.runs = runs;
  opt.seed = seed;
  opt.threads = 1;
  opt.series_stats = true;  // as `smartpower run` with more than one run (--series mean)
  return run_ensemble(model, opt);
}

RunInfo run_info(const std::string& resolved, std::uint64_t seed, int runs, const std::string& lens) {
  RunInfo info;
  info.command = "playground";
  info.file = kFileName;
  info.lens = lens;
  info.resolved_toml = resolved;
  info.seed = seed;
  info.runs = runs;
  return info;
}

}  // namespace

// summary.json of `runs` runs of the resolved scenario `toml` from `seed`: the same
// document `smartpower run FILE --seed SEED --runs RUNS` writes (command and file differ).
std::string run(const std::string& toml, double seed, int runs) {
  try {
    Document doc = prepare(toml, "", "");
    const std::string resolved = to_toml(*doc.table);
    Model model(build_scenario(*doc.table));
    const auto s = static_cast<std::uint64_t>(seed);
    return summary_json(model, run_model(model, s, runs), run_info(resolved, s, runs, "")).dump(2);
  } catch (const std::exception& e) {
    return failure(e).dump();
  }
}

// The playground's run: summary plus, for actor `focus`, the balance index and the
// dependence share on every partner at every recorded instant: mean and the 5/50/95 %
// quantiles over runs (per-run series, so the band is the runs' spread, not mean ± sd).
std::string simulate(const std::string& toml, double seed, int runs, const std::string& lens, const std::string& sets,
                     const std::string& focus) {
  try {
    Document doc = prepare(toml, lens, sets);
    const std::string resolved = to_toml(*doc.table);
    Model model(build_scenario(*doc.table));
    const Scenario& sc = model.scenario();
    const auto& L = model.layout();
    int i = 0;
    while (i < model.n_actors() && sc.actors[i].id != focus) ++i;
    if (i == model.n_actors()) i = 0;

    struct Column {
      std::string metric, partner;
      std::size_t index;
    };
    std::vector<Column> cols{{"balance", "", L.index(Metric::balance, i)}};
    for (int j = 0; j < model.n_actors(); ++j) {
      if (j != i) cols.push_back({"dependence", sc.actors[j].id, L.index(Metric::dependence, i, j)});
    }
    EnsembleOptions opt;
    for (const auto& c : cols) opt.series_columns.push_back(c.index);
    std::vector<double> series;  // runs x instants x columns
    opt.on_series = [&](int, int, std::span<const double> s) { series.insert(series.end(), s.begin(), s.end()); };
    const auto s = static_cast<std::uint64_t>(seed);
    const EnsembleResult r = run_model(model, s, runs, opt);

    const std::size_t I = r.times.size(), C = cols.size();
    nlohmann::ordered_json out;
    out["ok"] = true;
    out["focus"] = sc.actors[i].id;
    out["times"] = r.times;
    auto& js = out["series"];
    std::vector<double> v(static_cast<std::size_t>(runs));
    for (std::size_t c = 0; c < C; ++c) {
      nlohmann::ordered_json col{{"metric", cols[c].metric}, {"partner", cols[c].partner}};
      std::vector<double> p5(I), p50(I), p95(I), mean(I);
      for (std::size_t t = 0; t < I; ++t) {
        for (int k = 0; k < runs; ++k) v[k] = series[(static_cast<std::size_t>(k) * I + t) * C + c];
        mean[t] = r.mean[t * L.size() + cols[c].index];
        p5[t] = quantile(v, 0.05);
        p50[t] = quantile(v, 0.5);
        p95[t] = quantile(v, 0.95);
      }
      col["mean"] = mean;
      col["p5"] = p5;
      col["p50"] = p50;
      col["p95"] = p95;
      js.push_back(col);
    }
    out["summary"] = summary_json(model, r, run_info(resolved, s, runs, lens));
    return out.dump();
  } catch (const std::exception& e) {
    return failure(e).dump();
  }
}

// What `smartpower validate` checks, for the editor: the scenario and each lens. The
// validator stops at the first problem, so `messages` holds at most one; with ok, a
// short description of what the scenario holds (for the page's menus and sliders).
std::string validate(const std::string& toml) {
  try {
    Document doc = load_document_from_string(toml, kFileName);
    const Scenario sc = build_scenario(*doc.table);
    const auto lenses = lens_names(*doc.table);
    for (const auto& lens : lenses) {
      Document fresh = load_document_from_string(toml, kFileName);
      apply_lens(*fresh.table, lens);
      build_scenario(*fresh.table);
    }
    nlohmann::ordered_json j;
    j["ok"] = true;
    j["messages"] = nlohmann::ordered_json::array();
    j["name"] = sc.info.name;
    j["start"] = sc.info.start;
    j["end"] = sc.info.end;
    auto& actors = j["actors"] = nlohmann::ordered_json::array();
    for (const auto& a : sc.actors) actors.push_back({{"id", a.id}, {"name", a.name}, {"budget", a.budget}});
    auto& levers = j["levers"] = nlohmann::ordered_json::array();
    for (const auto& l : sc.levers) levers.push_back({{"id", l.id}, {"kind", to_string(l.kind)}, {"weight", l.weight}});
    j["lenses"] = lenses;
    j["noise"] = sc.params.noise;
    return j.dump();
  } catch (const std::exception& e) {
    return failure(e).dump();
  }
}

std::string version() { return engine_version(); }

long fma_self_check(long n, std::uint64_t seed);  // src/fmaf.cpp
double fma_check(double n, double seed) {
  return static_cast<double>(fma_self_check(static_cast<long>(n), static_cast<std::uint64_t>(seed)));
}

}  // namespace smartpower::web

EMSCRIPTEN_BINDINGS(smartpower) {
  emscripten::function("run", &smartpower::web::run);
  emscripten::function("simulate", &smartpower::web::simulate);
  emscripten::function("validate", &smartpower::web::validate);
  emscripten::function("version", &smartpower::web::version);
  emscripten::function("fmaCheck", &smartpower::web::fma_check);
}
