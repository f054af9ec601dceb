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

#include "smartpower/io/document.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/io/output.hpp"
#include "smartpower/core/simulation.hpp"

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

namespace {

// Per-run series of the columns `cols` (metric indices) of every recorded instant:
// runs x instants x columns, with the ensemble's result.
struct Series {
  EnsembleResult result;
  std::vector<double> values;
};

Series run_series(const Model& model, std::uint64_t seed, int runs, const std::vector<std::size_t>& cols) {
  EnsembleOptions opt;
  opt.series_columns = cols;
  Series s;
  opt.on_series = [&](int, int, std::span<const double> v) { s.values.insert(s.values.end(), v.begin(), v.end()); };
  s.result = run_model(model, seed, runs, opt);
  return s;
}

// mean and the 5/50/95 % quantiles over runs at every instant of column c of `at(run, t)`.
template <class At>
nlohmann::ordered_json band(std::size_t instants, int runs, At at) {
  std::vector<double> v(static_cast<std::size_t>(runs)), p5(instants), p50(instants), p95(instants), mean(instants);
  for (std::size_t t = 0; t < instants; ++t) {
    double m = 0;
    for (int k = 0; k < runs; ++k) {
      v[k] = at(k, t);
      m += (v[k] - m) / (k + 1);
    }
    mean[t] = m;
    p5[t] = quantile(v, 0.05);
    p50[t] = quantile(v, 0.5);
    p95[t] = quantile(v, 0.95);
  }
  return {{"mean", mean}, {"p5", p5}, {"p50", p50}, {"p95", p95}};
}

}  // namespace

// The playground's run: summary plus, for actor `focus`, the balance index and, on every
// partner, the dependence share, soft, hard and smart power, alignment and threat at every
// recorded instant: mean and the 5/50/95 % quantiles over runs (per-run series, so the band
// is the runs' spread, not mean +- sd).
//
// With `base` (a what-if's base scenario text, else empty): the base runs too, to the
// what-if's end, from the same seed (so run r of both draws the same noise, as `smartpower
// compare` pairs them), with the slider values `sets` except the moves' (the what-if's
// own); "change" holds the paired change what-if minus base of every column, and
// "base_summary" the base's summary.json.
std::string simulate(const std::string& toml, double seed, int runs, const std::string& lens, const std::string& sets,
                     const std::string& focus, const std::string& base) {
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
    for (const Metric m : {Metric::dependence, Metric::soft, Metric::hard, Metric::smart, Metric::alignment,
                           Metric::threat}) {
      for (int j = 0; j < model.n_actors(); ++j) {
        if (j != i) cols.push_back({metric_info(m).name, sc.actors[j].id, L.index(m, i, j)});
      }
    }
    std::vector<std::size_t> idx;
    for (const auto& c : cols) idx.push_back(c.index);
    const auto s = static_cast<std::uint64_t>(seed);
    const Series w = run_series(model, s, runs, idx);
    const EnsembleResult& r = w.result;

    const std::size_t I = r.times.size(), C = cols.size();
    nlohmann::ordered_json out;
    out["ok"] = true;
    out["focus"] = sc.actors[i].id;
    out["times"] = r.times;
    auto& js = out["series"] = nlohmann::ordered_json::array();
    for (std::size_t c = 0; c < C; ++c) {
      nlohmann::ordered_json col{{"metric", cols[c].metric}, {"partner", cols[c].partner}};
      col.update(band(I, runs, [&](int k, std::size_t t) { return w.values[(static_cast<std::size_t>(k) * I + t) * C + c]; }));
      js.push_back(col);
    }
    out["summary"] = summary_json(model, r, run_info(resolved, s, runs, lens));

    if (!base.empty()) {
      // The base: the sliders but the moves' (moves.N.* belong to the what-if), run on (or
      // stopped) at the what-if's end, as compare does.
      nlohmann::json base_sets = nlohmann::json::object();
      if (!sets.empty()) {
        for (const auto& [path, value] : nlohmann::json::parse(sets).items()) {
          if (path.rfind("moves.", 0) != 0) base_sets[path] = value;
        }
      }
      Document bdoc = prepare(base, lens, base_sets.dump());
      set_path(*bdoc.table, "scenario.end", sc.info.end);
      const std::string bresolved = to_toml(*bdoc.table);
      Model bmodel(build_scenario(*bdoc.table));
      const Scenario& bsc = bmodel.scenario();
      const auto& BL = bmodel.layout();
      int bi = 0;
      while (bi < bmodel.n_actors() && bsc.actors[bi].id != sc.actors[i].id) ++bi;
      if (bi == bmodel.n_actors()) throw InputError(sc.actors[i].id + " is not an actor of the base scenario");
      std::vector<std::size_t> bidx;
      std::vector<bool> present;
      for (const auto& c : cols) {
        int j = -1;
        if (!c.partner.empty()) {
          j = 0;
          while (j < bmodel.n_actors() && bsc.actors[j].id != c.partner) ++j;
        }
        const bool has = j < bmodel.n_actors();
        present.push_back(has);
        const Metric m = static_cast<Metric>(metric_by_name(c.metric));
        bidx.push_back(!has ? BL.index(Metric::balance, bi) : j < 0 ? BL.index(m, bi) : BL.index(m, bi, j));
      }
      const Series b = run_series(bmodel, s, runs, bidx);
      if (b.result.times != r.times) {
        throw InputError("the base records other instants than the what-if (start or step differ): no paired change");
      }
      auto& ch = out["change"] = nlohmann::ordered_json::array();
      for (std::size_t c = 0; c < C; ++c) {
        nlohmann::ordered_json col{{"metric", cols[c].metric}, {"partner", cols[c].partner}};
        if (present[c]) {  // a partner the base lacks (a what-if adding an actor) has no change
          col["base"] = band(I, runs, [&](int k, std::size_t t) { return b.values[(static_cast<std::size_t>(k) * I + t) * C + c]; });
          col.update(band(I, runs, [&](int k, std::size_t t) {
            const std::size_t at = (static_cast<std::size_t>(k) * I + t) * C + c;
            return w.values[at] - b.values[at];
          }));
        }
        ch.push_back(col);
      }
      out["base_summary"] = summary_json(bmodel, b.result, run_info(bresolved, s, runs, lens));
    }
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
    // Moves, for their sliders: strength (scale multiplies the actor's own effort on the
    // lever, effort adds to it) and window (from, to; to null: to the end).
    auto& moves = j["moves"] = nlohmann::ordered_json::array();
    auto id_of = [&](int a) { return a < 0 ? std::string("*") : sc.actors[a].id; };
    for (std::size_t m = 0; m < sc.moves.size(); ++m) {
      const Move& mv = sc.moves[m];
      moves.push_back({{"index", m}, {"label", mv.label}, {"actor", id_of(mv.actor)}, {"target", id_of(mv.target)},
                       {"lever", mv.lever < 0 ? std::string("*") : sc.levers[mv.lever].id}, {"from", mv.from},
                       {"to", std::isfinite(mv.to) ? nlohmann::ordered_json(mv.to) : nlohmann::ordered_json()},
                       {"scale", mv.scale}, {"effort", mv.effort}, {"enabled", mv.enabled}});
    }
    // Enabled events within the run, for the charts' event marks (as the report's).
    auto& events = j["events"] = nlohmann::ordered_json::array();
    for (const auto& ev : sc.events) {
      if (!ev.enabled || ev.time < sc.info.start - 1e-9 || ev.time > sc.info.end + 1e-9) continue;
      events.push_back({{"t", ev.time}, {"label", ev.label.empty() ? (ev.id.empty() ? "event" : ev.id) : ev.label},
                        {"source", ev.source}, {"actor", id_of(ev.actor)}, {"target", id_of(ev.target)},
                        {"lever", ev.lever < 0 ? std::string() : sc.levers[ev.lever].id}, {"mutual", ev.mutual}});
    }
    j["lenses"] = lenses;
    j["noise"] = sc.params.noise;
    return j.dump();
  } catch (const std::exception& e) {
    return failure(e).dump();
  }
}

// The number at dotted `path` of the scenario `toml` (after its overrides), as the
// sliders start from it: {"ok": true, "value": V}, or the message why not.
std::string value_at(const std::string& toml, const std::string& path) {
  try {
    Document doc = prepare(toml, "", "");
    const toml::node* node = get_path(*doc.table, path);
    if (!node || !node->is_number()) throw InputError("'" + path + "' is not a number of the scenario");
    nlohmann::ordered_json j{{"ok", true}, {"value", node->value<double>().value_or(0.0)}};
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
  emscripten::function("valueAt", &smartpower::web::value_at);
  emscripten::function("version", &smartpower::web::version);
  emscripten::function("fmaCheck", &smartpower::web::fma_check);
}
