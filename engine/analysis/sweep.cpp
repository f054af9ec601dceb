#include "smartpower/analysis/sweep.hpp"
#include "smartpower/core/format.hpp"
#include "smartpower/core/selector.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <fstream>
#include <cstring>
#include <charconv>
#include <cmath>
#include <exception>
#include <limits>
#include <numeric>
#include <sstream>

#include "smartpower/io/checkpoint.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/ensemble.hpp"
#include "smartpower/core/executor.hpp"
#include "smartpower/core/keys.hpp"
#include "smartpower/core/memory.hpp"
#include "smartpower/io/output.hpp"
#include "smartpower/analysis/posterior.hpp"
#include "smartpower/analysis/sweep_toml.hpp"
#include "core/splitmix64.hpp"
#include "io/toml_reader.hpp"

namespace smartpower {

namespace {

constexpr const char* kSetForm = "PATH=LO:HI:STEP (for example model.rho=0.1:0.9:0.2)";

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

[[noreturn]] void bad_spec(std::string_view text, const std::string& why) {
  throw InputError("--set '" + std::string(text) + "': " + why);
}

// A decimal number; `decimals` = digits after the point (-1 with an exponent).
bool parse_number(const std::string& token, double& value, int& decimals) {
  std::string t = token;
  if (!t.empty() && t[0] == '+') t.erase(0, 1);
  if (t.empty()) return false;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), value);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size() || !std::isfinite(value)) return false;
  if (t.find_first_of("eE") != std::string::npos) {
    decimals = -1;
  } else {
    const auto dot = t.find('.');
    decimals = dot == std::string::npos ? 0 : static_cast<int>(t.size() - dot - 1);
  }
  return true;
}



// Sets a number, keeping an integer key an integer when the value is whole.
void set_number(toml::table& doc, const std::string& path, double v) {
  const toml::node* cur = get_path(doc, path);
  if (cur && cur->is_integer() && v == std::floor(v) && std::fabs(v) < 9.0e15) {
    toml::value<std::int64_t> iv(static_cast<std::int64_t>(v));
    set_path(doc, path, std::move(iv), SourcePos{});
  } else {
    set_path(doc, path, v);
  }
}

std::size_t grid_count(const SetSpec& s) {
  if (s.hi == s.lo) return 1;
  const double n = std::floor((s.hi - s.lo) / s.step + 1e-9) + 1;
  return n > 1e15 ? static_cast<std::size_t>(1e15) : static_cast<std::size_t>(n);
}

// The points are built in memory (a row of parameter values per point) before any point
// runs and before the caller can weigh the sweep's memory: at most this many values
// (points x parameters; 128 MB of doubles), or --lhs 1000000 with hundreds of --set
// would take gigabytes here.
constexpr double kMaxPointValues = 16e6;

void check_point_values(double points, std::size_t parameters, const std::string& what) {
  const double values = points * static_cast<double>(std::max<std::size_t>(parameters, 1));
  if (values <= kMaxPointValues) return;
  const auto whole = [](double v) { return std::to_string(static_cast<long long>(v)); };
  throw InputError(what + ": " + whole(points) + " points x " + std::to_string(parameters) + " parameters would hold " +
                   whole(values) + " values (about " +
                   whole(points * (40.0 + 8.0 * static_cast<double>(parameters)) / 1e6) +
                   " MB) before any point runs, more than the limit of " + whole(kMaxPointValues) +
                   " values: use fewer points (larger steps, a smaller --lhs) or fewer --set parameters");
}

void check_distinct(const std::vector<SetSpec>& specs) {
  if (specs.empty()) throw InputError("no --set given: expected at least one --set " + std::string(kSetForm));
  for (std::size_t a = 0; a < specs.size(); ++a) {
    for (std::size_t b = a + 1; b < specs.size(); ++b) {
      if (specs[a].path == specs[b].path) {
        throw InputError("--set '" + specs[b].text + "': '" + specs[a].path + "' is already set by --set '" +
                         specs[a].text + "'; give each parameter once");
      }
    }
  }
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string describe_point(const std::vector<std::string>& paths, const std::vector<double>& values) {
  std::string s;
  for (std::size_t p = 0; p < paths.size(); ++p) s += (p ? ", " : "") + paths[p] + " = " + format_number(values[p]);
  return s;
}

// ---- the evaluator shared by sweeps and Morris ----

struct EvalSpec {
  const toml::table* base;  // the resolved document (checkpoint identity, posterior particles), or null
  const std::vector<std::string>& paths;
  const std::vector<std::vector<double>>& points;
  const std::vector<Outcome>& outcomes;
  int runs;
  std::optional<std::uint64_t> seed;  // none: each point's [scenario] seed (sweeping it works)
  int threads;
  const std::function<void(long long, long long)>& progress;
  const std::atomic<bool>* stop;
  std::string checkpoint;
  bool resume;
  std::vector<std::string> inputs;  // files the checkpoint must never be
  const Posterior* posterior = nullptr;  // run r of every point takes a drawn particle, then the point's values
  int draws = 0;
  const RunPlans* plans = nullptr;  // the points: plans->scenario(i), set through typed handles
};

// The points as run plans over the scenario read once: each value set through a typed
// handle (no TOML per point), range-checked now; an error names the point.
RunPlans plans_of(const Scenario& base, const std::vector<std::string>& paths,
                  const std::vector<std::vector<double>>& points) {
  RunPlans plans(base, paths);
  for (std::size_t i = 0; i < points.size(); ++i) {
    try {
      plans.add(points[i]);
    } catch (const InputError& err) {
      throw InputError("point " + std::to_string(i) + " (" + describe_point(paths, points[i]) + "): " + err.message());
    }
  }
  return plans;
}

// A posterior's identity for checkpoints: its columns, weights and values, bit for bit.
std::string posterior_hash(const Posterior& p, int draws) {
  std::uint64_t h = fnv1a64("");
  for (const auto& path : p.paths) h = fnv1a64(path + '\n', h);
  for (double w : p.weights) h = fnv1a64(hex_bits(w), h);
  for (double v : p.values) h = fnv1a64(hex_bits(v), h);
  return hex64(h) + " draws=" + std::to_string(draws);
}

// Checkpoint lines: "point hex(mean) hex(q05) hex(q95) ..." after a header line that
// identifies the sweep (hashes of the resolved scenario, with its lens, and of every
// option that changes results); doubles as exact bit patterns so a resumed sweep is
// byte-identical. Every line is parsed strictly: a corrupt one is an input error naming
// the file and line, never a silently wrong row.
class Checkpoint {
 public:
  Checkpoint(const EvalSpec& e, std::size_t n_outcomes) : n_(n_outcomes) {
    if (e.checkpoint.empty()) return;
    std::uint64_t values = fnv1a64("");
    for (const auto& pt : e.points) {
      for (double v : pt) values = fnv1a64(hex_bits(v), values);
    }
    std::uint64_t paths = fnv1a64(""), outcomes = fnv1a64("");
    for (const auto& p : e.paths) paths = fnv1a64(p + '\n', paths);
    for (const auto& o : e.outcomes) outcomes = fnv1a64(o.name + '\n', outcomes);
    std::vector<std::string> fields = {
        "scenario=" + hex64(fnv1a64(to_toml(*e.base))),
        "runs=" + std::to_string(e.runs),
        "seed=" + (e.seed ? std::to_string(*e.seed) : std::string("scenario")),
        "points=" + std::to_string(e.points.size()),
        "paths=" + hex64(paths),
        "values=" + hex64(values),
        "outcomes=" + hex64(outcomes)};
    if (e.posterior) fields.push_back("posterior=" + posterior_hash(*e.posterior, e.draws));
    std::vector<CheckpointFile::Field> describe = {
        {"posterior", "another --posterior or --draws"},
        {"draws", "another --posterior or --draws"},
        {"scenario", "another scenario or lens (the file, its extends chain or --lens changed)"},
        {"runs", "another --runs"},
        {"seed", "another --seed"},
        {"paths", "other --set parameters"},
        {"points", "other --set ranges or --lhs"},
        {"values", "other --set ranges or --lhs"},
        {"outcomes", "other --output selectors"}};
    file_ = std::make_unique<CheckpointFile>(e.checkpoint, "sweep", "v2", std::move(fields), std::move(describe),
                                             e.inputs, e.resume, cluster().rank == 0);
    for (const auto& line : file_->lines()) {
      const auto f = split_fields(line.text);
      std::size_t i = 0;
      if (!parse_index(f[0], i)) file_->corrupt(line, "'" + std::string(f[0]) + "' is not a point number");
      if (i >= e.points.size()) {
        file_->corrupt(line, "point " + std::to_string(i) + " is beyond the sweep's " + std::to_string(e.points.size()) +
                                 " points");
      }
      if (f.size() != 1 + 3 * n_) {
        file_->corrupt(line, "expected " + std::to_string(1 + 3 * n_) + " fields (the point and mean, q05, q95 of " +
                                 std::to_string(n_) + " outcomes), found " + std::to_string(f.size()));
      }
      std::vector<OutcomeStats> st(n_);
      for (std::size_t k = 0; k < 3 * n_; ++k) {
        double v = 0;
        if (!parse_hex_bits(f[1 + k], v)) {
          file_->corrupt(line, "field " + std::to_string(k + 2) + " '" + std::string(f[1 + k]) +
                                   "' is not 16 hex digits");
        }
        if (!std::isfinite(v)) file_->corrupt(line, "field " + std::to_string(k + 2) + " is not a finite number");
        (k % 3 == 0 ? st[k / 3].mean : k % 3 == 1 ? st[k / 3].q05 : st[k / 3].q95) = v;
      }
      const auto [it, fresh] = done_.emplace(i, st);
      if (!fresh) {
        for (std::size_t o = 0; o < n_; ++o) {
          if (std::memcmp(&it->second[o], &st[o], sizeof st[o]) != 0) {
            file_->corrupt(line, "point " + std::to_string(i) + " appears twice with different values");
          }
        }
      }
    }
  }
  const std::vector<OutcomeStats>* find(std::size_t i) const {
    auto it = done_.find(i);
    return it == done_.end() ? nullptr : &it->second;
  }
  void record(std::size_t i, const std::vector<OutcomeStats>& st) {
    if (!file_) return;
    std::string line = std::to_string(i);
    for (const auto& o : st) line += ' ' + hex_bits(o.mean) + ' ' + hex_bits(o.q05) + ' ' + hex_bits(o.q95);
    file_->append(line);
  }
  CheckpointRef ref() const { return file_ ? file_->ref() : CheckpointRef{}; }

 private:
  std::size_t n_;
  std::map<std::size_t, std::vector<OutcomeStats>> done_;
  std::unique_ptr<CheckpointFile> file_;
};

struct Evaluator {
  const EvalSpec& e;
  std::vector<std::size_t> columns;            // metric indices kept per run
  std::vector<std::vector<std::size_t>> where;  // outcome -> positions in columns

  explicit Evaluator(const EvalSpec& spec) : e(spec) {
    for (const auto& o : e.outcomes) columns.insert(columns.end(), o.indices.begin(), o.indices.end());
    std::sort(columns.begin(), columns.end());
    columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
    for (const auto& o : e.outcomes) {
      std::vector<std::size_t> w;
      for (auto idx : o.indices) {
        w.push_back(static_cast<std::size_t>(std::lower_bound(columns.begin(), columns.end(), idx) - columns.begin()));
      }
      where.push_back(std::move(w));
    }
  }

  std::vector<OutcomeStats> point(std::size_t i, int threads, const std::function<void(int, int)>& inner) const {
    const auto& values = e.points[i];
    std::unique_ptr<const Model> compiled;
    try {
      compiled = std::make_unique<const Model>(e.plans->scenario(i));  // set, then validated by Model
    } catch (const InputError& err) {
      throw InputError("point " + std::to_string(i) + " (" + describe_point(e.paths, values) + "): " + err.message());
    }
    const Model& model = *compiled;
    EnsembleOptions eo;
    eo.runs = e.runs;
    eo.seed = e.seed.value_or(model.scenario().info.seed);
    // With a posterior, run r takes the particle drawn for run r (the same at every point:
    // common random numbers over parameters too), then this point's values on top.
    std::vector<std::shared_ptr<const Model>> models;
    auto model_of = [&](int k) -> std::shared_ptr<const Model> {
      if (models.empty()) models.resize(static_cast<std::size_t>(e.posterior->size()));
      auto& m = models[static_cast<std::size_t>(k)];
      if (m) return m;
      auto d = clone(*e.base);
      try {
        apply_particle(*d, *e.posterior, k);
        for (std::size_t p = 0; p < e.paths.size(); ++p) set_number(*d, e.paths[p], values[p]);
        m = std::make_shared<const Model>(build_scenario(*d));
      } catch (const InputError& err) {
        throw InputError(SourcePos{e.posterior->file, 0, 0}, "point " + std::to_string(i) + " (" +
                                                                describe_point(e.paths, values) + ") with posterior particle " +
                                                                std::to_string(k + 1) + ": " + err.message());
      }
      return m;
    };
    eo.threads = threads;
    eo.final_columns = columns;
    eo.series_stats = false;
    eo.stop = e.stop;
    if (inner) eo.progress = inner;
    EnsembleResult r;
    try {
      r = e.posterior ? run_grouped_ensemble(posterior_particles(*e.posterior, eo.seed, e.runs, e.draws), model_of, eo)
                      : run_ensemble(model, eo);
    } catch (const NumericalError& err) {
      throw NumericalError("point " + std::to_string(i) + " (" + describe_point(e.paths, values) + "): " + err.what());
    }
    std::vector<OutcomeStats> out;
    std::vector<double> v(static_cast<std::size_t>(r.runs));
    for (const auto& w : where) {
      double mean = 0;
      for (int run = 0; run < r.runs; ++run) {
        double x = 0;
        for (auto c : w) x += r.final_value(run, c);
        v[static_cast<std::size_t>(run)] = x;
        mean += (x - mean) / (run + 1);
      }
      OutcomeStats s;
      s.mean = mean;
      s.q05 = quantile(v, 0.05);
      s.q95 = quantile(v, 0.95);
      out.push_back(s);
    }
    return out;
  }

  std::vector<std::vector<OutcomeStats>> run(CheckpointRef* ref = nullptr) const {
    const std::size_t P = e.points.size();
    const long long runs = e.runs;
    const long long total = static_cast<long long>(P) * runs;
    std::vector<std::vector<OutcomeStats>> res(P);
    Checkpoint ck(e, e.outcomes.size());
    if (ref) *ref = ck.ref();
    const int T = std::max(1, e.threads);
    if (cluster().size > 1) {
      // mpirun: points are split over the ranks (each point's runs stay on its rank) and
      // gathered in point order on every rank: the same bytes as one process.
      const std::size_t per = e.outcomes.size() * 3;
      const auto flat = distributed_map(static_cast<int>(P), per, [&](int i, std::span<double> out) {
        const auto* cached = ck.find(static_cast<std::size_t>(i));
        const std::vector<OutcomeStats> r = cached ? *cached : point(static_cast<std::size_t>(i), T, {});
        if (!cached) ck.record(static_cast<std::size_t>(i), r);
        for (std::size_t o = 0; o < r.size(); ++o) {
          out[3 * o] = r[o].mean;
          out[3 * o + 1] = r[o].q05;
          out[3 * o + 2] = r[o].q95;
        }
      });
      for (std::size_t i = 0; i < P; ++i) {
        res[i].resize(e.outcomes.size());
        for (std::size_t o = 0; o < e.outcomes.size(); ++o) {
          res[i][o] = {flat[i * per + 3 * o], flat[i * per + 3 * o + 1], flat[i * per + 3 * o + 2]};
        }
      }
      if (e.progress) e.progress(total, total);
      return res;
    }
    // Whole points on separate threads when there are enough of them (or too few runs
    // to split); otherwise one point at a time, its runs split by run_ensemble.
    const bool across = T > 1 && P > 1 && (P >= static_cast<std::size_t>(T) || e.runs < 16 * T);
    if (!across) {
      for (std::size_t i = 0; i < P; ++i) {
        if (e.stop && e.stop->load()) throw Interrupted("sweep interrupted");
        const long long before = static_cast<long long>(i) * runs;
        std::function<void(int, int)> inner;
        if (e.progress) inner = [&](int done, int) { e.progress(before + done, total); };
        if (const auto* cached = ck.find(i)) {
          res[i] = *cached;
          if (e.progress) e.progress(before + runs, total);
          continue;
        }
        res[i] = point(i, T, inner);
        ck.record(i, res[i]);
      }
      return res;
    }
    const int workers = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(T), P));
    // Points are taken in index order, and the lowest failing point is reported: the same
    // one for any thread count. Threads the system refuses are done without (same results).
    parallel_for(
        P, workers,
        [&](std::size_t i) {
          if (e.stop && e.stop->load()) return;
          if (const auto* cached = ck.find(i)) {
            res[i] = *cached;
          } else {
            res[i] = point(i, 1, {});
            ck.record(i, res[i]);
          }
        },
        [&](std::size_t done) {
          if (e.progress) e.progress(static_cast<long long>(done) * runs, total);
        });
    if (e.stop && e.stop->load()) throw Interrupted("sweep interrupted");
    return res;
  }
};

std::vector<Outcome> resolve_outcomes(const std::vector<std::string>& selectors, const Model& model,
                                      std::vector<Outcome> (*fallback)(const Model&)) {
  if (selectors.empty()) return fallback(model);
  std::vector<Outcome> out;
  for (const auto& s : selectors) out.push_back(resolve_outcome(s, model));
  return out;
}

}  // namespace

// ---- Parameter ranges ----------------------------------------------------------------

SetSpec parse_set_spec(std::string_view text) {
  SetSpec s;
  s.text = std::string(text);
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) bad_spec(text, std::string("no '=': expected ") + kSetForm);
  s.path = trim(text.substr(0, eq));
  if (s.path.empty()) bad_spec(text, std::string("no parameter path before '=': expected ") + kSetForm);
  std::vector<std::string> tokens;
  std::string_view rest = text.substr(eq + 1);
  while (true) {
    const auto colon = rest.find(':');
    tokens.push_back(trim(rest.substr(0, colon)));
    if (colon == std::string_view::npos) break;
    rest = rest.substr(colon + 1);
  }
  if (tokens.size() > 3) {
    bad_spec(text, "too many ':' after '=': expected LO:HI:STEP (or LO:HI with --lhs, or one VALUE)");
  }
  static const char* names[] = {"LO", "HI", "STEP"};
  double v[3] = {0, 0, 0};
  int dec[3] = {0, 0, 0};
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    if (!parse_number(tokens[t], v[t], dec[t])) {
      const std::string name = tokens.size() == 1 ? "VALUE" : names[t];
      bad_spec(text, name + " = '" + tokens[t] + "' is not a number: expected " + kSetForm);
    }
  }
  if (tokens.size() == 1) {
    s.lo = s.hi = v[0];
    s.decimals = dec[0];
    return s;
  }
  s.lo = v[0];
  s.hi = v[1];
  if (s.lo > s.hi) {
    bad_spec(text, "LO = " + format_number(s.lo) + " is greater than HI = " + format_number(s.hi) +
                       ": expected LO <= HI");
  }
  s.decimals = dec[0];
  if (tokens.size() == 3) {
    s.step = v[2];
    s.has_step = true;
    if (!(s.step > 0)) bad_spec(text, "STEP = " + format_number(s.step) + " must be positive");
    s.decimals = (dec[0] < 0 || dec[2] < 0) ? -1 : std::max(dec[0], dec[2]);
  }
  return s;
}

void check_set_spec(const toml::table& doc, const SetSpec& spec) {
  const std::string prefix = "--set '" + spec.text + "': ";
  if (const toml::node* n = get_path(doc, spec.path)) {
    if (!n->is_number()) {
      throw InputError(prefix + "'" + spec.path + "' is " + detail::type_name(*n) + " in the scenario, not a number");
    }
  } else {
    // Walk the path to say where it leaves the scenario, with the closest name.
    const auto parts = split_dotted_path(spec.path);
    const toml::node* cur = &doc;
    std::string walked;
    for (std::size_t p = 0; p < parts.size(); ++p) {
      const auto& part = parts[p];
      const toml::node* next = nullptr;
      std::vector<std::string> choices;
      if (const auto* t = cur->as_table()) {
        next = t->get(part);
        for (auto&& [k, v] : *t) choices.emplace_back(k.str());
        if (p == 0) {
          for (const char* sec : {"scenario", "model", "levers", "actors", "relations", "events", "moves"}) choices.emplace_back(sec);
        } else if (p + 1 == parts.size()) {
          for (const Key& k : scenario_keys()) {
            if (k.type == KeyType::number || k.type == KeyType::integer) choices.emplace_back(k.name());
          }
        }
      } else if (const auto* a = cur->as_array()) {
        for (const auto& el : *a) {
          if (const auto* et = el.as_table()) {
            if (const auto* id = et->get_as<std::string>("id")) {
              choices.push_back(id->get());
              if (id->get() == part) next = &el;
            }
          }
        }
        if (!next && !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit) && part.size() < 9) {
          const auto idx = std::stoul(part);
          if (idx < a->size()) next = a->get(idx);
        }
      } else {
        throw InputError(prefix + "'" + walked + "' is " + detail::type_name(*cur) + ", so it has no '" + part + "'");
      }
      if (!next) {
        // A missing last key (or optional table) may still be a valid key that takes its
        // default: let the validator decide, and use its message (it names the closest key).
        if (cur->is_table()) {
          auto probe = clone(doc);
          try {
            set_path(*probe, spec.path, spec.lo);
            build_scenario(*probe);
            break;  // a valid key (or optional section) the scenario leaves at its default
          } catch (const InputError& err) {
            // Near the leaf the validator's message is the best (it names the closest key).
            if (p > 0 && p + 2 >= parts.size()) {
              throw InputError(prefix + "the scenario has no number at '" + spec.path + "': " + err.message());
            }
          }
        }
        std::string msg = prefix + "'" + part + "' not found" + (walked.empty() ? "" : " under '" + walked + "'");
        std::sort(choices.begin(), choices.end());
        choices.erase(std::unique(choices.begin(), choices.end()), choices.end());
        const auto near = closest_match(part, choices);
        if (!near.empty()) msg += "; did you mean '" + near + "'?";
        msg += " (expected a dotted path to a number such as model.rho, actors.ID.budget or levers.ID.weight)";
        throw InputError(msg);
      }
      walked += (walked.empty() ? "" : ".") + part;
      cur = next;
    }
  }
  // LO and HI must be values the scenario accepts (ranges are intervals, so every value
  // in between is then accepted too, unless a constraint ties several keys).
  for (int end = 0; end < 2; ++end) {
    const double v = end == 0 ? spec.lo : spec.hi;
    if (end == 1 && spec.hi == spec.lo) break;
    auto probe = clone(doc);
    try {
      set_number(*probe, spec.path, v);
      build_scenario(*probe);
    } catch (const InputError& err) {
      const std::string which = spec.lo == spec.hi ? "VALUE" : end == 0 ? "LO" : "HI";
      throw InputError(prefix + which + " = " + format_number(v) + " is not accepted: " + err.message());
    }
  }
}

std::vector<double> grid_values(const SetSpec& s) {
  if (s.lo == s.hi) return {s.lo};
  if (!s.has_step) {
    bad_spec(s.text, "a grid needs a STEP: expected " + std::string(kSetForm) + ", or sample LO:HI with --lhs N");
  }
  const std::size_t n = grid_count(s);
  if (n > 10'000'000) bad_spec(s.text, "STEP is so small that this axis alone has " + std::to_string(n) + " values");
  std::vector<double> out;
  out.reserve(n);
  const double scale = (s.decimals >= 0 && s.decimals <= 15) ? std::pow(10.0, s.decimals) : 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    double v = s.lo + static_cast<double>(i) * s.step;
    // Snap to the decimals the spec was written with: 0.1 + 2 * 0.1 is 0.30000000000000004,
    // but the user meant 0.3 (k / 10^d is the double nearest to the decimal).
    if (scale > 0 && std::fabs(v) * scale < 0x1.0p52) v = std::round(v * scale) / scale;
    out.push_back(std::min(v, s.hi));
  }
  return out;
}

std::vector<std::vector<double>> grid_points(const std::vector<SetSpec>& specs, std::size_t max_points) {
  check_distinct(specs);
  double total = 1;
  std::string dims;
  for (const auto& s : specs) {
    if (s.lo != s.hi && !s.has_step) grid_values(s);  // throws: needs a STEP
    total *= static_cast<double>(grid_count(s));
    dims += (dims.empty() ? "" : " x ") + std::to_string(grid_count(s));
  }
  if (total > static_cast<double>(max_points)) {
    throw InputError("--set: the grid has " + format_significant(total, 15) + " points (" + dims +
                     "), more than the limit of " + std::to_string(max_points) +
                     ": use larger steps, fewer parameters, or --lhs N");
  }
  check_point_values(total, specs.size(), "--set: the grid");
  std::vector<std::vector<double>> axes;
  for (const auto& s : specs) axes.push_back(grid_values(s));
  const auto P = static_cast<std::size_t>(total);
  std::vector<std::vector<double>> points(P, std::vector<double>(specs.size()));
  for (std::size_t i = 0; i < P; ++i) {
    std::size_t rest = i;  // mixed radix, last axis fastest
    for (std::size_t d = specs.size(); d-- > 0;) {
      points[i][d] = axes[d][rest % axes[d].size()];
      rest /= axes[d].size();
    }
  }
  return points;
}

std::vector<std::vector<double>> latin_hypercube(std::size_t n, std::size_t dims, std::uint64_t seed) {
  std::vector<std::vector<double>> u(n, std::vector<double>(dims));
  SplitMix64 rng(seed);
  std::vector<std::size_t> perm(n);
  const double dn = static_cast<double>(n);
  for (std::size_t d = 0; d < dims; ++d) {
    std::iota(perm.begin(), perm.end(), std::size_t{0});
    rng.shuffle(perm);
    for (std::size_t i = 0; i < n; ++i) {
      const double s = static_cast<double>(perm[i]);
      double x = (s + rng.uniform()) / dn;
      // Keep the point inside its stratum against rounding at the edges.
      while (x > 0 && std::floor(x * dn) > s) x = std::nextafter(x, 0.0);
      while (std::floor(x * dn) < s) x = std::nextafter(x, 1.0);
      u[i][d] = x;
    }
  }
  return u;
}

std::vector<std::vector<double>> lhs_points(const std::vector<SetSpec>& specs, std::size_t n, std::uint64_t seed,
                                            std::size_t max_points) {
  check_distinct(specs);
  if (n < 1 || n > max_points) {
    throw InputError("--lhs " + std::to_string(n) + ": expected a number of points from 1 to " + std::to_string(max_points));
  }
  check_point_values(static_cast<double>(n), specs.size(), "--lhs " + std::to_string(n));
  auto u = latin_hypercube(n, specs.size(), seed);
  for (auto& row : u) {
    for (std::size_t d = 0; d < specs.size(); ++d) {
      const auto& s = specs[d];
      row[d] = s.lo == s.hi ? s.lo : std::min(s.hi, s.lo + row[d] * (s.hi - s.lo));
    }
  }
  return u;
}

// ---- Outcomes ------------------------------------------------------------------------

Outcome resolve_outcome(std::string_view selector, const Model& model) {
  Outcome o;
  o.name = trim(selector);
  o.indices = resolve_selector(o.name, model.scenario(), model.layout());
  return o;
}

std::vector<Outcome> default_sweep_outcomes(const Model& model) {
  const auto& sc = model.scenario();
  const auto& L = model.layout();
  const int N = model.n_actors();
  std::vector<Outcome> out;
  for (int i = 0; i < N; ++i) out.push_back({"balance[" + sc.actors[i].id + "]", {L.index(Metric::balance, i)}});
  for (Metric m : {Metric::dependence, Metric::alignment, Metric::threat}) {
    for (int i = 0; i < N; ++i) {
      for (int j = 0; j < N; ++j) {
        if (i == j) continue;
        out.push_back({std::string(metric_info(m).name) + "[" + sc.actors[i].id + "," + sc.actors[j].id + "]",
                       {L.index(m, i, j)}});
      }
    }
  }
  return out;
}

std::vector<Outcome> default_morris_outcomes(const Model& model) {
  const auto& sc = model.scenario();
  const auto& L = model.layout();
  const int N = model.n_actors();
  std::vector<Outcome> out;
  for (int i = 0; i < N; ++i) out.push_back({"balance[" + sc.actors[i].id + "]", {L.index(Metric::balance, i)}});
  for (int j = 1; j < N; ++j) {
    out.push_back({"dependence[" + sc.actors[0].id + "," + sc.actors[j].id + "]", {L.index(Metric::dependence, 0, j)}});
  }
  return out;
}

// ---- Sweeps --------------------------------------------------------------------------

SweepResult run_sweep(const toml::table& resolved, const std::vector<std::string>& paths,
                      const std::vector<std::vector<double>>& points, const SweepOptions& opt) {
  if (opt.runs < 1) throw InputError("--runs must be at least 1");
  for (const auto& pt : points) {
    if (pt.size() != paths.size()) throw InputError("run_sweep: every point needs one value per parameter path");
  }
  const Model base(build_scenario(resolved));
  const auto outcomes = resolve_outcomes(opt.outputs, base, default_sweep_outcomes);
  SweepResult res;
  res.parameters = paths;
  for (const auto& o : outcomes) res.outcomes.push_back(o.name);
  res.runs = opt.runs;
  res.seed = opt.seed.value_or(base.scenario().info.seed);
  const RunPlans plans = plans_of(base.scenario(), paths, points);
  EvalSpec spec{&resolved,    paths,    points,         outcomes,   opt.runs,   opt.seed,      opt.threads,
                opt.progress, opt.stop, opt.checkpoint, opt.resume, opt.inputs, opt.posterior, opt.draws};
  spec.plans = &plans;
  res.uncertainty = uncertainty_label(opt.posterior, opt.runs, opt.draws);
  auto stats = Evaluator(spec).run(&res.checkpoint);
  res.rows.resize(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    res.rows[i].point = i;
    res.rows[i].values = points[i];
    res.rows[i].outcomes = std::move(stats[i]);
  }
  return res;
}

SweepResult run_sweep(const RunPlans& plans, const SweepOptions& opt) {
  if (opt.runs < 1) throw InputError("--runs must be at least 1");
  if (!opt.checkpoint.empty()) throw InputError("a sweep of run plans keeps no checkpoint: run it without one");
  if (opt.posterior) throw InputError("a sweep of run plans takes no posterior (a particle patches a scenario document)");
  const Model base(plans.base());
  const auto outcomes = resolve_outcomes(opt.outputs, base, default_sweep_outcomes);
  std::vector<std::string> paths;
  for (const auto& p : plans.parameters()) paths.push_back(p.path());
  SweepResult res;
  res.parameters = paths;
  for (const auto& o : outcomes) res.outcomes.push_back(o.name);
  res.runs = opt.runs;
  res.seed = opt.seed.value_or(base.scenario().info.seed);
  EvalSpec spec{nullptr,     paths,        plans.rows(), outcomes, opt.runs, opt.seed,
                opt.threads, opt.progress, opt.stop,     {},       false,    {}};
  spec.plans = &plans;
  auto stats = Evaluator(spec).run();
  res.rows.resize(plans.size());
  for (std::size_t i = 0; i < plans.size(); ++i) {
    res.rows[i].point = i;
    res.rows[i].values = plans.values(i);
    res.rows[i].outcomes = std::move(stats[i]);
  }
  return res;
}

void write_sweep_csv(std::ostream& out, const SweepResult& r) {
  out << "point";
  for (const auto& p : r.parameters) out << "," << csv_field(p);
  for (const auto& o : r.outcomes) {
    out << "," << csv_field(o);
    if (r.runs > 1) out << "," << csv_field(o + ".q05") << "," << csv_field(o + ".q95");
  }
  out << "\n";
  for (const auto& row : r.rows) {
    out << row.point;
    for (double v : row.values) out << "," << format_number(v);
    for (const auto& s : row.outcomes) {
      out << "," << format_number(s.mean);
      if (r.runs > 1) out << "," << format_number(s.q05) << "," << format_number(s.q95);
    }
    out << "\n";
  }
}

// ---- Morris --------------------------------------------------------------------------

MorrisDesign morris_design(int k, int trajectories, int levels, std::uint64_t seed, int candidates) {
  if (k < 1) throw InputError("Morris screening needs at least one parameter");
  if (trajectories < 1) throw InputError("--trajectories must be at least 1");
  if (levels < 2 || levels % 2 != 0) {
    throw InputError("--levels " + std::to_string(levels) + ": expected an even number of grid levels >= 2 (4 is usual)");
  }
  const int M = candidates > trajectories ? candidates : trajectories;
  const int half = levels / 2;
  const double top = levels - 1;
  SplitMix64 rng(seed);
  struct Traj {
    std::vector<std::vector<double>> rows;
    std::vector<int> changed;
  };
  std::vector<Traj> all(static_cast<std::size_t>(M));
  std::vector<int> level(static_cast<std::size_t>(k)), order(static_cast<std::size_t>(k));
  for (auto& tr : all) {
    // Base point on the grid; each factor then moves by delta = half levels, up from the
    // lower half of the grid and down from the upper half, in a random order.
    for (auto& l : level) l = static_cast<int>(rng.below(static_cast<std::size_t>(levels)));
    std::iota(order.begin(), order.end(), 0);
    rng.shuffle(order);
    auto row = [&]() {
      std::vector<double> u(level.size());
      for (std::size_t j = 0; j < level.size(); ++j) u[j] = level[j] / top;
      return u;
    };
    tr.rows.push_back(row());
    tr.changed.push_back(-1);
    for (int j : order) {
      auto& l = level[static_cast<std::size_t>(j)];
      l = l < half ? l + half : l - half;
      tr.rows.push_back(row());
      tr.changed.push_back(j);
    }
  }
  std::vector<std::size_t> keep(static_cast<std::size_t>(M));
  std::iota(keep.begin(), keep.end(), std::size_t{0});
  if (M > trajectories && trajectories >= 2) {
    // Campolongo et al. (2007): keep the trajectories that spread most over the space,
    // d(a, b) = sum over their point pairs of the Euclidean distance. Greedy: the most
    // distant pair, then repeatedly the candidate adding most to sum d^2.
    const auto Ms = static_cast<std::size_t>(M);
    std::vector<double> D(Ms * Ms, 0.0);
    for (std::size_t a = 0; a < Ms; ++a) {
      for (std::size_t b = a + 1; b < Ms; ++b) {
        double d = 0;
        for (const auto& x : all[a].rows) {
          for (const auto& y : all[b].rows) {
            double s = 0;
            for (std::size_t j = 0; j < x.size(); ++j) s += (x[j] - y[j]) * (x[j] - y[j]);
            d += std::sqrt(s);
          }
        }
        D[a * Ms + b] = D[b * Ms + a] = d;
      }
    }
    std::vector<std::size_t> chosen;
    std::vector<bool> used(Ms, false);
    std::size_t ba = 0, bb = 1;
    for (std::size_t a = 0; a < Ms; ++a) {
      for (std::size_t b = a + 1; b < Ms; ++b) {
        if (D[a * Ms + b] > D[ba * Ms + bb]) ba = a, bb = b;
      }
    }
    chosen = {ba, bb};
    used[ba] = used[bb] = true;
    while (chosen.size() < static_cast<std::size_t>(trajectories)) {
      std::size_t best = Ms;
      double best_gain = -1;
      for (std::size_t c = 0; c < Ms; ++c) {
        if (used[c]) continue;
        double g = 0;
        for (auto s : chosen) g += D[c * Ms + s] * D[c * Ms + s];
        if (g > best_gain) best_gain = g, best = c;
      }
      chosen.push_back(best);
      used[best] = true;
    }
    std::sort(chosen.begin(), chosen.end());
    keep = chosen;
  } else {
    keep.resize(static_cast<std::size_t>(trajectories));
  }
  MorrisDesign d;
  d.factors = k;
  d.trajectories = trajectories;
  d.levels = levels;
  d.delta = half / top;
  for (auto t : keep) {
    for (std::size_t r = 0; r < all[t].rows.size(); ++r) {
      d.unit.push_back(std::move(all[t].rows[r]));
      d.changed.push_back(all[t].changed[r]);
    }
  }
  return d;
}

std::vector<std::vector<MorrisEffect>> morris_effects(const MorrisDesign& d, const std::vector<std::vector<double>>& y) {
  if (y.size() != d.unit.size()) throw InputError("morris_effects: one outcome row is needed per design row");
  const std::size_t O = y.empty() ? 0 : y[0].size();
  const auto k = static_cast<std::size_t>(d.factors);
  std::vector<std::vector<MorrisEffect>> out(O, std::vector<MorrisEffect>(k));
  std::vector<std::vector<double>> ee(k);
  for (std::size_t o = 0; o < O; ++o) {
    for (auto& v : ee) v.clear();
    for (std::size_t r = 1; r < d.unit.size(); ++r) {
      const int j = d.changed[r];
      if (j < 0) continue;
      const auto ju = static_cast<std::size_t>(j);
      ee[ju].push_back((y[r][o] - y[r - 1][o]) / (d.unit[r][ju] - d.unit[r - 1][ju]));
    }
    for (std::size_t j = 0; j < k; ++j) {
      const auto& v = ee[j];
      if (v.empty()) continue;
      const double n = static_cast<double>(v.size());
      double sum = 0, abs_sum = 0;
      for (double e : v) sum += e, abs_sum += std::fabs(e);
      MorrisEffect& m = out[o][j];
      m.mu = sum / n;
      m.mu_star = abs_sum / n;
      double ss = 0;
      for (double e : v) ss += (e - m.mu) * (e - m.mu);
      m.sigma = v.size() > 1 ? std::sqrt(ss / (n - 1)) : 0.0;
    }
  }
  return out;
}

double parameter_value(const CalibrationParameter& p, double u) {
  if (u <= 0) return p.lo;
  if (u >= 1) return p.hi;
  const double v = p.log ? std::exp(std::log(p.lo) + u * (std::log(p.hi) - std::log(p.lo))) : p.lo + u * (p.hi - p.lo);
  return std::clamp(v, p.lo, p.hi);
}

MorrisResult run_morris(const toml::table& resolved, const std::vector<CalibrationParameter>& params,
                        const MorrisOptions& opt) {
  if (opt.runs < 1) throw InputError("--runs must be at least 1");
  if (params.empty()) throw InputError("Morris screening needs at least one parameter ([[calibration.parameters]])");
  const Model base(build_scenario(resolved));
  const auto outcomes = resolve_outcomes(opt.outputs, base, default_morris_outcomes);
  MorrisResult res;
  res.parameters = params;
  for (const auto& o : outcomes) res.outcomes.push_back(o.name);
  res.seed = opt.seed.value_or(base.scenario().info.seed);
  res.runs = opt.runs;
  res.design = morris_design(static_cast<int>(params.size()), opt.trajectories, opt.levels, res.seed, opt.candidates);
  std::vector<std::string> paths;
  for (const auto& p : params) paths.push_back(p.path);
  // Factors in the posterior move over its marginal (posterior_quantile), the others over
  // their prior range.
  std::vector<int> column(params.size(), -1);
  res.on_posterior.assign(params.size(), false);
  if (opt.posterior) {
    for (std::size_t j = 0; j < params.size(); ++j) {
      const auto& cols = opt.posterior->paths;
      const auto it = std::find(cols.begin(), cols.end(), params[j].path);
      if (it == cols.end()) continue;
      column[j] = static_cast<int>(it - cols.begin());
      res.on_posterior[j] = true;
      res.parameters[j].lo = posterior_quantile(*opt.posterior, static_cast<std::size_t>(column[j]), 0.0);
      res.parameters[j].hi = posterior_quantile(*opt.posterior, static_cast<std::size_t>(column[j]), 1.0);
    }
  }
  res.uncertainty = uncertainty_label(opt.posterior, opt.runs, opt.draws);
  std::vector<std::vector<double>> points;
  for (const auto& u : res.design.unit) {
    std::vector<double> v(u.size());
    for (std::size_t j = 0; j < u.size(); ++j) {
      v[j] = column[j] >= 0 ? posterior_quantile(*opt.posterior, static_cast<std::size_t>(column[j]), u[j])
                            : parameter_value(params[j], u[j]);
    }
    points.push_back(std::move(v));
  }
  const RunPlans plans = plans_of(base.scenario(), paths, points);
  EvalSpec spec{&resolved, paths, points, outcomes, opt.runs, opt.seed, opt.threads, opt.progress,
                opt.stop,  {},    false,  {},       opt.posterior, opt.draws};
  spec.plans = &plans;
  const auto stats = Evaluator(spec).run();
  std::vector<std::vector<double>> y(stats.size());
  for (std::size_t r = 0; r < stats.size(); ++r) {
    for (const auto& s : stats[r]) y[r].push_back(s.mean);
  }
  res.effects = morris_effects(res.design, y);
  return res;
}

std::vector<std::size_t> rank_by_mu_star(const std::vector<MorrisEffect>& effects) {
  std::vector<std::size_t> idx(effects.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return effects[a].mu_star > effects[b].mu_star; });
  return idx;
}

void write_morris_csv(std::ostream& out, const MorrisResult& r) {
  out << "outcome,rank,parameter,lo,hi,log,mu_star,mu,sigma\n";
  for (std::size_t o = 0; o < r.outcomes.size(); ++o) {
    const auto order = rank_by_mu_star(r.effects[o]);
    for (std::size_t n = 0; n < order.size(); ++n) {
      const auto& p = r.parameters[order[n]];
      const auto& e = r.effects[o][order[n]];
      out << csv_field(r.outcomes[o]) << "," << n + 1 << "," << csv_field(p.path) << "," << format_number(p.lo) << ","
          << format_number(p.hi) << "," << (p.log ? "true" : "false") << "," << format_number(e.mu_star) << ","
          << format_number(e.mu) << "," << format_number(e.sigma) << "\n";
    }
  }
}

}  // namespace smartpower
