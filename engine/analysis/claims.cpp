// Claims: parse scenarios/claims.toml, plan which metric values each check needs in
// which variant, run the variants with common random numbers, and score every claim.
#include "smartpower/core/format.hpp"
#include "smartpower/analysis/claims_toml.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "smartpower/io/document.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/core/memory.hpp"
#include "smartpower/core/parameters.hpp"
#include "smartpower/io/output.hpp"
#include "smartpower/analysis/posterior.hpp"
#include "smartpower/core/selector.hpp"
#include "smartpower/core/simulation.hpp"
#include "io/toml_reader.hpp"

namespace smartpower {
using detail::TableReader;

namespace {

constexpr double kTiny = 1e-12;
constexpr std::size_t kMaxClaimsBytes = 8u << 20;  // as a scenario file

double rel(double a, double b) { return (a - b) / std::max({std::abs(a), std::abs(b), kTiny}); }

std::vector<std::string> kind_names() {
  return {"range", "trend", "monotone", "compare", "counterfactual", "data", "interior_mix"};
}

CheckKind parse_kind(const std::string& s) {
  const auto names = kind_names();
  return static_cast<CheckKind>(std::find(names.begin(), names.end(), s) - names.begin());
}

std::vector<double> number_list(TableReader& r, std::string_view key) {
  std::vector<double> out;
  const toml::node* n = r.node(key);
  if (!n) return out;
  const auto* arr = n->as_array();
  if (!arr) r.fail(n, "'" + std::string(key) + "' must be an array of numbers");
  for (const auto& el : *arr) {
    bool ok = false;
    const double v = detail::number_value(el, ok);
    if (!ok || !std::isfinite(v)) r.fail(&el, "'" + std::string(key) + "' must hold numbers only");
    out.push_back(v);
  }
  return out;
}

Check parse_check(const toml::table& t, const std::string& where, const std::set<std::string>& variants) {
  TableReader r(t, where);
  Check c;
  c.pos = position_of(t);
  const auto names = kind_names();
  c.kind = parse_kind(r.choice("kind", "", names));
  auto variant_ref = [&](std::string_view key, const std::string& fallback) {
    std::string v = r.string(key, fallback);
    if (!v.empty() && !variants.count(v)) {
      std::vector<std::string> known(variants.begin(), variants.end());
      std::string msg = "'" + std::string(key) + "' = \"" + v + "\" is not a variant defined in [variants]";
      const auto near = closest_match(v, known);
      if (!near.empty()) msg += "; did you mean \"" + near + "\"?";
      r.fail(t.get(key), msg);
    }
    return v;
  };
  auto when = [&]() {
    const bool has_at = t.get("at") != nullptr, has_over = t.get("over") != nullptr;
    if (has_at == has_over) r.fail(nullptr, "give exactly one of 'at = YEAR' or 'over = [FROM, TO]'");
    if (has_at) {
      c.times = {r.number("at", 0, closed(-1e6, 1e6))};
    } else {
      const auto w = number_list(r, "over");
      if (w.size() != 2 || !(w[1] >= w[0])) r.fail(t.get("over"), "'over' must be [FROM, TO] with FROM <= TO");
      c.window = true;
      c.t0 = w[0];
      c.t1 = w[1];
    }
  };
  switch (c.kind) {
    case CheckKind::range:
      c.a.selector = r.required_string("metric");
      c.a.variant = variant_ref("variant", "");
      when();
      c.lo = r.number("min", c.lo, closed(-1e300, 1e300));
      c.hi = r.number("max", c.hi, closed(-1e300, 1e300));
      if (!t.get("min") && !t.get("max")) r.fail(nullptr, "a range check needs 'min', 'max' or both");
      c.average = r.number("window", 0, closed(0, 100));
      if (c.average > 0 && !c.window) r.fail_key("window", "needs 'over = [FROM, TO]' (the means are over consecutive windows of it)");
      break;
    case CheckKind::trend: {
      c.a.selector = r.required_string("metric");
      c.a.variant = variant_ref("variant", "");
      c.times = {r.required_number("from", closed(-1e6, 1e6)), r.required_number("to", closed(-1e6, 1e6))};
      if (!(c.times[1] > c.times[0])) r.fail_key("to", "must be later than 'from'");
      c.greater = r.choice("direction", "", {"rises", "falls"}) == "rises";
      c.min_change = r.number("min_change", 0, closed(0, 1));
      break;
    }
    case CheckKind::monotone:
      c.a.selector = r.required_string("metric");
      c.a.variant = variant_ref("variant", "");
      c.times = number_list(r, "times");
      if (c.times.size() < 2) r.fail(nullptr, "a monotone check needs 'times' with at least two years");
      for (std::size_t i = 1; i < c.times.size(); ++i) {
        if (!(c.times[i] > c.times[i - 1])) {
          // A repeated or earlier year compares a value with itself or runs backwards.
          r.fail(t.get("times")->as_array()->get(i),
                 "'times' must be in increasing order without repeats: " + format_significant(c.times[i]) +
                     " follows " + format_significant(c.times[i - 1]));
        }
      }
      c.greater = r.choice("direction", "", {"rises", "falls"}) == "rises";
      c.min_change = r.number("min_change", 0, closed(0, 1));
      break;
    case CheckKind::compare:
      c.a.selector = r.required_string("left");
      c.b.selector = r.required_string("right");
      c.a.variant = variant_ref("left_variant", variant_ref("variant", ""));
      c.b.variant = variant_ref("right_variant", c.a.variant);
      when();
      c.greater = r.choice("op", "", {">", "<"}) == ">";
      break;
    case CheckKind::counterfactual:
      c.a.selector = c.b.selector = r.required_string("metric");
      if (!t.get("variant")) r.fail(nullptr, "a counterfactual check needs 'variant' (the scenario without the cause)");
      c.b.variant = variant_ref("variant", "");
      when();
      // "raises": the cause (present in the scenario, absent in the variant) raises the metric.
      c.greater = r.choice("effect", "", {"raises", "lowers"}) == "raises";
      c.min_change = r.number("min_change", 0, closed(0, 1));
      break;
    case CheckKind::data: {
      c.a.selector = r.required_string("metric");
      c.a.variant = variant_ref("variant", "");
      const toml::node* pts = r.node("points");
      const auto* arr = pts ? pts->as_array() : nullptr;
      if (!arr || arr->empty()) r.fail(pts, "a data check needs 'points = [[YEAR, VALUE], ...]'");
      for (const auto& el : *arr) {
        const auto* pair = el.as_array();
        bool ok1 = false, ok2 = false;
        if (!pair || pair->size() != 2) r.fail(&el, "each point must be [YEAR, VALUE]");
        const double y = detail::number_value(*pair->get(0), ok1), v = detail::number_value(*pair->get(1), ok2);
        if (!ok1 || !ok2 || v == 0) r.fail(&el, "each point must be [YEAR, VALUE] with a non-zero VALUE");
        // inf or nan would make every relative error 0 or nan: the check would pass unseen.
        if (!std::isfinite(y) || !std::isfinite(v)) {
          r.fail(&el, "each point must be [YEAR, VALUE] with finite numbers, not " + format_significant(y, 4) + ", " +
                          format_significant(v, 4));
        }
        c.times.push_back(y);
        c.observed.push_back(v);
      }
      c.tolerance = r.number("tolerance", 0.1, detail::open_lo(0, 10));
      c.average = r.number("window", 0, closed(0, 100));
      c.log_error = r.choice("error", "relative", {"relative", "log"}) == "log";
      if (c.log_error) {
        for (std::size_t i = 0; i < c.observed.size(); ++i) {
          if (!(c.observed[i] > 0)) r.fail(pts, "error = \"log\" needs positive observed values (point " + std::to_string(i + 1) + " is not)");
        }
      }
      c.b.selector = r.string("per", "");
      c.b.variant = c.a.variant;
      break;
    }
    case CheckKind::interior_mix:
      break;
  }
  r.string("note", "");
  r.finish();
  return c;
}

// Recorded instant for a year: exact (to 1e-6) or the step whose interval holds it.
int instant_of(double year, const Scenario& sc) {
  // Compared as a double first: a year such as 1e94 is no int (the cast would be undefined).
  const double pos = std::floor((year - sc.info.start) / sc.info.dt + 1e-6);
  if (!(pos >= 0 && pos <= static_cast<double>(sc.info.steps()))) {
    throw InputError("year " + format_significant(year, 4) + " is outside the scenario's time range [" +
                     format_significant(sc.info.start, 4) + ", " + format_significant(sc.info.end, 4) + "]");
  }
  return static_cast<int>(pos);
}

struct Probe {
  std::vector<std::size_t> indices;
  int instant;
};

struct VariantPlan {
  std::string name;
  std::shared_ptr<const Model> model;  // at the scenario's own values
  // Per free parameter: its handle on this variant's Scenario, or none where the variant
  // sets the parameter itself or removed what it belongs to.
  std::vector<std::optional<Parameter>> handles;
  std::vector<Probe> probes;
  std::map<std::pair<std::string, int>, int> probe_ids;

  int probe(const std::string& selector, int instant) {
    auto key = std::make_pair(selector, instant);
    if (auto it = probe_ids.find(key); it != probe_ids.end()) return it->second;
    Probe p{resolve_selector(selector, model->scenario(), model->layout()), instant};
    probes.push_back(std::move(p));
    return probe_ids[key] = static_cast<int>(probes.size() - 1);
  }
};

// The handles of the free parameters on a variant's Scenario `sc` (the scenario with
// `patch` applied; none: the scenario itself). On the document the parameters are set
// before the patch (and before model.noise = 0 without noise), so a parameter the patch
// sets keeps the patch's value: the parameters are set to the bounds of their box on the
// document, patched and built, and a parameter is left out if the variant's scenario does
// not show both bounds. All parameters at once, two builds per variant; one at a time
// where the bounds together make an invalid scenario.
std::vector<std::optional<Parameter>> parameter_handles(const toml::table& scenario, const toml::table* patch,
                                                        bool noise, const Scenario& sc,
                                                        const std::vector<CalibrationParameter>& parameters) {
  std::vector<std::optional<Parameter>> out(parameters.size());
  std::vector<std::size_t> all;
  for (std::size_t d = 0; d < parameters.size(); ++d) {
    try {
      out[d].emplace(sc, parameters[d].path);
      all.push_back(d);
    } catch (const InputError&) {
      // e.g. a parameter of an actor the variant removes
    }
  }
  // Sets `which` to their lower (or upper) bounds and drops those the build does not show;
  // false if that scenario is invalid.
  auto probe = [&](const std::vector<std::size_t>& which, bool upper) {
    auto doc = clone(scenario);
    for (std::size_t d : which) set_path(*doc, parameters[d].path, upper ? parameters[d].hi : parameters[d].lo);
    if (patch) apply_patch(*doc, toml::table(*patch));
    if (!noise) set_path(*doc, "model.noise", 0.0);
    Scenario built;
    try {
      built = build_scenario(*doc);
    } catch (const InputError&) {
      return false;
    }
    for (std::size_t d : which) {
      if (out[d] && out[d]->get(built) != (upper ? parameters[d].hi : parameters[d].lo)) out[d].reset();
    }
    return true;
  };
  for (const bool upper : {false, true}) {
    if (probe(all, upper)) continue;
    // Invalid together: each alone (invalid alone too: an evaluation there fails as on the document).
    for (std::size_t d : all) probe({d}, upper);
  }
  return out;
}

struct PlannedCheck {
  const Check* check;
  int va = 0, vb = 0;  // variant plan indices
  std::vector<int> pa, pb;
  std::vector<double> times_a;  // the years of pa, for messages
  std::vector<int> group;       // data checks: probes per observed point (a window)
};

}  // namespace

const char* to_string(CheckKind k) {
  static const char* names[] = {"range", "trend", "monotone", "compare", "counterfactual", "data", "interior_mix"};
  return names[static_cast<int>(k)];
}

int ClaimReport::passed() const {
  int n = 0;
  for (const auto& c : claims) n += c.pass ? 1 : 0;
  return n;
}

ClaimSet load_claims(const std::string& path) {
  return load_claims_from_string(detail::read_input_file(path, kMaxClaimsBytes, SourcePos{}, "claims file"), path);
}

ClaimSet load_claims_from_string(std::string_view text, const std::string& path) {
  if (detail::is_blank_toml(text)) {
    throw InputError(SourcePos{path, 0, 0}, "the claims file is empty (nothing but whitespace or comments); it needs "
                                            "[[claims]] entries");
  }
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw InputError(SourcePos{path, static_cast<int>(e.source().begin.line), static_cast<int>(e.source().begin.column)},
                     "TOML syntax error: " + std::string(e.description()));
  }
  ClaimSet set;
  set.path = path;
  TableReader top(root, "claims file");
  if (const auto* s = top.table("settings")) {
    TableReader r(*s, "[settings]");
    set.share = r.number("share", set.share, closed(0, 1));
    set.target_margin = r.number("margin", set.target_margin, closed(0, 1));
    set.data_margin = r.number("data_margin", set.data_margin, closed(0, 1));
    r.finish();
  }
  std::set<std::string> variant_names;
  if (const auto* v = top.table("variants")) {
    for (auto&& [k, val] : *v) {
      const std::string name(k.str());
      if (!val.is_table()) throw InputError(position_of(val), "[variants]: '" + name + "' must be a table");
      const auto& vt = *val.as_table();
      if (const auto* ext = vt.get("extends")) {
        // apply_patch would merge it as a plain key: the base it names would never be read.
        throw InputError(position_of(*ext), "[variants." + name +
                                                "]: extends is not allowed in a claims variant (a variant is a patch "
                                                "of the scenario under test: change values with [overrides], tables "
                                                "or remove_actors)");
      }
      if (vt.empty() || (vt.size() == 1 && vt.get("description"))) {
        throw InputError(position_of(k).line > 0 ? position_of(k) : position_of(val),
                         "[variants." + name + "]: the variant changes nothing; a check against it compares the "
                                               "scenario with itself");
      }
      variant_names.insert(name);
    }
  }
  const toml::array* claims = top.array_of_tables("claims");
  if (!claims || claims->empty()) {
    if (const toml::node* sc = root.get("scenario") ? root.get("scenario") : root.get("actors")) {
      top.fail(sc, "needs at least one [[claims]] entry; this looks like a scenario file (it has [scenario] or "
                        "[[actors]]): give the scenario as FILE and the claims file with --claims");
    }
    top.fail(nullptr, "needs at least one [[claims]] entry");
  }
  std::set<std::string> ids;
  for (const auto& el : *claims) {
    const auto& t = *el.as_table();
    TableReader r0(t, "claim");
    Claim c;
    c.id = r0.required_string("id");
    TableReader r(t, "claim " + c.id);
    r.node("id");
    if (!ids.insert(c.id).second) r.fail_key("id", "\"" + c.id + "\" is defined twice");
    c.name = r.string("name", "");
    c.text = r.required_string("text");
    c.section = r.required_string("section");
    c.share = r.number("share", -1, closed(-1, 1));
    c.on_mean = r.choice("on", "runs", {"runs", "mean"}) == "mean";
    const toml::array* checks = r.array_of_tables("checks");
    if (!checks || checks->empty()) r.fail(nullptr, "needs at least one [[claims.checks]] entry");
    for (const auto& ch : *checks) c.checks.push_back(parse_check(*ch.as_table(), "claim " + c.id + " check", variant_names));
    r.finish();
    set.claims.push_back(std::move(c));
  }
  top.finish();
  // Variant patches: moved out of the parsed file so positions survive into errors.
  if (auto* v = root.get_as<toml::table>("variants")) {
    for (auto&& [k, val] : *v) {
      auto& t = *val.as_table();
      if (auto* d = t.get_as<std::string>("description")) set.variant_descriptions[std::string(k.str())] = d->get();
      t.erase("description");
      set.variants[std::string(k.str())] = std::make_shared<const ScenarioPatch>(ScenarioPatch{std::move(t)});
    }
  }
  return set;
}

// The plan: the variants compiled once, each with its handles on the free parameters, and
// the probes of every check.
struct ClaimPlan::Impl {
  std::shared_ptr<toml::table> scenario;  // resolved, for posterior particles and untyped parameters
  const ClaimSet* set = nullptr;
  std::vector<CalibrationParameter> parameters;
  bool noise = true;
  // A parameter of [scenario] (start, end, dt) moves the instants the probes read: such a
  // plan is rebuilt from the document at every evaluation instead.
  bool typed = true;
  std::vector<VariantPlan> plans;
  std::vector<std::vector<PlannedCheck>> planned;

  // The models of one evaluation: the variants with `values` set (none: as planned).
  std::vector<std::shared_ptr<const Model>> models(std::span<const double> values) const;
  // Each variant's probe values of every run (runs x probes).
  std::vector<std::vector<double>> run(const std::vector<std::shared_ptr<const Model>>& models,
                                       const ClaimOptions& opt) const;
  ClaimReport score(const std::vector<std::vector<double>>& values, const ModelParams& base_params,
                    const ClaimOptions& opt) const;
};

ClaimPlan::~ClaimPlan() = default;

int ClaimPlan::models() const { return static_cast<int>(impl_->plans.size()); }

ClaimPlan::ClaimPlan(const toml::table& scenario, const ClaimSet& set,
                     const std::vector<CalibrationParameter>& parameters, bool noise)
    : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.scenario = clone(scenario);
  im.set = &set;
  im.parameters = parameters;
  im.noise = noise;
  im.typed = std::none_of(parameters.begin(), parameters.end(),
                          [](const CalibrationParameter& p) { return p.path.rfind("scenario.", 0) == 0; });
  auto& plans = im.plans;
  // 1. Build every variant the checks name.
  std::map<std::string, int> plan_of;
  auto plan_for = [&](const std::string& name) -> int {
    if (auto it = plan_of.find(name); it != plan_of.end()) return it->second;
    auto doc = clone(scenario);
    try {
      if (!name.empty()) {
        apply_patch(*doc, toml::table(set.variants.at(name)->table));
        // A variant that leaves the scenario as it was "shows" every effect of size 0.
        if (*doc == scenario) {
          throw InputError("the variant changes nothing in this scenario (every value it sets is already so); a "
                           "check against it would compare the scenario with itself");
        }
      }
      if (!noise) set_path(*doc, "model.noise", 0.0);
      VariantPlan p;
      p.name = name;
      p.model = std::make_shared<const Model>(build_scenario(*doc));
      if (im.typed) {
        const toml::table* patch = name.empty() ? nullptr : &set.variants.at(name)->table;
        p.handles = parameter_handles(scenario, patch, noise, p.model->scenario(), parameters);
      }
      plans.push_back(std::move(p));
    } catch (const InputError& e) {
      throw InputError(SourcePos{set.path, 0, 0}, "variant '" + name + "': " + e.message());
    }
    return plan_of[name] = static_cast<int>(plans.size() - 1);
  };
  plan_for("");
  // 2. Plan the probes of every check.
  auto& planned = im.planned;
  planned.resize(set.claims.size());
  for (std::size_t ci = 0; ci < set.claims.size(); ++ci) {
    for (const Check& c : set.claims[ci].checks) {
      PlannedCheck pc;
      pc.check = &c;
      try {
        if (c.kind == CheckKind::interior_mix) {
          planned[ci].push_back(pc);
          continue;
        }
        pc.va = plan_for(c.a.variant);
        const bool two = c.kind == CheckKind::compare || c.kind == CheckKind::counterfactual;
        if (two) pc.vb = plan_for(c.b.variant);
        if (c.kind == CheckKind::data) pc.vb = pc.va;  // `per` reads the same variant
        VariantPlan& A = plans[pc.va];
        std::vector<double> years = c.times;
        if (c.window) {
          years.clear();
          const Scenario& sc = A.model->scenario();
          const int n0 = instant_of(c.t0, sc), n1 = instant_of(c.t1, sc);
          for (int n = n0; n <= n1; ++n) years.push_back(sc.info.time_at(n));
          if (c.kind == CheckKind::range && c.average > 0) {
            // The range holds for the mean over each window [t0 + k window, t0 + (k + 1) window)
            // of the instants in [t0, t1]: group k counts its instants (the last may be short).
            long last = -1;
            for (double y : years) {
              const long k = static_cast<long>(std::floor((y - c.t0) / c.average + 1e-9));
              if (k != last) pc.group.push_back(0);
              ++pc.group.back();
              last = k;
            }
          }
        }
        if (c.kind == CheckKind::data && c.average > 0) {
          // Each observation is the mean over the instants of [year, year + window).
          const Scenario& sc = A.model->scenario();
          for (double y : c.times) {
            int n = 0;
            for (int i = instant_of(y, sc); i <= sc.info.steps() && sc.info.time_at(i) < y + c.average - 1e-9; ++i, ++n) {
              pc.pa.push_back(A.probe(c.a.selector, i));
              if (!c.b.selector.empty()) pc.pb.push_back(A.probe(c.b.selector, i));
              pc.times_a.push_back(sc.info.time_at(i));
            }
            pc.group.push_back(std::max(n, 1));
            if (n == 0) {
              pc.pa.push_back(A.probe(c.a.selector, instant_of(y, sc)));
              if (!c.b.selector.empty()) pc.pb.push_back(A.probe(c.b.selector, instant_of(y, sc)));
              pc.times_a.push_back(y);
            }
          }
          years.clear();
        }
        for (double y : years) {
          pc.pa.push_back(A.probe(c.a.selector, instant_of(y, A.model->scenario())));
          pc.times_a.push_back(y);
          if (c.kind == CheckKind::data && !c.b.selector.empty()) {
            pc.pb.push_back(A.probe(c.b.selector, instant_of(y, A.model->scenario())));
          }
          if (two) {
            VariantPlan& B = plans[pc.vb];
            pc.pb.push_back(B.probe(c.b.selector, instant_of(y, B.model->scenario())));
          }
        }
      } catch (const InputError& e) {
        throw InputError(c.pos, "claim " + set.claims[ci].id + ": " + e.message());
      }
      planned[ci].push_back(std::move(pc));
    }
  }
}

std::vector<std::shared_ptr<const Model>> ClaimPlan::Impl::models(std::span<const double> values) const {
  std::vector<std::shared_ptr<const Model>> out;
  for (const VariantPlan& p : plans) {
    if (values.empty()) {
      out.push_back(p.model);
      continue;
    }
    Scenario sc = p.model->scenario();
    try {
      for (std::size_t d = 0; d < p.handles.size(); ++d) {
        if (p.handles[d]) p.handles[d]->set(sc, values[d]);
      }
      out.push_back(std::make_shared<const Model>(std::move(sc)));
    } catch (const InputError& e) {
      throw InputError(SourcePos{set->path, 0, 0}, "variant '" + p.name + "': " + e.message());
    }
  }
  return out;
}

// 3. Run every variant with the same seeds (common random numbers).
std::vector<std::vector<double>> ClaimPlan::Impl::run(const std::vector<std::shared_ptr<const Model>>& models,
                                                      const ClaimOptions& opt) const {
  const std::uint64_t seed = opt.seed ? opt.seed : models[0]->scenario().info.seed;
  {
    // Every variant keeps its probes' values of every run: refused up front if they, the
    // models and one ensemble at a time would not fit (smartpower/core/memory.hpp).
    std::size_t probes = 0;
    for (const auto& p : plans) probes += p.probes.size();
    require_memory(
        estimate_claims(shape_of(*models[0]), static_cast<int>(plans.size()), opt.runs, opt.threads, probes));
  }
  std::vector<std::vector<double>> values(plans.size());
  for (std::size_t v = 0; v < plans.size(); ++v) {
    const VariantPlan& p = plans[v];
    const Model& model = *models[v];
    const std::size_t P = p.probes.size();
    values[v].assign(static_cast<std::size_t>(opt.runs) * P, 0.0);
    if (P == 0) continue;
    const std::size_t M = model.layout().size();
    const std::size_t I = static_cast<std::size_t>(model.steps()) + 1;
    EnsembleOptions eo;
    eo.runs = opt.runs;
    eo.seed = seed;
    eo.threads = opt.threads;
    eo.series_stats = false;
    // One batch per thread, as wide as that allows up to 64 runs (the lane loops want 8
    // lanes or more). Per-run values do not depend on the chunk.
    const int threads = std::max(1, opt.threads);
    eo.chunk = std::clamp((opt.runs + threads - 1) / threads, 1, 64);
    eo.stop = opt.stop;
    eo.final_columns = {0};
    // Keep only the entries the probes read: column[idx] is entry idx's place in a row.
    std::vector<std::size_t> column(M, M);
    for (const auto& probe : p.probes) {
      for (std::size_t idx : probe.indices) column[idx] = 0;
    }
    for (std::size_t idx = 0; idx < M; ++idx) {
      if (column[idx] == M) continue;
      column[idx] = eo.series_columns.size();
      eo.series_columns.push_back(idx);
    }
    // Record only the instants the probes read (the rest are stepped unrecorded).
    for (const auto& probe : p.probes) eo.series_steps.push_back(probe.instant);
    std::sort(eo.series_steps.begin(), eo.series_steps.end());
    eo.series_steps.erase(std::unique(eo.series_steps.begin(), eo.series_steps.end()), eo.series_steps.end());
    const std::size_t C = eo.series_columns.size();
    std::vector<double>& out_values = values[v];
    eo.on_series = [&](int first, int count, std::span<const double> s) {
      for (int r = 0; r < count; ++r) {
        const double* run = s.data() + static_cast<std::size_t>(r) * I * C;
        double* out = out_values.data() + static_cast<std::size_t>(first + r) * P;
        for (std::size_t q = 0; q < P; ++q) {
          double v = 0;
          for (std::size_t idx : p.probes[q].indices) v += run[static_cast<std::size_t>(p.probes[q].instant) * C + column[idx]];
          out[q] = v;
        }
      }
    };
    if (!opt.posterior) {
      run_ensemble(model, eo);
      continue;
    }
    // Each particle's document: the particle's values, then the variant's patch.
    std::vector<std::shared_ptr<const Model>> particle_models(static_cast<std::size_t>(opt.posterior->size()));
    auto model_of = [&](int k) -> std::shared_ptr<const Model> {
      auto& m = particle_models[static_cast<std::size_t>(k)];
      if (m) return m;
      auto doc = clone(*scenario);
      try {
        apply_particle(*doc, *opt.posterior, k);
        if (!p.name.empty()) apply_patch(*doc, toml::table(set->variants.at(p.name)->table));
        if (!noise) set_path(*doc, "model.noise", 0.0);
        m = std::make_shared<const Model>(build_scenario(*doc));
      } catch (const InputError& e) {
        throw InputError(SourcePos{opt.posterior->file, 0, 0}, "posterior: particle " + std::to_string(k + 1) +
                                                                  (p.name.empty() ? "" : " with variant '" + p.name + "'") +
                                                                  " gives an invalid scenario: " + e.message());
      }
      return m;
    };
    run_grouped_ensemble(posterior_particles(*opt.posterior, seed, opt.runs, opt.draws), model_of, eo);
  }
  // After the runs, each variant's values hold one row more: the ensemble mean of every
  // probe, read by the claims evaluated on the mean (`on = "mean"`).
  for (std::size_t v = 0; v < plans.size(); ++v) {
    const std::size_t P = plans[v].probes.size();
    values[v].resize(static_cast<std::size_t>(opt.runs + 1) * P, 0.0);
    double* mean = values[v].data() + static_cast<std::size_t>(opt.runs) * P;
    for (int run = 0; run < opt.runs; ++run) {
      const double* row = values[v].data() + static_cast<std::size_t>(run) * P;
      for (std::size_t q = 0; q < P; ++q) mean[q] += row[q] / opt.runs;
    }
  }
  return values;
}

// 4. Score: a claim run by run, or on the ensemble mean (the last row of each variant's values).
ClaimReport ClaimPlan::Impl::score(const std::vector<std::vector<double>>& values, const ModelParams& base_params,
                                   const ClaimOptions& opt) const {
  const ClaimSet& set = *this->set;
  ClaimReport report;
  struct RowScore {
    double margin = 0, shortfall = 0, misfit = 0;
    bool held = true;
  };
  for (std::size_t ci = 0; ci < set.claims.size(); ++ci) {
    const Claim& claim = set.claims[ci];
    ClaimOutcome out;
    out.claim = std::make_shared<const Claim>(claim);
    out.required_share = claim.share >= 0 ? claim.share : set.share;
    out.on_mean = claim.on_mean;
    // One row: a run (0 .. runs - 1) or the ensemble mean (row `runs`); `checks` gets what
    // each check measured when given.
    auto score_row = [&](int run, std::vector<CheckOutcome>* record) {
      double claim_margin = std::numeric_limits<double>::infinity();
      double claim_shortfall = 0, row_misfit = 0;
      bool claim_held = true;
      std::ostringstream measured;  // what each check measured, written only for a recorded row
      for (const PlannedCheck& pc : planned[ci]) {
        const Check& c = *pc.check;
        auto va = [&](std::size_t i) {
          return values[pc.va][static_cast<std::size_t>(run) * plans[pc.va].probes.size() + pc.pa[i]];
        };
        auto vb = [&](std::size_t i) {
          return values[pc.vb][static_cast<std::size_t>(run) * plans[pc.vb].probes.size() + pc.pb[i]];
        };
        // Windows (data points, windowed ranges): group i holds n consecutive probes from q,
        // and its value is the mean of f over them (one probe per group without windows).
        auto group_size = [&](std::size_t i) { return pc.group.empty() ? std::size_t{1} : static_cast<std::size_t>(pc.group[i]); };
        auto group_mean = [](std::size_t q, std::size_t n, auto f) {
          double v = 0;
          for (std::size_t k = 0; k < n; ++k) v += f(q + k) / static_cast<double>(n);
          return v;
        };
        double m = std::numeric_limits<double>::infinity();
        // rises/falls, raises/lowers and > / < are strict: equal values (margin exactly 0)
        // do not hold. With a min_change, "at least min_change" holds at margin 0.
        const bool strict = (c.kind == CheckKind::trend || c.kind == CheckKind::monotone ||
                             c.kind == CheckKind::compare || c.kind == CheckKind::counterfactual) &&
                            c.min_change == 0;
        if (record) measured.str("");
        switch (c.kind) {
          case CheckKind::range: {
            // Per instant, or (window) per mean over a group of consecutive instants.
            std::vector<double> vals;
            for (std::size_t i = 0, q = 0; q < pc.pa.size(); q += group_size(i), ++i) vals.push_back(group_mean(q, group_size(i), va));
            for (const double v : vals) {
              if (std::isfinite(c.lo)) m = std::min(m, rel(v, c.lo));
              if (std::isfinite(c.hi)) m = std::min(m, rel(c.hi, v));
            }
            if (!record) break;  // what was measured: only where a row is recorded
            if (pc.pa.size() == 1) {
              measured << c.a.selector << "@" << format_significant(pc.times_a[0]) << " = "
                       << format_significant(va(0), 4);
            } else {
              const auto [lo, hi] = std::minmax_element(vals.begin(), vals.end());
              measured << c.a.selector << " over " << format_significant(c.t0) << "-" << format_significant(c.t1)
                       << (pc.group.empty() ? "" : " (means over windows of " + format_significant(c.average, 4) + ")")
                       << " in [" << format_significant(*lo, 4) << ", " << format_significant(*hi, 4) << "]";
            }
            break;
          }
          case CheckKind::trend:
          case CheckKind::monotone:
            for (std::size_t i = 0; i + 1 < pc.pa.size(); ++i) {
              const double step = c.greater ? rel(va(i + 1), va(i)) : rel(va(i), va(i + 1));
              m = std::min(m, step - c.min_change);
            }
            if (!record) break;
            measured << c.a.selector << ":";
            for (std::size_t i = 0; i < pc.pa.size(); ++i)
              measured << " " << format_significant(pc.times_a[i]) << "=" << format_significant(va(i), 4);
            break;
          case CheckKind::compare:
          case CheckKind::counterfactual: {
            double lsum = 0, rsum = 0;
            for (std::size_t i = 0; i < pc.pa.size(); ++i) {
              const double d = c.greater ? rel(va(i), vb(i)) : rel(vb(i), va(i));
              m = std::min(m, d - c.min_change);
              lsum += va(i);
              rsum += vb(i);
            }
            if (!record) break;
            const double n = static_cast<double>(pc.pa.size());
            const std::string when = pc.pa.size() == 1
                                         ? "@" + format_significant(pc.times_a[0])
                                         : " (mean " + format_significant(c.t0) + "-" + format_significant(c.t1) + ")";
            if (c.kind == CheckKind::compare) {
              measured << c.a.selector << (c.a.variant.empty() ? "" : "{" + c.a.variant + "}") << " = "
                       << format_significant(lsum / n, 4) << " vs " << c.b.selector
                       << (c.b.variant.empty() ? "" : "{" + c.b.variant + "}") << " = "
                       << format_significant(rsum / n, 4) << when;
            } else {
              measured << c.a.selector << when << ": " << format_significant(lsum / n, 4) << " with vs "
                       << format_significant(rsum / n, 4) << " in " << c.b.variant;
            }
            break;
          }
          case CheckKind::data: {
            double worst = 0, sq = 0;
            if (record) measured << c.a.selector << ":";
            std::size_t q = 0;
            for (std::size_t i = 0; i < c.observed.size(); ++i) {
              const std::size_t n = group_size(i);
              const double v = group_mean(q, n, [&](std::size_t p) { return pc.pb.empty() ? va(p) : va(p) / vb(p); });
              q += n;
              // A share over a zero total (0 / 0) or a model value of 0 on a log scale: an error
              // too large to pass (a NaN error would never be the worst and pass unseen).
              const double e = !std::isfinite(v)  ? 50.0
                               : !c.log_error     ? std::abs(v - c.observed[i]) / std::abs(c.observed[i])
                               : v > 0            ? std::abs(std::log(v / c.observed[i]))
                                                  : 50.0;
              worst = std::max(worst, e);
              sq += e * e;
              if (record)
                measured << " " << format_significant(c.times[i]) << (n > 1 ? "+" : "") << " " << format_significant(v, 4)
                       << "/" << format_significant(c.observed[i], 4);
            }
            m = (c.tolerance - worst) / c.tolerance;
            row_misfit += sq / static_cast<double>(c.observed.size());
            if (record) measured << " (model/observed, worst error " << format_significant(100 * worst, 4) << "%)";
            break;
          }
          case CheckKind::interior_mix: {
            // C20 on the scenario's own CES: the best mix of a fixed total beats both corners.
            double best = 0;
            for (int s = 1; s < 100; ++s) best = std::max(best, ces(s / 100.0, 1 - s / 100.0, base_params.alpha, base_params.rho));
            const double corner = std::max(ces(1, 0, base_params.alpha, base_params.rho), ces(0, 1, base_params.alpha, base_params.rho));
            m = rel(best, corner);
            if (!record) break;
            measured << "best interior mix " << format_significant(best, 4) << " vs best corner "
                     << format_significant(corner, 4) << " (alpha " << format_significant(base_params.alpha, 4)
                     << ", rho " << format_significant(base_params.rho, 4) << ")";
            break;
          }
        }
        claim_margin = std::min(claim_margin, m);
        claim_held = claim_held && (strict ? m > 0 : m >= 0);
        const double target = c.kind == CheckKind::data ? set.data_margin : set.target_margin;
        claim_shortfall = std::max(claim_shortfall, target - m);
        if (record) record->push_back({m, measured.str()});
      }
      return RowScore{claim_margin, std::max(0.0, claim_shortfall), row_misfit, claim_held};
    };
    std::vector<double> margins(opt.runs), shortfalls(opt.runs);
    std::vector<char> held(opt.runs);
    int passes = 0;
    double shortfall = 0, misfit = 0;
    for (int run = 0; run < opt.runs; ++run) {
      const RowScore r = score_row(run, run == 0 && !claim.on_mean ? &out.checks : nullptr);
      margins[run] = r.margin;
      held[run] = r.held ? 1 : 0;
      passes += r.held ? 1 : 0;
      shortfalls[run] = r.shortfall;
      shortfall += r.shortfall / opt.runs;
      misfit += r.misfit;
    }
    out.pass_share = static_cast<double>(passes) / opt.runs;
    if (claim.on_mean) {
      // The verdict, margin and objective term of the expected path.
      const RowScore r = score_row(opt.runs, &out.checks);
      out.pass = r.held;
      out.margin = r.margin;
      out.shortfall = r.shortfall;
      report.objective += opt.shortfall_weight * out.shortfall + r.misfit;
      report.claims.push_back(std::move(out));
      continue;
    }
    out.pass = opt.runs == 1 ? held[0] != 0 : out.pass_share >= out.required_share;
    out.margin = quantile(margins, 0.5);
    // The objective term asks what the pass rule asks: that the claim hold in its
    // required share of runs. Half the mean shortfall, half its required-share quantile
    // (the shortfall of the run at the edge of that share), so rare failures count.
    out.shortfall = 0.5 * shortfall + 0.5 * quantile(shortfalls, out.required_share);
    report.objective += opt.shortfall_weight * out.shortfall + misfit / opt.runs;
    report.claims.push_back(std::move(out));
  }
  return report;
}

ClaimReport ClaimPlan::evaluate(std::span<const double> values, const ClaimOptions& opt) const {
  const Impl& im = *impl_;
  if (values.size() != (values.empty() ? 0 : im.parameters.size())) {
    throw std::invalid_argument("ClaimPlan::evaluate: one value per parameter");
  }
  if (!values.empty() && opt.posterior)
    throw std::invalid_argument("ClaimPlan::evaluate: parameters or a posterior, not both");
  if (!values.empty() && !im.typed) {
    auto doc = clone(*im.scenario);
    for (std::size_t d = 0; d < values.size(); ++d) set_path(*doc, im.parameters[d].path, values[d]);
    return ClaimPlan(*doc, *im.set, {}, im.noise).evaluate({}, opt);
  }
  const auto models = im.models(values);
  return im.score(im.run(models, opt), models[0]->scenario().params, opt);
}

ClaimReport evaluate_claims(const toml::table& scenario, const ClaimSet& set, const ClaimOptions& opt) {
  return ClaimPlan(scenario, set, {}, opt.noise).evaluate({}, opt);
}

// The variants are patches of a document: the Scenario's, which builds back to it.
ClaimReport evaluate_claims(const Scenario& scenario, const ClaimSet& set, const ClaimOptions& opt) {
  return evaluate_claims(*scenario_document(scenario), set, opt);
}

}  // namespace smartpower
