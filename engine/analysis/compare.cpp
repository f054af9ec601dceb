#include "smartpower/analysis/compare.hpp"
#include "smartpower/core/format.hpp"
#include "smartpower/analysis/posterior.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "smartpower/io/document.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/core/selector.hpp"
#include "smartpower/analysis/compare_toml.hpp"

namespace smartpower {
namespace {

const Metric kOutcomeMetrics[] = {Metric::balance, Metric::hhi,   Metric::dependence, Metric::soft,
                                  Metric::hard,    Metric::smart, Metric::alignment,  Metric::threat};

std::string id_or_star(const Scenario& sc, int idx, bool lever) {
  if (idx < 0) return "*";
  return lever ? sc.levers[idx].id : sc.actors[idx].id;
}

std::string move_key(const Scenario& sc, const Move& m) {
  std::ostringstream s;
  s << m.label << '|' << sc.actors[m.actor].id << '|' << id_or_star(sc, m.target, false) << '|'
    << id_or_star(sc, m.lever, true) << '|' << m.from << '|' << m.to << '|' << m.scale << '|' << m.effort << '|'
    << m.enabled;
  return s.str();
}

std::string event_key(const Scenario& sc, const Event& e) {
  std::ostringstream s;
  s << e.label << '|' << e.time << '|' << sc.actors[e.actor].id << '|' << sc.actors[e.target].id << '|'
    << id_or_star(sc, e.lever, true) << '|' << e.stock << '|' << e.alignment << '|' << e.mutual << '|' << e.enabled;
  return s.str();
}

EnsembleResult run(const Model& m, const CompareOptions& o, std::uint64_t seed, bool stats) {
  EnsembleOptions e;
  e.runs = o.runs;
  e.seed = seed;
  e.threads = o.threads;
  e.stop = o.stop;
  e.series_stats = stats;
  return run_ensemble(m, e);
}

std::vector<double> column_means(const EnsembleResult& r) {
  std::vector<double> out(r.final_columns.size(), 0.0);
  for (int run = 0; run < r.runs; ++run) {
    for (std::size_t c = 0; c < out.size(); ++c) out[c] += (r.final_value(run, c) - out[c]) / (run + 1);
  }
  return out;
}

}  // namespace

namespace {

// The comparison of two scenarios, the base already run on (or stopped) at the what-if's
// end. With a posterior, bdoc and wdoc are their documents (each particle is a patch).
// Both scenarios checked once already (ValidScenario): their Models do not check again.
Comparison compare(const ValidScenario& base, const ValidScenario& whatif, bool base_extended, const CompareOptions& opt,
                   const toml::table* bdoc, const toml::table* wdoc) {
  const Scenario& bsc = base.scenario();
  const Scenario& wsc = whatif.scenario();
  Comparison cmp;
  cmp.base_extended = base_extended;
  cmp.base_name = bsc.info.name;
  cmp.whatif_name = wsc.info.name;
  cmp.time = wsc.info.end;
  cmp.runs = opt.runs;
  cmp.seed = opt.seed ? opt.seed : bsc.info.seed;
  cmp.focus = opt.focus.empty() ? wsc.actors[0].id : opt.focus;
  if (wsc.actor_index(cmp.focus) < 0 || bsc.actor_index(cmp.focus) < 0) {
    throw InputError("--actor '" + cmp.focus + "' is not an actor of both scenarios");
  }

  // Causes: the moves and events the what-if has and the base has not.
  std::map<std::string, int> base_moves, base_events;
  for (const auto& m : bsc.moves) ++base_moves[move_key(bsc, m)];
  for (const auto& e : bsc.events) ++base_events[event_key(bsc, e)];
  for (std::size_t m = 0; m < wsc.moves.size(); ++m) {
    const Move& mv = wsc.moves[m];
    auto it = base_moves.find(move_key(wsc, mv));
    if (it != base_moves.end() && it->second > 0) {
      --it->second;
      continue;
    }
    if (!mv.enabled) continue;
    cmp.causes.push_back({"move", mv.label, mv.source, wsc.actors[mv.actor].id, id_or_star(wsc, mv.target, false),
                          id_or_star(wsc, mv.lever, true), static_cast<int>(m)});
  }
  for (std::size_t e = 0; e < wsc.events.size(); ++e) {
    const Event& ev = wsc.events[e];
    auto it = base_events.find(event_key(wsc, ev));
    if (it != base_events.end() && it->second > 0) {
      --it->second;
      continue;
    }
    if (!ev.enabled) continue;
    cmp.causes.push_back({"event", ev.label, ev.source, wsc.actors[ev.actor].id, wsc.actors[ev.target].id,
                          id_or_star(wsc, ev.lever, true), static_cast<int>(e)});
  }
  const int k = static_cast<int>(cmp.causes.size());
  cmp.exact_shapley = k <= opt.max_exact_causes;
  const int subsets = k == 0 ? 0 : (cmp.exact_shapley ? (1 << k) - 1 : k + 1);
  const int total = 2 + subsets;
  int done = 0;
  auto tick = [&] {
    ++done;
    if (opt.progress) opt.progress(done, total);
  };

  cmp.base_model = std::make_shared<Model>(base);
  cmp.whatif_model = std::make_shared<Model>(whatif);
  // The what-if's model with only the causes in `mask` switched on.
  auto subset_model = [&](const Model& m, unsigned mask) {
    std::vector<int> moves, events;
    for (int c = 0; c < k; ++c) {
      if (mask & (1u << c)) continue;
      (cmp.causes[c].kind == "move" ? moves : events).push_back(cmp.causes[c].index);
    }
    return m.with_disabled(moves, events);
  };
  // f(S): column means of the what-if with only the causes in S switched on.
  std::map<unsigned, std::vector<double>> f;
  if (opt.posterior) {
    if (!bdoc || !wdoc) throw InputError("a comparison with a posterior needs the scenarios' documents (compare files)");
    cmp.uncertainty = uncertainty_label(opt.posterior, opt.runs, opt.draws);
    cmp.posterior_file = opt.posterior->file;
    cmp.draws = opt.draws > 0 ? std::min(opt.draws, opt.runs) : opt.runs;
    // The subsets the attribution below evaluates (all but the full set, which is the
    // what-if itself), then every side of each particle in one task: the particle's
    // scenarios are built once, from one working copy of each document per thread, and
    // the subsets' models are the what-if's with causes switched off.
    std::vector<unsigned> masks;
    if (k > 0) {
      const unsigned all = (1u << k) - 1;
      if (cmp.exact_shapley) {
        for (unsigned mask = 0; mask < all; ++mask) masks.push_back(mask);
      } else {
        masks.push_back(0);
        for (int c = 0; c < k; ++c) {
          const unsigned mask = all & ~(1u << c);
          if (mask != 0) masks.push_back(mask);
        }
      }
    }
    struct Docs {
      std::shared_ptr<toml::table> base, whatif;
    };
    std::vector<Docs> docs(static_cast<std::size_t>(std::max(1, opt.threads)));
    const Posterior& post = *opt.posterior;
    auto sides = [&](int worker, int particle, const SideRun& side_run) {
      Docs& d = docs.at(static_cast<std::size_t>(worker));
      if (!d.base) {
        d.base = clone(*bdoc);
        d.whatif = clone(*wdoc);
      }
      side_run(0, Model(particle_scenario(post, *d.base, particle)));
      const Model wm(particle_scenario(post, *d.whatif, particle));
      side_run(1, wm);
      for (std::size_t i = 0; i < masks.size(); ++i) side_run(static_cast<int>(2 + i), subset_model(wm, masks[i]));
    };
    EnsembleOptions e;
    e.runs = opt.runs;
    e.seed = cmp.seed;
    e.threads = opt.threads;
    e.stop = opt.stop;
    e.series_stats = false;  // nothing reads them (the changes are finals)
    e.progress = [&](int d, int n) {
      if (opt.progress) opt.progress(static_cast<int>(static_cast<long long>(d) * total / n), total);
    };
    auto got = run_paired_posterior(posterior_particles(post, cmp.seed, opt.runs, opt.draws),
                                    static_cast<int>(2 + masks.size()), sides, e);
    cmp.base = std::move(got[0]);
    cmp.whatif = std::move(got[1]);
    for (std::size_t i = 0; i < masks.size(); ++i) f[masks[i]] = column_means(got[2 + i]);
  } else {
    cmp.base = run(*cmp.base_model, opt, cmp.seed, true);
    tick();
    cmp.whatif = run(*cmp.whatif_model, opt, cmp.seed, true);
    tick();
  }
  auto eval = [&](unsigned mask) -> const std::vector<double>& {
    if (auto it = f.find(mask); it != f.end()) return it->second;
    if (k > 0 && mask == (1u << k) - 1) return f[mask] = column_means(cmp.whatif);
    if (opt.posterior) throw std::logic_error("compare: an attribution subset was not run");
    const Model m = subset_model(*cmp.whatif_model, mask);
    auto r = run(m, opt, cmp.seed, false);
    tick();
    return f[mask] = column_means(r);
  };
  // phi[c][col]: Shapley value of cause c for what-if column col.
  const std::size_t W = cmp.whatif.final_columns.size();
  std::vector<std::vector<double>> phi(k, std::vector<double>(W, 0.0));
  if (k > 0 && cmp.exact_shapley) {
    std::vector<double> fact(k + 1, 1.0);
    for (int i = 1; i <= k; ++i) fact[i] = fact[i - 1] * i;
    for (int c = 0; c < k; ++c) {
      for (unsigned mask = 0; mask < (1u << k); ++mask) {
        if (mask & (1u << c)) continue;
        const int s = __builtin_popcount(mask);
        const double w = fact[s] * fact[k - s - 1] / fact[k];
        const auto& with = eval(mask | (1u << c));
        const auto& without = eval(mask);
        for (std::size_t col = 0; col < W; ++col) phi[c][col] += w * (with[col] - without[col]);
      }
    }
  } else if (k > 0) {
    // Many causes: leave-one-out effects, rescaled so they add up to the joint effect.
    const unsigned all = (1u << k) - 1;
    const auto& full = eval(all);
    const auto& none = eval(0);
    std::vector<double> sum(W, 0.0);
    for (int c = 0; c < k; ++c) {
      const auto& without = eval(all & ~(1u << c));
      for (std::size_t col = 0; col < W; ++col) {
        phi[c][col] = full[col] - without[col];
        sum[col] += phi[c][col];
      }
    }
    for (std::size_t col = 0; col < W; ++col) {
      const double joint = full[col] - none[col];
      for (int c = 0; c < k; ++c)
        phi[c][col] = std::abs(sum[col]) > 1e-300 ? phi[c][col] * joint / sum[col] : joint / k;
    }
  }
  const std::vector<double>* none_means = k > 0 ? &eval(0) : nullptr;

  // Changes for every (metric, actor, partner) both scenarios have.
  const auto& BL = cmp.base_model->layout();
  const auto& WL = cmp.whatif_model->layout();
  std::vector<long> bpos(BL.size(), -1), wpos(WL.size(), -1);
  for (std::size_t c = 0; c < cmp.base.final_columns.size(); ++c)
    bpos[cmp.base.final_columns[c]] = static_cast<long>(c);
  for (std::size_t c = 0; c < W; ++c) wpos[cmp.whatif.final_columns[c]] = static_cast<long>(c);
  const auto base_means = column_means(cmp.base);
  for (const Actor& a : wsc.actors) {
    const int wi = wsc.actor_index(a.id), bi = bsc.actor_index(a.id);
    if (bi < 0) continue;
    for (Metric m : kOutcomeMetrics) {
      const bool dyad = metric_info(m).shape == Shape::dyad;
      for (const Actor& p : wsc.actors) {
        const int wj = wsc.actor_index(p.id), bj = bsc.actor_index(p.id);
        if (dyad && (bj < 0 || wj == wi)) continue;
        const long cb = bpos[dyad ? BL.index(m, bi, bj) : BL.index(m, bi)];
        const long cw = wpos[dyad ? WL.index(m, wi, wj) : WL.index(m, wi)];
        Change ch;
        ch.metric = m;
        ch.actor = a.id;
        ch.partner = dyad ? p.id : "";
        ch.base = final_stats(cmp.base, static_cast<std::size_t>(cb));
        ch.whatif = final_stats(cmp.whatif, static_cast<std::size_t>(cw));
        std::vector<double> d(opt.runs);
        double mean = 0;
        for (int r = 0; r < opt.runs; ++r) {
          d[r] = cmp.whatif.final_value(r, cw) - cmp.base.final_value(r, cb);
          mean += (d[r] - mean) / (r + 1);
        }
        int agree = 0;
        for (double x : d) agree += (mean > 0 && x > 0) || (mean < 0 && x < 0) || (mean == 0 && x == 0) ? 1 : 0;
        ch.same_sign = static_cast<double>(agree) / opt.runs;
        double ss = 0;
        for (double x : d) ss += (x - mean) * (x - mean);
        ch.diff.mean = mean;
        ch.diff.sd = opt.runs > 1 ? std::sqrt(ss / (opt.runs - 1)) : 0.0;
        ch.diff.q05 = quantile(d, 0.025);  // the 95 % interval of the paired change
        ch.diff.q50 = quantile(d, 0.5);
        ch.diff.q95 = quantile(d, 0.975);
        for (int c = 0; c < k; ++c) ch.attribution.push_back(phi[c][cw]);
        // What the causes do not explain (other overrides, a removed actor): the residual.
        ch.attribution.push_back(none_means ? (*none_means)[cw] - base_means[cb] : mean);
        cmp.changes.push_back(std::move(ch));
        if (!dyad) break;
      }
    }
  }
  std::stable_sort(cmp.changes.begin(), cmp.changes.end(), [](const Change& x, const Change& y) {
    auto rel = [](const Change& c) { return std::abs(c.diff.mean) / std::max(std::abs(c.base.mean), 0.05); };
    return rel(x) > rel(y);
  });

  // The what-if's [[expect]]: the sign IR theory expects, against the paired change.
  for (const Expectation& x : wsc.expectations) {
    ExpectationResult e;
    e.metric = x.metric;
    e.raises = x.raises;
    e.at = x.at;
    e.reason = x.reason;
    auto resolve = [&](const Scenario& sc, const MetricLayout& L, const std::vector<long>& pos, const char* side) {
      std::vector<long> cols;
      try {
        for (std::size_t idx : resolve_selector(x.metric, sc, L)) cols.push_back(pos[idx]);
      } catch (const InputError& err) {
        throw InputError(err.pos(), std::string("[[expect]] metric '") + x.metric + "' in the what-if (" + side +
                                        " scenario): " + err.message());
      }
      return cols;
    };
    const auto wcols = resolve(wsc, WL, wpos, "what-if");
    const auto bcols = resolve(bsc, BL, bpos, "base");
    const bool kept = std::none_of(wcols.begin(), wcols.end(), [](long c) { return c < 0; }) &&
                      std::none_of(bcols.begin(), bcols.end(), [](long c) { return c < 0; });
    if (std::abs(x.at - cmp.time) > 1e-9 || !kept) {
      e.verdict = "not evaluated";  // another year, or a metric compare does not keep per run
      cmp.expectations.push_back(std::move(e));
      continue;
    }
    e.evaluated = true;
    std::vector<double> d(opt.runs);
    double mean = 0;
    for (int r = 0; r < opt.runs; ++r) {
      double w = 0, b = 0;
      for (long c : wcols) w += cmp.whatif.final_value(r, static_cast<std::size_t>(c));
      for (long c : bcols) b += cmp.base.final_value(r, static_cast<std::size_t>(c));
      d[r] = w - b;
      mean += (d[r] - mean) / (r + 1);
    }
    const double want = x.raises ? 1.0 : -1.0;
    double ss = 0;
    int agree = 0;
    for (double v : d) {
      ss += (v - mean) * (v - mean);
      agree += want * v > 0 ? 1 : 0;
    }
    e.diff.mean = mean;
    e.diff.sd = opt.runs > 1 ? std::sqrt(ss / (opt.runs - 1)) : 0.0;
    e.diff.q05 = quantile(d, 0.025);
    e.diff.q50 = quantile(d, 0.5);
    e.diff.q95 = quantile(d, 0.975);
    e.same_sign = static_cast<double>(agree) / opt.runs;
    if (mean == 0) {
      e.verdict = "no effect";
    } else if (want * mean < 0) {
      e.verdict = "opposite";
    } else {
      const bool clear = x.raises ? e.diff.q05 > 0 : e.diff.q95 < 0;
      e.verdict = clear ? "as expected (clear)" : "as expected (within noise)";
    }
    cmp.expectations.push_back(std::move(e));
  }

  // Plain sentences about the focus actor.
  const Actor& F = wsc.actors[wsc.actor_index(cmp.focus)];
  auto name_of = [&](const std::string& id) {
    const int i = wsc.actor_index(id);
    return i >= 0 ? wsc.actors[i].name : id;
  };
  auto find = [&](Metric m, const std::string& partner) -> const Change* {
    for (const auto& c : cmp.changes) {
      if (c.metric == m && c.actor == F.id && c.partner == partner) return &c;
    }
    return nullptr;
  };
  auto certainty = [&](const Change& c) {
    const int pct = static_cast<int>(std::lround(100 * c.same_sign));
    if (opt.runs == 1) return std::string("(a single run: no interval)");
    if (c.same_sign >= 0.95) return "the direction is clear: " + std::to_string(pct) + " % of the paired runs agree";
    if (c.same_sign >= 0.75) return "the direction is likely: " + std::to_string(pct) + " % of the paired runs agree";
    return "the direction is uncertain: only " + std::to_string(pct) + " % of the paired runs agree";
  };
  auto verb = [](double d, double scale) {
    if (std::abs(d) < 1e-3 * std::max(1.0, std::abs(scale))) return "barely changes";
    return d > 0 ? "rises" : "falls";
  };
  if (cmp.base_extended) {
    cmp.sentences.push_back("The base scenario was run on to " + format_significant(cmp.time) +
                            " with its own dynamics (status quo), so both sides are compared at the same time.");
  }
  std::string removed;
  for (const auto& a : bsc.actors) {
    if (wsc.actor_index(a.id) < 0) removed += (removed.empty() ? "" : ", ") + a.name;
  }
  if (!removed.empty()) {
    cmp.sentences.push_back("The what-if removes " + removed +
                            " from the world entirely (a counterfactual): the changes "
                            "below are what that actor's presence did.");
  } else if (k == 0) {
    cmp.sentences.push_back(
        "The what-if adds no moves or events to the base; any change comes from its other settings.");
  }
  if (const Change* b = find(Metric::balance, "")) {
    cmp.sentences.push_back("By " + format_significant(cmp.time) + ", " + F.name + "'s balance index " +
                            verb(b->diff.mean, 1) + " from " + format_fixed(b->base.mean) + " to " +
                            format_fixed(b->whatif.mean) + " (" + format_fixed(b->diff.mean, 3, true) +
                            ", 95 % of paired runs between " + format_fixed(b->diff.q05, 3, true) + " and " +
                            format_fixed(b->diff.q95, 3, true) + "); " + certainty(*b) + ".");
  }
  const int partners_base = bsc.n_actors() - 1, partners_whatif = wsc.n_actors() - 1;
  if (partners_base != partners_whatif) {
    const Change* h = find(Metric::hhi, "");
    cmp.sentences.push_back(
        "Careful: " + F.name + " has " + std::to_string(partners_whatif) + " partners in the what-if and " +
        std::to_string(partners_base) +
        " in the base. The balance index is measured against an even split over the partners there "
        "are, so also read the concentration (HHI)" +
        (h ? ", which moves from " + format_fixed(h->base.mean) + " to " + format_fixed(h->whatif.mean)
           : std::string()) +
        ".");
  }
  // The largest dependence change of the focus actor.
  const Change* dep = nullptr;
  for (const auto& c : cmp.changes) {
    if (c.metric == Metric::dependence && c.actor == F.id && (!dep || std::abs(c.diff.mean) > std::abs(dep->diff.mean)))
      dep = &c;
  }
  if (dep) {
    cmp.sentences.push_back("The largest shift in its dependence is on " + name_of(dep->partner) + ": " +
                            format_fixed(dep->base.mean) + " to " + format_fixed(dep->whatif.mean) + " (" +
                            format_fixed(dep->diff.mean, 3, true) + "); " + certainty(*dep) + ".");
  }
  // Which cause drove the largest changes of the focus actor, through which lever.
  for (const Change* c : {find(Metric::balance, ""), dep}) {
    if (!c || k == 0 || std::abs(c->diff.mean) < 1e-9) continue;
    int best = 0;
    for (int i = 1; i <= k; ++i) {
      if (std::abs(c->attribution[i]) > std::abs(c->attribution[best])) best = i;
    }
    const std::string what = c->metric == Metric::balance ? "balance index" : "dependence on " + name_of(c->partner);
    if (best == k) {
      cmp.sentences.push_back("Most of the change in " + F.name + "'s " + what +
                              " comes from settings other than the what-if's moves and events (" +
                              format_fixed(c->attribution[k], 3, true) + " of " + format_fixed(c->diff.mean, 3, true) +
                              ").");
    } else {
      const Cause& cause = cmp.causes[best];
      const double share = c->attribution[best] / c->diff.mean;
      cmp.sentences.push_back(
          "Of the change in " + F.name + "'s " + what + ", " + format_fixed(c->attribution[best], 3, true) + " (" +
          std::to_string(static_cast<int>(std::lround(100 * share))) + " %) comes from the " + cause.kind + " '" +
          cause.label + "' (" + cause.actor + " to " + cause.target + ", through " +
          (cause.lever == "*" ? std::string("every lever") : "the " + cause.lever + " lever") + ").");
    }
  }
  // Threat and alignment: the biggest mover among them.
  const Change* tm = nullptr;
  for (const auto& c : cmp.changes) {
    if ((c.metric == Metric::threat || c.metric == Metric::alignment) && c.actor == F.id &&
        (!tm || std::abs(c.diff.mean) > std::abs(tm->diff.mean)))
      tm = &c;
  }
  if (tm && std::abs(tm->diff.mean) >= 1e-3 * std::max(1.0, std::abs(tm->base.mean))) {
    cmp.sentences.push_back(std::string(tm->metric == Metric::threat ? "The threat " + F.name + " perceives from "
                                                                     : F.name + "'s alignment with ") +
                            name_of(tm->partner) + " " + verb(tm->diff.mean, tm->base.mean) + " from " +
                            format_fixed(tm->base.mean) + " to " + format_fixed(tm->whatif.mean) + "; " +
                            certainty(*tm) + ".");
  }
  return cmp;
}

}  // namespace

Comparison compare_scenarios(const toml::table& base_doc, const toml::table& whatif_doc, const CompareOptions& opt) {
  if (opt.runs < 1) throw InputError("--runs must be at least 1");
  const ValidScenario wsc = build_scenario(whatif_doc);
  auto bdoc = clone(base_doc);
  ValidScenario bsc = build_scenario(*bdoc);
  bool extended = false;
  if (bsc->info.end != wsc->info.end) {
    // Compare at the what-if's end: the base runs on (or stops) there with its own dynamics.
    extended = bsc->info.end < wsc->info.end;
    set_path(*bdoc, "scenario.end", wsc->info.end);
    bsc = build_scenario(*bdoc);
  }
  return compare(bsc, wsc, extended, opt, bdoc.get(), &whatif_doc);
}

Comparison compare_scenarios(const Scenario& base, const Scenario& whatif, const CompareOptions& opt) {
  if (opt.runs < 1) throw InputError("--runs must be at least 1");
  validate(base);  // the base's own problems first, before its end changes
  const ValidScenario checked_whatif(whatif);
  Scenario bsc = base;
  bsc.info.end = whatif.info.end;  // as the file version: the base runs on (or stops) at the what-if's end
  return compare(ValidScenario(std::move(bsc)), checked_whatif, base.info.end < whatif.info.end, opt, nullptr, nullptr);
}

nlohmann::ordered_json comparison_json(const Comparison& c) {
  nlohmann::ordered_json j;
  j["base"] = c.base_name;
  j["whatif"] = c.whatif_name;
  j["time"] = c.time;
  j["base_extended"] = c.base_extended;
  j["runs"] = c.runs;
  j["seed"] = c.seed;
  j["uncertainty"] = c.uncertainty;
  if (!c.posterior_file.empty()) j["posterior"] = {{"file", c.posterior_file}, {"draws", c.draws}};
  j["focus"] = c.focus;
  j["attribution_method"] = c.exact_shapley ? "exact Shapley over the what-if's moves and events"
                                            : "leave-one-out, rescaled to the joint effect";
  auto& causes = j["causes"] = nlohmann::ordered_json::array();
  for (const auto& k : c.causes) {
    causes.push_back({{"kind", k.kind},
                      {"label", k.label},
                      {"actor", k.actor},
                      {"target", k.target},
                      {"lever", k.lever},
                      {"source", k.source}});
  }
  auto& changes = j["changes"] = nlohmann::ordered_json::array();
  for (const auto& ch : c.changes) {
    nlohmann::ordered_json x;
    x["metric"] = metric_info(ch.metric).name;
    x["actor"] = ch.actor;
    x["partner"] = ch.partner;
    x["base"] = ch.base.mean;
    x["whatif"] = ch.whatif.mean;
    x["change"] = ch.diff.mean;
    x["interval95"] = {ch.diff.q05, ch.diff.q95};
    x["same_sign"] = ch.same_sign;
    nlohmann::ordered_json attr;
    for (std::size_t i = 0; i < c.causes.size(); ++i) attr[c.causes[i].label] = ch.attribution[i];
    attr["other differences"] = ch.attribution.back();
    x["attribution"] = attr;
    changes.push_back(x);
  }
  auto& ex = j["expectations"] = nlohmann::ordered_json::array();
  for (const auto& e : c.expectations) {
    nlohmann::ordered_json x;
    x["metric"] = e.metric;
    x["effect"] = e.raises ? "raises" : "lowers";
    x["at"] = e.at;
    x["reason"] = e.reason;
    x["change"] = e.evaluated ? nlohmann::ordered_json(e.diff.mean) : nlohmann::ordered_json();
    x["interval95"] = e.evaluated ? nlohmann::ordered_json({e.diff.q05, e.diff.q95}) : nlohmann::ordered_json();
    x["expected_sign_share"] = e.evaluated ? nlohmann::ordered_json(e.same_sign) : nlohmann::ordered_json();
    x["verdict"] = e.verdict;
    x["as_expected"] = e.as_expected();
    ex.push_back(x);
  }
  j["sentences"] = c.sentences;
  return j;
}

}  // namespace smartpower
