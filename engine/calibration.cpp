#include "smartpower/calibration.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <limits>
#include <nlopt.hpp>
#include <random>
#include <sstream>

#include "smartpower/document.hpp"
#include "smartpower/ensemble.hpp"
#include "smartpower/output.hpp"
#include "toml_reader.hpp"

namespace smartpower {
namespace fs = std::filesystem;
using detail::TableReader;

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
    if (!cur || !ok) p.fail_key("path", "'" + cp.path + "' does not name a number in the scenario");
    cp.start = std::clamp(cp.start, cp.lo, cp.hi);
    p.finish();
    out.push_back(cp);
  }
  return out;
}

void set_parameters(toml::table& doc, const std::vector<CalibrationParameter>& params, const std::vector<double>& values) {
  for (std::size_t i = 0; i < params.size(); ++i) set_path(doc, params[i].path, values[i]);
}

namespace {
double to_unit(const CalibrationParameter& p, double v) {
  return p.log ? (std::log(v) - std::log(p.lo)) / (std::log(p.hi) - std::log(p.lo)) : (v - p.lo) / (p.hi - p.lo);
}
double from_unit(const CalibrationParameter& p, double u) {
  u = std::clamp(u, 0.0, 1.0);
  return p.log ? std::exp(std::log(p.lo) + u * (std::log(p.hi) - std::log(p.lo))) : p.lo + u * (p.hi - p.lo);
}

struct Search {
  const toml::table& base;
  const ClaimSet& claims;
  const std::vector<CalibrationParameter>& params;
  const CalibrationOptions& opt;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  int evaluations = 0, start = 0, replayed = 0;
  double best = std::numeric_limits<double>::infinity();
  std::vector<double> best_x;
  std::map<std::string, double> cache;  // checkpointed evaluations: key of x -> f
  std::ofstream log;

  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }

  std::vector<double> values(const std::vector<double>& u) const {
    std::vector<double> v(u.size());
    for (std::size_t i = 0; i < u.size(); ++i) v[i] = from_unit(params[i], u[i]);
    return v;
  }

  double objective(const std::vector<double>& u) {
    if ((opt.stop && opt.stop->load())) throw nlopt::forced_stop();
    const auto v = values(u);
    std::string key;
    for (double x : u) key += hex_bits(x);
    double f;
    if (auto it = cache.find(key); it != cache.end()) {
      f = it->second;
      ++replayed;
    } else {
      auto doc = clone(base);
      set_parameters(*doc, params, v);
      ClaimOptions co;
      co.runs = opt.runs;
      co.seed = opt.seed;
      co.threads = opt.threads;
      try {
        f = evaluate_claims(*doc, claims, co).objective;
      } catch (const NumericalError&) {
        f = 1e6;  // a parameter set that blows up is simply bad
      }
      if (log.is_open()) {
        log << key << ' ' << hex_bits(f) << '\n';
        log.flush();
      }
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
}  // namespace

CalibrationResult calibrate(const std::string& scenario_file, const ClaimSet& claims, const CalibrationOptions& opt) {
  Document doc = load_document(scenario_file);
  build_scenario(*doc.table);
  CalibrationResult res;
  res.parameters = calibration_parameters(*doc.table);
  const auto& params = res.parameters;
  const std::size_t D = params.size();
  Search s{*doc.table, claims, params, opt, std::chrono::steady_clock::now(), 0, 0, 0,
           std::numeric_limits<double>::infinity(), {}, {}, {}};
  if (!opt.checkpoint.empty()) {
    if (opt.resume) {
      std::ifstream in(opt.checkpoint);
      if (!in) throw InputError("--resume: no checkpoint file '" + opt.checkpoint + "'");
      std::string line;
      while (std::getline(in, line)) {
        std::istringstream ls(line);
        std::string key, f;
        if (!(ls >> key >> f) || key.size() != 16 * D || f.size() != 16) continue;  // a torn line
        s.cache[key] = from_hex_bits(f);
      }
    }
    // Append-only (a torn last line from a kill is ended and then skipped by readers), so
    // under mpirun the other ranks can read it while rank 0, which alone writes, goes on.
    if (cluster().rank == 0) {
      if (!opt.resume) std::remove(opt.checkpoint.c_str());
      s.log.open(opt.checkpoint, std::ios::app);
      if (!s.log) throw InputError("cannot write checkpoint '" + opt.checkpoint + "'");
      s.log << '\n';
      s.log.flush();
    }
  }
  std::mt19937_64 rng(opt.seed);
  std::uniform_real_distribution<double> uni(0.0, 1.0);

  const double cap = opt.seconds > 0 ? opt.seconds : 1e12;
  for (int st = 0; st < opt.starts && s.best > 0 && s.seconds() < cap; ++st) {
    s.start = st;
    std::vector<double> x(D);
    for (std::size_t i = 0; i < D; ++i) x[i] = st == 0 ? to_unit(params[i], params[i].start) : uni(rng);
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
      global.set_maxeval(std::max(10, opt.evaluations * 2 / 3));
      if (opt.seconds > 0) global.set_maxtime(remaining * 0.66 / std::max(1, opt.starts - st));
      global.set_stopval(0.0);
      double f;
      global.optimize(x, f);
    } catch (const nlopt::forced_stop&) {
    } catch (const std::runtime_error&) {
    }
    if (s.best <= 0) break;
    try {
      for (std::size_t i = 0; i < D; ++i) x[i] = to_unit(params[i], s.best_x[i]);
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
  if (opt.stop && opt.stop->load()) throw Interrupted("calibration interrupted");
  res.best = s.best_x.empty() ? std::vector<double>() : s.best_x;
  if (res.best.empty()) {
    for (const auto& p : params) res.best.push_back(p.start);
  }
  res.objective = s.best;
  res.evaluations = s.evaluations;
  res.replayed = s.replayed;
  res.seconds = s.seconds();
  auto final_doc = clone(*doc.table);
  set_parameters(*final_doc, params, res.best);
  ClaimOptions co;
  co.runs = opt.runs;
  co.seed = opt.seed;
  co.threads = opt.threads;
  res.report = evaluate_claims(*final_doc, claims, co);
  return res;
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
      std::ostringstream v;
      v << std::setprecision(6) << r.best[i];
      std::string s = v.str();
      if (s.find_first_of(".e") == std::string::npos) s += ".0";
      os << "\"" << r.parameters[i].path << "\" = " << s << "\n";
    }
  });
}

}  // namespace smartpower
