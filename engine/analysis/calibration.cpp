#include "smartpower/analysis/calibration_toml.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <exception>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <nlopt.hpp>
#include <random>
#include <sstream>

#include "smartpower/analysis/claims_toml.hpp"
#include "smartpower/core/format.hpp"
#include "smartpower/io/checkpoint.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/core/keys.hpp"
#include "smartpower/io/output.hpp"
#include "io/toml_reader.hpp"

namespace smartpower {
namespace fs = std::filesystem;
using detail::TableReader;

namespace {

// The dotted paths of every number of the scenario that is a key of the registry
// (smartpower/core/keys.hpp); arrays of tables by id (or index when an entry has none).
void number_paths(const toml::node& node, const std::string& path, std::vector<std::string>& out) {
  if (const auto* t = node.as_table()) {
    for (auto&& [k, v] : *t) {
      if (path.empty() && (k.str() == "calibration" || k.str() == "lenses")) continue;
      number_paths(v, path.empty() ? std::string(k.str()) : path + "." + std::string(k.str()), out);
    }
  } else if (const auto* a = node.as_array(); a && a->is_array_of_tables()) {
    for (std::size_t i = 0; i < a->size(); ++i) {
      const auto* id = a->get(i)->as_table()->get_as<std::string>("id");
      number_paths(*a->get(i), path + "." + (id ? id->get() : std::to_string(i)), out);
    }
  } else if (node.is_number()) {
    const Key* key = find_key(path);
    if (key && (key->type == KeyType::number || key->type == KeyType::integer)) out.push_back(path);
  }
}

// Why a calibration path names no number: a key the scenario leaves at its default, or
// the closest path that names one.
std::string path_hint(const toml::table& doc, const std::string& path) {
  const Key* key = find_key(path);
  // The entry the key belongs to (`actors.KAZ` of actors.KAZ.budget) must exist.
  std::string owner;
  if (key) {
    const auto pattern = split_dotted_path(key->path), parts = split_dotted_path(path);
    std::size_t n = 0;
    for (std::size_t i = 0; i + 1 < pattern.size(); ++i) {
      if (pattern[i].front() == '<') n = i + 1;
    }
    for (std::size_t i = 0; i < n; ++i) owner += (i ? "." : "") + parts[i];
  }
  if (key && (key->type == KeyType::number || key->type == KeyType::integer) && !get_path(doc, path)) {
    if (!owner.empty() && !get_path(doc, owner)) return " (the scenario has no '" + owner + "')";
    return " (it is a valid key, '" + std::string(key->path) + "', that the scenario leaves at its default: set it " +
           "in the scenario to calibrate it)";
  }
  std::vector<std::string> paths;
  number_paths(doc, "", paths);
  const std::string near = closest_match(path, paths);
  return near.empty() ? "" : "; did you mean '" + near + "'?";
}

}  // namespace

std::vector<CalibrationParameter> calibration_parameters(const toml::table& doc) {
  std::vector<CalibrationParameter> out;
  const auto* cal = doc.get_as<toml::table>("calibration");
  if (!cal) throw InputError("the scenario has no [calibration] section declaring the free parameters");
  TableReader r(*cal, "[calibration]");
  const toml::array* params = r.array_of_tables("parameters");
  r.finish();
  if (!params || params->empty()) r.fail(nullptr, "needs [[calibration.parameters]] entries (path, lo, hi)");
  for (const auto& el : *params) {
    TableReader p(*el.as_table(), "[[calibration.parameters]]");
    CalibrationParameter cp;
    cp.path = p.required_string("path");
    cp.lo = p.required_number("lo", detail::closed(-1e12, 1e12));
    cp.hi = p.required_number("hi", detail::closed(-1e12, 1e12));
    cp.log = p.boolean("log", false);
    p.string("note", "");
    if (!(cp.hi > cp.lo)) p.fail_key("hi", "must be greater than 'lo'");
    if (cp.log && cp.lo <= 0) p.fail_key("lo", "must be positive for a log-scale parameter");
    const toml::node* cur = get_path(doc, cp.path);
    bool ok = false;
    cp.start = cur ? detail::number_value(*cur, ok) : 0.0;
    if (!cur || !ok) p.fail_key("path", "'" + cp.path + "' does not name a number in the scenario" + path_hint(doc, cp.path));
    cp.start = std::clamp(cp.start, cp.lo, cp.hi);
    p.finish();
    out.push_back(cp);
  }
  // The box must hold valid scenarios: each bound, with every other value as the
  // scenario has it, goes through the same validation as the file. (Otherwise the
  // search meets an invalid scenario part-way, e.g. rho in [1, 2].)
  for (std::size_t i = 0; i < out.size(); ++i) {
    TableReader p(*(*params)[i].as_table(), "[[calibration.parameters]]");
    for (const char* bound : {"lo", "hi"}) {
      const double value = bound[0] == 'l' ? out[i].lo : out[i].hi;
      auto copy = clone(doc);
      try {
        set_path(*copy, out[i].path, value);
        build_scenario(*copy);
      } catch (const InputError& err) {
        p.fail_key(bound, "= " + format_number(value) + " for '" + out[i].path +
                              "' makes the scenario invalid: " + err.message() +
                              "; the calibration range must hold valid values only");
      }
    }
  }
  return out;
}

void set_parameters(toml::table& doc, const std::vector<CalibrationParameter>& params, const std::vector<double>& values) {
  for (std::size_t i = 0; i < params.size(); ++i) set_path(doc, params[i].path, values[i]);
}

double CalibrationParameter::to_unit(double v) const {
  return log ? (std::log(v) - std::log(lo)) / (std::log(hi) - std::log(lo)) : (v - lo) / (hi - lo);
}
double CalibrationParameter::from_unit(double u) const {
  u = std::clamp(u, 0.0, 1.0);
  return log ? std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo))) : lo + u * (hi - lo);
}

namespace {

struct Search {
  Search(const ClaimPlan& p, const std::vector<CalibrationParameter>& ps, const CalibrationOptions& o)
      : plan(p), params(ps), opt(o) {}

  const ClaimPlan& plan;  // the scenario and its variants, compiled once
  const std::vector<CalibrationParameter>& params;
  const CalibrationOptions& opt;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  int evaluations = 0, start = 0, replayed = 0;
  double best = std::numeric_limits<double>::infinity();
  std::vector<double> best_x;
  std::map<std::string, double> cache;  // checkpointed evaluations: key of x -> f
  CheckpointFile* log = nullptr;
  std::exception_ptr error;  // what stopped the search (NLopt would swallow it)

  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }

  std::vector<double> values(const std::vector<double>& u) const {
    std::vector<double> v(u.size());
    for (std::size_t i = 0; i < u.size(); ++i) v[i] = params[i].from_unit(u[i]);
    return v;
  }

  bool stopped() const { return error || (opt.stop && opt.stop->load()); }

  // NLopt's C++ wrapper turns any exception thrown here into a bare "nlopt failure":
  // keep the real one and stop the search, to rethrow it afterwards.
  double objective(const std::vector<double>& u) {
    try {
      return evaluate(u);
    } catch (const nlopt::forced_stop&) {
      throw;
    } catch (...) {
      error = std::current_exception();
      throw nlopt::forced_stop();
    }
  }

  double evaluate(const std::vector<double>& u) {
    if (stopped()) throw nlopt::forced_stop();
    const auto v = values(u);
    std::string key;
    for (double x : u) key += hex_bits(x);
    double f;
    if (auto it = cache.find(key); it != cache.end()) {
      f = it->second;
      ++replayed;
    } else {
      ClaimOptions co;
      co.runs = opt.runs;
      co.seed = opt.seed;
      co.threads = opt.threads;
      co.stop = opt.stop;
      try {
        f = plan.evaluate(v, co).objective;
      } catch (const NumericalError&) {
        f = 1e6;  // a parameter set that blows up is simply bad
      } catch (const InputError& err) {
        std::string at;
        for (std::size_t i = 0; i < params.size(); ++i) at += (i ? ", " : "") + params[i].path + " = " + format_number(v[i]);
        throw InputError(err.pos(), "calibration stopped at parameters (" + at + "): " + err.message());
      }
      if (!std::isfinite(f)) throw NumericalError("calibration: the objective is not finite at an evaluation");
      if (log) log->append(key + ' ' + hex_bits(f));
    }
    ++evaluations;
    if (f < best) {
      best = f;
      best_x = v;
    }
    if (opt.progress && (evaluations % 10 == 0 || f <= 0)) {
      opt.progress({start, opt.starts, evaluations, f, best, seconds()});
    }
    if (best <= 0) throw nlopt::forced_stop();  // every claim holds with its margin
    return f;
  }
};

void check_options(const CalibrationOptions& opt) {
  if (opt.starts < 1) throw InputError("--starts " + std::to_string(opt.starts) + ": expected at least 1 starting point");
  if (opt.evaluations < 1) {
    throw InputError("--evaluations " + std::to_string(opt.evaluations) + ": expected at least 1 evaluation per start");
  }
  if (opt.runs < 1) throw InputError("--runs " + std::to_string(opt.runs) + ": expected at least 1 noisy run");
  if (opt.threads < 1) throw InputError("--threads " + std::to_string(opt.threads) + ": expected at least 1");
  if (!std::isfinite(opt.seconds) || opt.seconds < 0) {
    throw InputError("--seconds " + format_number(opt.seconds) + ": expected a finite number of seconds >= 0 (0 = no cap)");
  }
}

// The claims on the scenario with the parameters at their best values.
using FinalReport = std::function<ClaimReport(const std::vector<double>& values, const ClaimOptions& options)>;

// The search on a valid resolved document (the checkpoint's identity, the variants'
// base) and its parameters, checked against it.
CalibrationResult calibrate_document(const Document& doc, std::vector<CalibrationParameter> parameters,
                                     const ClaimSet& claims, const CalibrationOptions& opt, const FinalReport& final_report) {
  CalibrationResult res;
  res.parameters = std::move(parameters);
  const auto& params = res.parameters;
  const std::size_t D = params.size();
  const ClaimPlan plan(*doc.table, claims, params);
  Search s(plan, params, opt);
  std::unique_ptr<CheckpointFile> ck;
  if (!opt.checkpoint.empty()) {
    std::vector<std::string> inputs = doc.files;
    if (!claims.path.empty()) inputs.push_back(claims.path);
    inputs.insert(inputs.end(), opt.inputs.begin(), opt.inputs.end());
    // What an evaluation's value depends on: the resolved scenario (its [calibration]
    // box included), the claims, the runs and the seed. Starts, evaluations and the time
    // cap only decide which points are evaluated, so a resume may change them.
    std::string claims_text;
    if (!claims.path.empty()) {
      std::ifstream in(claims.path, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      claims_text = ss.str();
    }
    std::vector<std::string> fields = {"scenario=" + hex64(fnv1a64(to_toml(*doc.table))),
                                       "claims=" + hex64(fnv1a64(claims_text)), "runs=" + std::to_string(opt.runs),
                                       "seed=" + std::to_string(opt.seed), "parameters=" + std::to_string(D)};
    std::vector<CheckpointFile::Field> describe = {
        {"scenario", "another scenario (the file, its extends chain or its [calibration] box changed)"},
        {"claims", "another claims file"},
        {"runs", "another --runs"},
        {"seed", "another --seed"},
        {"parameters", "other calibration parameters"}};
    ck = std::make_unique<CheckpointFile>(opt.checkpoint, "calibrate", "v1", std::move(fields), std::move(describe),
                                          inputs, opt.resume, cluster().rank == 0);
    res.checkpoint = ck->ref();
    for (const auto& line : ck->lines()) {
      const auto f = split_fields(line.text);
      if (f.size() != 2) ck->corrupt(line, "expected 2 fields (point and objective), found " + std::to_string(f.size()));
      if (f[0].size() != 16 * D) {
        ck->corrupt(line, "the point has " + std::to_string(f[0].size()) + " hex digits; expected " +
                              std::to_string(16 * D) + " (16 per parameter)");
      }
      for (std::size_t i = 0; i < D; ++i) {
        double u = 0;
        if (!parse_hex_bits(f[0].substr(16 * i, 16), u)) {
          ck->corrupt(line, "coordinate " + std::to_string(i + 1) + " is not 16 hex digits");
        }
        if (!(u >= 0 && u <= 1)) ck->corrupt(line, "coordinate " + std::to_string(i + 1) + " is not in [0, 1]");
      }
      double value = 0;
      if (!parse_hex_bits(f[1], value)) ck->corrupt(line, "the objective '" + std::string(f[1]) + "' is not 16 hex digits");
      if (!std::isfinite(value)) ck->corrupt(line, "the objective is not a finite number");
      s.cache[std::string(f[0])] = value;
    }
    s.log = ck.get();
  }
  std::mt19937_64 rng(opt.seed);
  std::uniform_real_distribution<double> uni(0.0, 1.0);

  const double cap = opt.seconds > 0 ? opt.seconds : 1e12;
  // The stop flag is polled here too: with many starts, each would otherwise be a
  // (quickly forced-stopped) NLopt set-up, and a billion of them ignore Ctrl-C.
  for (int st = 0; st < opt.starts && s.best > 0 && (st == 0 || s.seconds() < cap) && !s.stopped(); ++st) {
    s.start = st;
    std::vector<double> x(D);
    for (std::size_t i = 0; i < D; ++i) x[i] = st == 0 ? params[i].to_unit(params[i].start) : uni(rng);
    auto func = [](const std::vector<double>& u, std::vector<double>&, void* data) {
      return static_cast<Search*>(data)->objective(u);
    };
    const double remaining = std::max(1.0, cap - s.seconds());
    // Global: controlled random search seeded from x; then a local polish from its best.
    try {
      nlopt::srand(opt.seed + static_cast<unsigned long>(st));
      nlopt::opt global(nlopt::GN_CRS2_LM, static_cast<unsigned>(D));
      global.set_lower_bounds(std::vector<double>(D, 0.0));
      global.set_upper_bounds(std::vector<double>(D, 1.0));
      global.set_min_objective(func, &s);
      global.set_maxeval(static_cast<int>(std::max(10LL, opt.evaluations * 2LL / 3)));
      if (opt.seconds > 0) global.set_maxtime(remaining * 0.66 / std::max(1, opt.starts - st));
      global.set_stopval(0.0);
      double f;
      global.optimize(x, f);
    } catch (const nlopt::forced_stop&) {
    } catch (const std::runtime_error&) {  // NLopt's own failures (roundoff limited...) end this phase
    }
    if (s.best <= 0 || s.stopped() || s.best_x.empty()) break;
    try {
      for (std::size_t i = 0; i < D; ++i) x[i] = params[i].to_unit(s.best_x[i]);
      nlopt::opt local(nlopt::LN_BOBYQA, static_cast<unsigned>(D));
      local.set_lower_bounds(std::vector<double>(D, 0.0));
      local.set_upper_bounds(std::vector<double>(D, 1.0));
      local.set_min_objective(func, &s);
      local.set_maxeval(std::max(10, opt.evaluations / 3));
      if (opt.seconds > 0) local.set_maxtime(std::max(1.0, cap - s.seconds()) / std::max(1, opt.starts - st));
      local.set_stopval(0.0);
      local.set_initial_step(0.05);
      double f;
      local.optimize(x, f);
    } catch (const nlopt::forced_stop&) {
    } catch (const std::runtime_error&) {
    }
  }
  if (s.error) std::rethrow_exception(s.error);
  if (opt.stop && opt.stop->load()) throw Interrupted("calibration interrupted");
  if (s.best_x.empty()) throw std::runtime_error("calibration: the search evaluated no point");
  res.best = s.best_x;
  res.objective = s.best;
  res.evaluations = s.evaluations;
  res.replayed = s.replayed;
  res.seconds = s.seconds();
  ClaimOptions co;
  co.runs = opt.runs;
  co.seed = opt.seed;
  co.threads = opt.threads;
  res.report = final_report(res.best, co);
  return res;
}

}  // namespace

CalibrationResult calibrate(const std::string& scenario_file, const ClaimSet& claims, const CalibrationOptions& opt) {
  check_options(opt);
  Document doc = load_document(scenario_file);
  build_scenario(*doc.table);
  const auto params = calibration_parameters(*doc.table);
  return calibrate_document(doc, params, claims, opt, [&](const std::vector<double>& best, const ClaimOptions& co) {
    auto final_doc = clone(*doc.table);
    set_parameters(*final_doc, params, best);
    return evaluate_claims(*final_doc, claims, co);
  });
}

CalibrationResult calibrate(const Scenario& scenario, const std::vector<CalibrationParameter>& parameters,
                            const ClaimSet& claims, const CalibrationOptions& opt) {
  check_options(opt);
  const ScenarioBox box = scenario_box(scenario, parameters);
  return calibrate_document(box.document, box.parameters, claims, opt,
                            [&](const std::vector<double>& best, const ClaimOptions& co) {
                              return evaluate_claims(with_parameters(box.scenario.scenario(), box.parameters, best),
                                                     claims, co);
                            });
}

std::vector<CalibrationParameter> load_calibration_parameters(const std::string& path) {
  const Document doc = load_document(path);
  build_scenario(*doc.table);
  return calibration_parameters(*doc.table);
}

ScenarioBox scenario_box(const Scenario& scenario, std::vector<CalibrationParameter> parameters) {
  const ValidScenario valid(scenario);
  if (parameters.empty()) throw InputError("calibration: no free parameters; give at least one path with its box");
  for (CalibrationParameter& p : parameters) {
    const std::string where = "calibration parameter '" + p.path + "': ";
    const Parameter handle = [&] {
      try {
        return Parameter(valid.scenario(), p.path);
      } catch (const InputError& err) {  // a typo: the closest key or id
        throw InputError("calibration parameter: " + err.message());
      }
    }();
    if (!std::isfinite(p.lo) || !std::isfinite(p.hi) || !(p.hi > p.lo)) {
      throw InputError(where + "'hi' = " + format_number(p.hi) + " must be greater than 'lo' = " + format_number(p.lo));
    }
    if (p.log && p.lo <= 0) throw InputError(where + "'lo' must be positive for a log-scale parameter");
    p.start = std::clamp(handle.get(valid.scenario()), p.lo, p.hi);
    // As for a file's box: each bound, every other value as the scenario has it, is valid.
    for (const bool upper : {false, true}) {
      const double value = upper ? p.hi : p.lo;
      Scenario copy = valid.scenario();
      try {
        handle.set(copy, value);
        validate(copy);
      } catch (const InputError& err) {
        throw InputError(where + (upper ? "'hi'" : "'lo'") + " = " + format_number(value) +
                         " makes the scenario invalid: " + err.message() +
                         "; the calibration range must hold valid values only");
      }
    }
  }
  return ScenarioBox{valid, Document{"", scenario_document(valid.scenario()), {}}, std::move(parameters)};
}

Scenario with_parameters(const Scenario& scenario, const std::vector<CalibrationParameter>& parameters,
                         const std::vector<double>& values) {
  Scenario out = scenario;
  for (std::size_t d = 0; d < parameters.size(); ++d) Parameter(out, parameters[d].path).set(out, values[d]);
  return out;
}

void write_calibrated(const std::string& out_path, const std::string& scenario_file, const CalibrationResult& r,
                      const std::string& command) {
  const fs::path out(out_path);
  const fs::path rel = fs::proximate(fs::absolute(scenario_file), fs::absolute(out).parent_path());
  write_atomically(out_path, [&](std::ostream& os) {
    os << "# Calibrated scenario, written by `smartpower calibrate` (do not edit by hand).\n"
       << "# Reproduce with:\n#   " << command << "\n"
       << "# Objective " << format_number(r.objective) << " after " << r.evaluations << " evaluations; "
       << r.report.passed() << " of " << r.report.claims.size() << " claims pass.\n"
       << "extends = \"" << rel.generic_string() << "\"\n\n[overrides]\n";
    for (std::size_t i = 0; i < r.parameters.size(); ++i) {
      // Rounded to 6 significant digits: readable, and the claims are re-checked on it.
      std::string s = format_significant(r.best[i], 6);
      if (s.find_first_of(".e") == std::string::npos) s += ".0";
      os << "\"" << r.parameters[i].path << "\" = " << s << "\n";
    }
  });
}

}  // namespace smartpower
