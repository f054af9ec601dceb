// HTML reports (engine/internal/smartpower/report/report.hpp): the page's data as JSON, made here, in the
// template of web/report/ (engine/report_template.hpp), which draws the charts with
// Observable Plot in the browser. No external resources of any kind.
#include "smartpower/core/format.hpp"
#include "smartpower/report/report.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "report/report_template.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/io/output.hpp"
#include "smartpower/core/selector.hpp"
#include "smartpower/analysis/compare_toml.hpp"

namespace smartpower {

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

long RunSeries::find(std::size_t metric) const {
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (columns[c] == metric) return static_cast<long>(c);
  }
  return -1;
}

double RunSeries::quantile(std::size_t col, std::size_t instant, double q) const {
  const auto first = values.begin() + static_cast<std::ptrdiff_t>((col * instants + instant) * static_cast<std::size_t>(runs));
  std::vector<double> v(first, first + runs);
  return smartpower::quantile(v, q);
}

ReportRun run_for_report(std::shared_ptr<const Model> model, const std::string& focus, EnsembleOptions options,
                         const std::vector<std::size_t>& keep) {
  if (!model) throw std::invalid_argument("run_for_report: no model");
  if (options.runs < 1) throw InputError("--runs must be at least 1");
  const Scenario& sc = model->scenario();
  ReportRun rr;
  rr.model = model;
  rr.seed = options.seed;
  rr.focus = focus.empty() ? 0 : sc.actor_index(focus);
  if (rr.focus < 0) {
    std::vector<std::string> ids;
    std::string list;
    for (const auto& a : sc.actors) {
      ids.push_back(a.id);
      list += (list.empty() ? "" : ", ") + a.id;
    }
    const std::string near = closest_match(focus, ids);
    throw InputError("--actor '" + focus + "' is not an actor of '" + sc.info.name + "'" +
                     (near.empty() ? "" : " (did you mean '" + near + "'?)") + "; actors: " + list);
  }
  const auto& L = model->layout();
  const std::size_t M = L.size();
  RunSeries& s = rr.series;
  s.columns.push_back(L.index(Metric::balance, rr.focus));
  for (int j = 0; j < sc.n_actors(); ++j) {
    if (j != rr.focus) s.columns.push_back(L.index(Metric::dependence, rr.focus, j));
  }
  for (std::size_t idx : keep) {
    if (idx >= M) throw std::invalid_argument("run_for_report: metric index out of range");
    if (s.find(idx) < 0) s.columns.push_back(idx);
  }
  s.runs = options.runs;
  s.instants = recorded_steps(model->steps(), std::max(1, options.record_every)).size();
  const double cells = static_cast<double>(s.columns.size()) * static_cast<double>(s.instants) * options.runs;
  if (cells > 64e6) {
    throw InputError("a report keeps " + std::to_string(s.columns.size() * s.instants) +
                     " values per run for its bands; " + std::to_string(options.runs) +
                     " runs is too many (use fewer --runs)");
  }
  s.values.assign(static_cast<std::size_t>(cells), 0.0);
  auto user = options.on_series;
  const std::size_t I = s.instants;
  options.series_stats = true;
  options.on_series = [&s, user, M, I](int first, int count, std::span<const double> x) {
    const std::size_t R = static_cast<std::size_t>(s.runs);
    for (int r = 0; r < count; ++r) {
      for (std::size_t t = 0; t < I; ++t) {
        const double* row = x.data() + (static_cast<std::size_t>(r) * I + t) * M;
        for (std::size_t c = 0; c < s.columns.size(); ++c) {
          s.values[(c * I + t) * R + static_cast<std::size_t>(first + r)] = row[s.columns[c]];
        }
      }
    }
    if (user) user(first, count, x);
  };
  rr.result = run_ensemble(*model, options);
  return rr;
}

namespace {

// ---------------------------------------------------------------- text and numbers

std::string esc(std::string_view s) { return html_escape(s); }

// Fixed-point text without "-0.000" (ASCII, for SVG coordinates).
std::string fx_ascii(double v, int prec) {
  std::string s = format_fixed(v, prec);
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}
const char* kMinus = "\u2212";
const char* kNbsp = "\u00a0";
// Fixed-point text for readers: a typographic minus.
std::string fx(double v, int prec = 3) {
  std::string s = fx_ascii(v, prec);
  return s[0] == '-' ? kMinus + s.substr(1) : s;
}
// Signed, with a typographic minus.
std::string sfx(double v, int prec = 3) {
  std::string s = fx_ascii(v, prec);
  if (s[0] == '-') return kMinus + s.substr(1);
  if (s.find_first_not_of("0.") == std::string::npos) return "\u00b1" + s;
  return "+" + s;
}
std::string pct(double share, int prec = 1) { return fx(100 * share, prec) + kNbsp + "%"; }
std::string year(double t) {
  if (std::abs(t - std::round(t)) < 1e-9) return std::to_string(static_cast<long>(std::llround(t)));
  std::string s = fx(t, 2);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}
// An event time as a reader says it: 1991.96 -> "Dec 1991".
std::string month_year(double t) {
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const double y = std::floor(t + 1e-9);
  const int m = std::clamp(static_cast<int>(std::floor((t - y) * 12 + 1e-6)), 0, 11);
  return std::string(months[m]) + " " + std::to_string(static_cast<long>(y));
}
// Short number for hover data (4 significant decimals are plenty on screen).
double rounded(double v, int decimals = 5) {
  const double f = std::pow(10.0, decimals);
  const double r = std::round(v * f) / f;
  return r == 0 ? 0.0 : r;
}
// JSON text safe inside <script type="application/json">.
std::string script_json(const nlohmann::ordered_json& j) {
  const std::string raw = j.dump();
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

// ---------------------------------------------------------------- colours (Okabe-Ito)

const char* kPartnerColors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999"};
const char* kSoftLeverColors[] = {"#0072B2", "#56B4E9", "#009E73", "#CC79A7", "#88CCEE", "#44AA99"};
const char* kHardLeverColors[] = {"#E69F00", "#D55E00", "#F0E442", "#4D4D4D", "#AA4499", "#882255"};
const char* kLensColors[] = {"#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"};
const char* kBaseColor = "#6E6E6E";
const char* kWhatifColor = "#0072B2";
const char* kPositive = "#0072B2";
const char* kNegative = "#D55E00";
const char* kOtherEvent = "#8C8C8C";

bool dark(const std::string& hex) {
  if (hex.size() != 7) return true;
  const int r = std::stoi(hex.substr(1, 2), nullptr, 16), g = std::stoi(hex.substr(3, 2), nullptr, 16),
            b = std::stoi(hex.substr(5, 2), nullptr, 16);
  return 0.299 * r + 0.587 * g + 0.114 * b < 150;
}

// ---------------------------------------------------------------- data access

struct Side {
  const Model* m = nullptr;
  const EnsembleResult* r = nullptr;
  const RunSeries* s = nullptr;
  int F = 0;

  const Scenario& sc() const { return m->scenario(); }
  std::size_t M() const { return m->layout().size(); }
  std::size_t I() const { return r->times.size(); }
  double mean(std::size_t t, Metric met, int i, int j = 0, int k = 0) const {
    return r->mean[t * M() + m->layout().index(met, i, j, k)];
  }
  std::vector<double> series(Metric met, int i, int j = 0, int k = 0) const {
    std::vector<double> v(I());
    for (std::size_t t = 0; t < I(); ++t) v[t] = mean(t, met, i, j, k);
    return v;
  }
  std::vector<double> focus_series(Metric met, int j = 0) const { return series(met, F, j); }
  double end(Metric met, int j = 0) const { return mean(I() - 1, met, F, j); }
  double start(Metric met, int j = 0) const { return mean(0, met, F, j); }
  // Final statistics over runs (what summary.json reports).
  Stats final(Metric met, int j = 0) const {
    const std::size_t idx = m->layout().index(met, F, j);
    for (std::size_t c = 0; c < r->final_columns.size(); ++c) {
      if (r->final_columns[c] == idx) return final_stats(*r, c);
    }
    throw std::logic_error("report: metric not among the ensemble's final columns");
  }
  // Per-instant quantile band of a per-run column.
  std::vector<double> band(std::size_t metric_index, double q) const {
    std::vector<double> v(I());
    const long c = s->find(metric_index);
    if (c < 0) throw std::logic_error("report: no per-run series for a band");
    for (std::size_t t = 0; t < I(); ++t) v[t] = s->quantile(static_cast<std::size_t>(c), t, q);
    return v;
  }
  std::vector<int> partners() const {
    std::vector<int> p;
    for (int j = 0; j < sc().n_actors(); ++j) {
      if (j != F) p.push_back(j);
    }
    return p;
  }
  const std::string& name(int i) const { return sc().actors[i].name.empty() ? sc().actors[i].id : sc().actors[i].name; }
  const std::string& focus_name() const { return name(F); }
};

// Colours by actor id, in the order of the reference scenario's actors (focus excluded).
std::map<std::string, std::string> actor_colors(const Side& ref, const Side* other = nullptr) {
  std::map<std::string, std::string> c;
  std::size_t n = 0;
  auto add = [&](const Side& s) {
    for (int j : s.partners()) {
      const std::string& id = s.sc().actors[j].id;
      if (!c.count(id)) c[id] = kPartnerColors[n++ % std::size(kPartnerColors)];
    }
  };
  add(ref);
  if (other) add(*other);
  return c;
}

// ---------------------------------------------------------------- figure data
//
// A figure is data for the template (web/report/report.js): panels of series over time,
// bars and stacked bars, each with the colours, scales, tick labels and texts decided
// here, so every number and word on the page has one source. The template only draws.

using Json = nlohmann::ordered_json;

struct LineSpec {
  std::string name, color, dash;
  double width = 2.4;
  std::vector<double> t, v;
};
struct AreaSpec {
  std::string color;
  double opacity = 1;
  std::vector<double> t, lo, hi;
};
struct HoverSpec {
  std::string name, color;
  std::vector<double> v;
  bool percent = false;  // shares shown in %
  int digits = 3;
};
struct EndLabel {
  double v;
  std::string text, color;
};
struct Mark {
  double t = 0;
  int number = 0;
  std::string color, tip;
  bool added = false;  // an event the what-if adds (drawn hollow)
};
struct Window {
  double from = 0, to = 0;
  std::string label, tip;
};
// An observation: a dot with a faint error bar [lo, hi] (panel units) and a tooltip.
struct PointSpec {
  double t = 0, v = 0, lo = 0, hi = 0;
  std::string color, tip;
  bool hollow = false;
};

struct Panel {
  std::string id, title, ylabel;
  double W = 1000, H = 340;
  double t0 = 0, t1 = 1, y0 = 0, y1 = 1;
  bool percent = false;
  int tick_digits = -1;  // -1: from the tick step
  double right = 24;     // right margin (room for end labels)
  std::vector<AreaSpec> areas;
  std::vector<LineSpec> lines;
  std::vector<double> hover_t;
  std::vector<HoverSpec> hover;
  std::vector<EndLabel> end_labels;
  const std::vector<Mark>* marks = nullptr;
  bool numbered = true;  // numbered circles in a strip above the plot (else ticks on the axis)
  std::vector<Window> windows;
  bool zero_line = false;
  std::vector<PointSpec> points;
  // y ticks as (value in panel units, label), instead of nice ticks: log axes.
  std::vector<std::pair<double, std::string>> yticks;
  std::string reading;  // a sentence under the panel ("" = none)
};

std::vector<double> nice_ticks(double lo, double hi, int target, double* step_out = nullptr) {
  const double span = hi - lo;
  double step = 1;
  if (span > 0) {
    const double raw = span / std::max(1, target);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double f = raw / mag;
    step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
  }
  std::vector<double> t;
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) t.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
  if (step_out) *step_out = step;
  return t;
}

// Rounds a data range outward to nice tick values; keeps at least `min_span`.
void nice_range(double& lo, double& hi, double min_span = 1e-6) {
  if (!(hi - lo > min_span)) {
    const double mid = (lo + hi) / 2;
    lo = mid - min_span / 2;
    hi = mid + min_span / 2;
  }
  const double pad = 0.06 * (hi - lo);
  lo -= pad;
  hi += pad;
  double step = 1;
  nice_ticks(lo, hi, 5, &step);
  lo = std::floor(lo / step + 1e-9) * step;
  hi = std::ceil(hi / step - 1e-9) * step;
}

int decimals_for(double step) {
  int d = 0;
  while (d < 6 && std::abs(step * std::pow(10.0, d) - std::round(step * std::pow(10.0, d))) > 1e-6) ++d;
  return d;
}

// A series for the page: values rounded to what a screen can show (NaN -> null).
Json values(const std::vector<double>& v, int decimals = 6) {
  Json a = Json::array();
  for (double x : v) {
    if (std::isfinite(x)) a.push_back(rounded(x, decimals));
    else a.push_back(nullptr);
  }
  return a;
}
Json times(const std::vector<double>& t) { return values(t, 4); }
double finite_or(double v, double fallback) { return std::isfinite(v) ? v : fallback; }

// A panel of series over time: areas (bands, stacked layers), lines, observations, end
// labels, moves' windows and the scenario's events (the page's `events`), with its y
// ticks labelled here and the values the hover read-out lists.
Json panel_json(const Panel& p) {
  Json j;
  j["type"] = "time";
  j["id"] = p.id;
  if (!p.title.empty()) j["title"] = p.title;
  j["ylabel"] = p.ylabel;
  j["width"] = p.W;
  j["height"] = p.H;
  j["right"] = p.right;
  j["t0"] = rounded(p.t0, 4);
  j["t1"] = rounded(p.t1, 4);
  j["y0"] = rounded(p.y0, 9);
  j["y1"] = rounded(p.y1, 9);
  j["percent"] = p.percent;
  auto& ticks = j["yticks"] = Json::array();
  if (p.yticks.empty()) {
    double step = 1;
    const auto yt = nice_ticks(p.y0, p.y1, p.H < 260 ? 4 : 5, &step);
    const int d = p.tick_digits >= 0 ? p.tick_digits : decimals_for(p.percent ? step * 100 : step);
    for (double v : yt) ticks.push_back(Json::array({rounded(v, 9), p.percent ? fx(100 * v, d) + "%" : fx(v, d)}));
  } else {
    for (const auto& [v, label] : p.yticks) ticks.push_back(Json::array({rounded(v, 9), label}));
  }
  j["zero"] = p.zero_line && p.y0 < 0 && p.y1 > 0;
  if (p.marks) j["events"] = p.numbered ? "numbered" : "ticks";
  auto& w = j["windows"] = Json::array();
  for (const auto& x : p.windows) {
    w.push_back({{"from", rounded(std::max(x.from, p.t0), 4)},
                 {"to", rounded(std::min(x.to, p.t1), 4)},
                 {"label", x.label},
                 {"tip", x.tip}});
  }
  auto& areas = j["areas"] = Json::array();
  for (const auto& a : p.areas) {
    areas.push_back({{"color", a.color}, {"opacity", a.opacity}, {"t", times(a.t)}, {"lo", values(a.lo)}, {"hi", values(a.hi)}});
  }
  auto& lines = j["lines"] = Json::array();
  for (const auto& l : p.lines) {
    Json x{{"name", l.name}, {"color", l.color}, {"width", l.width}, {"t", times(l.t)}, {"v", values(l.v)}};
    if (!l.dash.empty()) x["dash"] = l.dash;
    lines.push_back(x);
  }
  auto& points = j["points"] = Json::array();
  for (const auto& q : p.points) {
    points.push_back({{"t", rounded(q.t, 4)},
                      {"v", rounded(q.v, 9)},
                      {"lo", rounded(finite_or(q.lo, q.v), 9)},
                      {"hi", rounded(finite_or(q.hi, q.v), 9)},
                      {"color", q.color},
                      {"tip", q.tip},
                      {"hollow", q.hollow}});
  }
  auto& labels = j["labels"] = Json::array();
  for (const auto& e : p.end_labels) {
    labels.push_back({{"v", rounded(std::clamp(e.v, p.y0, p.y1), 9)}, {"text", e.text}, {"color", e.color}});
  }
  if (!p.hover.empty()) {
    Json h;
    h["t"] = times(p.hover_t);
    auto& series = h["series"] = Json::array();
    // A series the panel already draws (a line, a band's edge) is named, not repeated.
    for (const auto& s : p.hover) {
      Json x{{"name", s.name}, {"color", s.color}, {"percent", s.percent}, {"digits", s.digits}};
      for (std::size_t k = 0; k < p.lines.size() && !x.contains("line"); ++k) {
        if (p.lines[k].v == s.v && p.lines[k].t == p.hover_t) x["line"] = k;
      }
      for (std::size_t k = 0; k < p.areas.size() && !x.contains("line") && !x.contains("area"); ++k) {
        if (p.areas[k].t != p.hover_t) continue;
        if (p.areas[k].hi == s.v) x["area"] = Json::array({k, "hi"});
        else if (p.areas[k].lo == s.v) x["area"] = Json::array({k, "lo"});
      }
      if (!x.contains("line") && !x.contains("area")) x["v"] = values(s.v);
      series.push_back(x);
    }
    j["hover"] = h;
  }
  if (!p.reading.empty()) j["reading"] = p.reading;
  return j;
}

// Horizontal bars: one row per item, bars from a zero line, values printed.
struct BarRow {
  std::string label, value_text;
  double value = 0;
  double lo = NAN, hi = NAN;  // optional interval whisker
  std::string color;
  bool total = false;
};

Json bars_json(const std::string& title, const std::vector<BarRow>& rows, double W) {
  Json j;
  j["type"] = "bars";
  j["title"] = title;
  j["width"] = W;
  auto& r = j["rows"] = Json::array();
  for (const auto& b : rows) {
    Json x{{"label", b.label}, {"text", b.value_text}, {"value", rounded(b.value, 9)}, {"color", b.color}, {"total", b.total}};
    if (std::isfinite(b.lo) && std::isfinite(b.hi)) {
      x["lo"] = rounded(b.lo, 9);
      x["hi"] = rounded(b.hi, 9);
    }
    r.push_back(x);
  }
  return j;
}

// Stacked horizontal bars (influence by lever).
struct Segment {
  std::string name, color;
  double value = 0;
};
struct StackRow {
  std::string label, suffix;
  std::vector<Segment> segs;
};

Json stacks_json(const std::vector<StackRow>& rows, double W) {
  Json j;
  j["type"] = "stacks";
  j["width"] = W;
  j["xlabel"] = "influence (model units of power)";
  auto& r = j["rows"] = Json::array();
  for (const auto& row : rows) {
    double total = 0;
    for (const auto& g : row.segs) total += std::max(0.0, g.value);
    Json segs = Json::array();
    for (const auto& g : row.segs) {
      if (g.value <= 0) continue;
      segs.push_back({{"name", g.name},
                      {"color", g.color},
                      {"value", rounded(g.value, 9)},
                      {"tip", row.label + " \u2192 " + g.name + ": " + fx(g.value, 2) + " (" + pct(g.value / total, 0) + ")"}});
    }
    r.push_back({{"label", row.label}, {"suffix", row.suffix}, {"segments", segs}});
  }
  return j;
}

// ---------------------------------------------------------------- page pieces

struct LegendItem {
  std::string kind;  // line, area, band, mark, hollow, errorbar, tick, window
  std::string color, label, dash;
};

Json legend_json(const std::vector<LegendItem>& items) {
  Json a = Json::array();
  for (const auto& it : items) {
    Json x{{"kind", it.kind}, {"color", it.color}, {"label", it.label}};
    if (!it.dash.empty()) x["dash"] = it.dash;
    a.push_back(x);
  }
  return a;
}

// The page in order: blocks of text (HTML made here, every scenario text escaped) and
// figures (data for the template).
struct Page {
  int figures = 0;
  Json blocks = Json::array();
  Json events = Json::array();
  std::ostringstream body;

  void flush() {
    if (body.tellp() > 0) blocks.push_back({{"html", body.str()}});
    body.str("");
    body.clear();
  }
  // A figure: number, title, subtitle, legend, panels in a grid, "how to read this".
  void figure(const std::string& id, const std::string& title, const std::string& subtitle, Json legend,
              const std::vector<Json>& panels, int columns, const std::string& howto_html,
              const std::string& extra_html = "") {
    flush();
    ++figures;
    Json f;
    f["id"] = id;
    f["number"] = figures;
    f["title"] = title;
    f["subtitle"] = subtitle;
    f["legend"] = std::move(legend);
    f["columns"] = columns;
    f["panels"] = panels;
    f["howto"] = howto_html;
    if (!extra_html.empty()) f["extra"] = extra_html;
    blocks.push_back({{"figure", f}});
  }
};

// The page's data: what the template renders (`blocks`, `events`) and the numbers a
// program reads (`data`: the same statistics as summary.json or compare.json).
Json document(const std::string& title, Page& pg, Json data) {
  pg.flush();
  Json doc;
  doc["format"] = "smartpower-report/1";
  doc["generator"] = std::string("smartpower ") + engine_version();
  doc["title"] = title;
  doc["figures"] = pg.figures;
  doc["events"] = pg.events;
  doc["blocks"] = pg.blocks;
  doc["data"] = std::move(data);
  return doc;
}

// The template (web/report/, with its chart library) around the page's data.
std::string page(const Json& doc) {
  std::string html(report_template());
  auto put = [&html](std::string_view marker, const std::string& text) {
    const auto at = html.find(marker);
    if (at == std::string::npos) throw std::logic_error("report template: no " + std::string(marker));
    html.replace(at, marker.size(), text);
  };
  // Last marker first: a filled-in text that holds a marker's name then lies after it.
  put("@SMARTPOWER_DATA@", script_json(doc));
  put("@SMARTPOWER_TITLE@", esc(doc["title"].get<std::string>()));
  put("@SMARTPOWER_GENERATOR@", esc(doc["generator"].get<std::string>()));
  put("@SMARTPOWER_FIGURES@", std::to_string(doc["figures"].get<int>()));
  return html;
}

// ---------------------------------------------------------------- events and moves

struct EventInfo {
  double t = 0;
  int number = 0;
  std::string when, label, source, who, lever, color;
  bool added = false, involves_focus = false;
};

std::string event_tip(const EventInfo& e) {
  return month_year(e.t) + " \u00b7 " + e.who + (e.lever.empty() ? "" : " \u00b7 " + e.lever) + "\n" + e.label +
         (e.source.empty() ? "" : "\nSource: " + e.source) + (e.added ? "\n(added by the what-if)" : "");
}

// Enabled events of `sc`, numbered by time; colour = the partner involved with the focus.
std::vector<EventInfo> collect_events(const Scenario& sc, const std::string& focus_id,
                                      const std::map<std::string, std::string>& colors, const std::set<int>& added = {}) {
  std::vector<std::pair<double, int>> order;
  for (std::size_t e = 0; e < sc.events.size(); ++e) {
    if (sc.events[e].enabled && sc.events[e].time >= sc.info.start - 1e-9 && sc.events[e].time <= sc.info.end + 1e-9) {
      order.push_back({sc.events[e].time, static_cast<int>(e)});
    }
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<EventInfo> out;
  for (const auto& [t, e] : order) {
    const Event& ev = sc.events[e];
    EventInfo x;
    x.t = t;
    x.number = static_cast<int>(out.size()) + 1;
    x.label = ev.label.empty() ? (ev.id.empty() ? "event" : ev.id) : ev.label;
    x.source = ev.source;
    const Actor& a = sc.actors[ev.actor];
    const Actor& b = sc.actors[ev.target];
    auto nm = [](const Actor& ac) { return ac.name.empty() ? ac.id : ac.name; };
    x.who = nm(a) + (ev.mutual ? " \u2194 " : " \u2192 ") + nm(b);
    x.lever = ev.lever >= 0 ? sc.levers[ev.lever].id : "";
    x.involves_focus = a.id == focus_id || b.id == focus_id;
    const std::string other = a.id == focus_id ? b.id : b.id == focus_id ? a.id : "";
    auto it = colors.find(other);
    x.color = it != colors.end() ? it->second : kOtherEvent;
    x.added = added.count(e) > 0;
    out.push_back(x);
  }
  return out;
}

std::vector<Mark> marks_of(const std::vector<EventInfo>& events) {
  std::vector<Mark> m;
  for (const auto& e : events) m.push_back({e.t, e.number, e.color, event_tip(e), e.added});
  return m;
}

// The events as the template draws them on every panel that shows events: numbered
// circles (number text in `ink`), hollow when the what-if adds them, `tip` on hover.
Json events_json(const std::vector<Mark>& marks) {
  Json a = Json::array();
  for (const auto& m : marks) {
    a.push_back({{"t", rounded(m.t, 4)},
                 {"number", m.number},
                 {"color", m.color},
                 {"ink", m.added ? m.color : (dark(m.color) ? "#ffffff" : "#1b1b1b")},
                 {"added", m.added},
                 {"tip", std::to_string(m.number) + ". " + m.tip}});
  }
  return a;
}

std::string event_rows(const std::vector<const EventInfo*>& events) {
  std::ostringstream o;
  o << "<table class=\"events\"><thead><tr><th class=\"num\">#</th><th>when</th><th>event and source</th><th>who</th>"
       "<th>lever</th></tr></thead><tbody>";
  for (const EventInfo* e : events) {
    o << "<tr" << (e->added ? " class=\"added\"" : "") << "><td class=\"num\"><span class=\"badge\" style=\"background:"
      << (e->added ? "#ffffff" : e->color) << ";color:" << (e->added ? e->color : (dark(e->color) ? "#fff" : "#1b1b1b"))
      << ";border:2px solid " << e->color << "\">" << e->number << "</span></td><td class=\"when\">" << month_year(e->t)
      << "</td><td>" << esc(e->label);
    if (!e->source.empty()) o << "<div class=\"src\">" << esc(e->source) << "</div>";
    o << "</td><td class=\"who\">" << esc(e->who) << "</td><td>" << esc(e->lever) << "</td></tr>";
  }
  o << "</tbody></table>";
  return o.str();
}

std::string events_intro(const std::string& focus_name) {
  return "Each numbered marker on the charts is one of these events: a one-off boost to a lever stock or to alignment, "
         "applied in the quarter it falls in. The colour is the partner involved with " + esc(focus_name) +
         "; grey events do not involve " + esc(focus_name) + " directly. Hover a marker on a chart for the same text.";
}

std::string events_table(const std::vector<EventInfo>& events, const std::string& focus_name) {
  std::ostringstream o;
  o << "<section class=\"block\" id=\"events\"><h2>The events on the time axis</h2><p class=\"meta\">"
    << events_intro(focus_name) << "</p>";
  std::vector<const EventInfo*> all;
  for (const auto& e : events) all.push_back(&e);
  if (all.empty()) {
    o << "<p>The scenario has no events.</p>";
  } else {
    o << event_rows(all);
  }
  o << "</section>\n";
  return o.str();
}

std::string lever_kind_note(const Scenario& sc) {
  std::string soft, hard;
  for (const auto& l : sc.levers) {
    std::string& list = l.kind == LeverKind::soft ? soft : hard;
    list += (list.empty() ? "" : ", ") + l.id;
  }
  return "soft levers (" + soft + ") work through attraction; hard levers (" + hard + ") through need";
}

// ---------------------------------------------------------------- figures shared by both reports

struct SideStyle {
  std::string name;  // "" for a single scenario
  std::string dash;
  double width = 2.4;
};

// One legend entry per partner of any side, in the colours of `colors`.
std::vector<LegendItem> partner_legend(const std::vector<std::pair<const Side*, SideStyle>>& sides,
                                       const std::map<std::string, std::string>& colors) {
  std::vector<LegendItem> items;
  std::set<std::string> seen;
  for (const auto& [s, st] : sides) {
    for (int j : s->partners()) {
      const std::string& id = s->sc().actors[j].id;
      if (seen.insert(id).second) items.push_back({"line", colors.at(id), s->name(j), ""});
    }
  }
  return items;
}

// Adds the soft/hard/smart small multiples (one panel per kind, one line per partner).
void power_figure(Page& pg, const std::string& id, const std::vector<std::pair<const Side*, SideStyle>>& sides,
                  const std::map<std::string, std::string>& colors, const std::vector<Mark>& marks,
                  const std::string& howto, const std::vector<Window>& windows = {}) {
  const Side& ref = *sides.back().first;
  const Metric kinds[] = {Metric::soft, Metric::hard, Metric::smart};
  const char* titles[] = {"Soft power", "Hard power", "Smart power"};
  double hi = 0;
  for (const auto& [s, st] : sides) {
    for (Metric k : kinds) {
      for (int j : s->partners()) {
        for (double v : s->focus_series(k, j)) hi = std::max(hi, v);
      }
    }
  }
  double lo = 0;
  nice_range(lo, hi);
  lo = 0;
  std::vector<Json> panels;
  for (int q = 0; q < 3; ++q) {
    Panel p;
    p.id = id + "-" + metric_info(kinds[q]).name;
    p.title = titles[q];
    p.ylabel = q == 0 ? "power over " + ref.focus_name() + " (model units)" : "model units";
    p.W = 330;
    p.H = 300;
    p.t0 = ref.r->times.front();
    p.t1 = ref.r->times.back();
    p.y0 = lo;
    p.y1 = hi;
    p.marks = &marks;
    p.numbered = false;
    p.windows = windows;
    p.hover_t = ref.r->times;
    for (const auto& [s, st] : sides) {
      for (int j : s->partners()) {
        const std::string& pid = s->sc().actors[j].id;
        LineSpec l;
        l.name = s->name(j) + (st.name.empty() ? "" : " (" + st.name + ")");
        l.color = colors.at(pid);
        l.dash = st.dash;
        l.width = st.width;
        l.t = s->r->times;
        l.v = s->focus_series(kinds[q], j);
        p.lines.push_back(l);
        if (s->r->times.size() == ref.r->times.size()) p.hover.push_back({l.name, l.color, l.v, false, 2});
      }
    }
    panels.push_back(panel_json(p));
  }
  std::vector<LegendItem> items = partner_legend(sides, colors);
  for (const auto& [s, st] : sides) {
    if (!st.name.empty()) items.push_back({"line", "#444444", st.name, st.dash});
  }
  items.push_back({"tick", "#8C8C8C", "events (hover)", ""});
  pg.figure(id, "Soft, hard and smart power each partner exerts over " + ref.focus_name(),
            "One line per partner; all three panels share one scale.", legend_json(items), panels, 3, howto);
}

void alignment_threat_figure(Page& pg, const std::string& id, const std::vector<std::pair<const Side*, SideStyle>>& sides,
                             const std::map<std::string, std::string>& colors, const std::vector<Mark>& marks,
                             const std::string& howto, const std::vector<Window>& windows = {}) {
  const Side& ref = *sides.back().first;
  std::vector<Json> panels;
  for (int q = 0; q < 2; ++q) {
    const Metric met = q == 0 ? Metric::alignment : Metric::threat;
    Panel p;
    p.id = id + "-" + metric_info(met).name;
    p.title = q == 0 ? "Alignment of " + ref.focus_name() + " with each partner" : "Threat " + ref.focus_name() + " perceives from each";
    p.ylabel = q == 0 ? "alignment (\u22121 hostile \u2026 +1 aligned)" : "threat (model units, 0 = none)";
    p.W = 500;
    p.H = 320;
    p.t0 = ref.r->times.front();
    p.t1 = ref.r->times.back();
    double lo = 0, hi = 0;
    for (const auto& [s, st] : sides) {
      for (int j : s->partners()) {
        for (double v : s->focus_series(met, j)) {
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
      }
    }
    if (q == 0) {
      // Alignment lives in [-1, 1]: show that scale unless the data need less room below 0.
      p.y0 = lo < 0 ? -1 : 0;
      p.y1 = 1;
      p.zero_line = true;
    } else {
      nice_range(lo, hi, 1e-3);
      p.y0 = 0;
      p.y1 = hi;
    }
    p.marks = &marks;
    p.numbered = false;
    p.windows = windows;
    p.hover_t = ref.r->times;
    for (const auto& [s, st] : sides) {
      for (int j : s->partners()) {
        LineSpec l;
        l.name = s->name(j) + (st.name.empty() ? "" : " (" + st.name + ")");
        l.color = colors.at(s->sc().actors[j].id);
        l.dash = st.dash;
        l.width = st.width;
        l.t = s->r->times;
        l.v = s->focus_series(met, j);
        p.lines.push_back(l);
        if (s->r->times.size() == ref.r->times.size()) p.hover.push_back({l.name, l.color, l.v, false, 3});
      }
    }
    panels.push_back(panel_json(p));
  }
  std::vector<LegendItem> items = partner_legend(sides, colors);
  for (const auto& [s, st] : sides) {
    if (!st.name.empty()) items.push_back({"line", "#444444", st.name, st.dash});
  }
  items.push_back({"tick", "#8C8C8C", "events (hover)", ""});
  pg.figure(id, "Alignment and threat, as " + ref.focus_name() + " sees each partner", "", legend_json(items), panels, 2, howto);
}

// Influence by lever at the end (where each partner's power comes from).
void lever_figure(Page& pg, const Side& s, const std::string& when) {
  const Scenario& sc = s.sc();
  std::vector<std::string> lever_color(sc.n_levers());
  std::size_t ns = 0, nh = 0;
  for (int k = 0; k < sc.n_levers(); ++k) {
    lever_color[k] = sc.levers[k].kind == LeverKind::soft ? kSoftLeverColors[ns++ % std::size(kSoftLeverColors)]
                                                           : kHardLeverColors[nh++ % std::size(kHardLeverColors)];
  }
  std::vector<StackRow> rows;
  for (int j : s.partners()) {
    StackRow r;
    r.label = s.name(j);
    double soft = 0, hard = 0;
    for (int k = 0; k < sc.n_levers(); ++k) {
      const double v = s.mean(s.I() - 1, Metric::influence, s.F, j, k);
      (sc.levers[k].kind == LeverKind::soft ? soft : hard) += v;
    }
    // Soft levers first, then hard, in file order within each kind.
    for (int pass = 0; pass < 2; ++pass) {
      for (int k = 0; k < sc.n_levers(); ++k) {
        if ((sc.levers[k].kind == LeverKind::soft) != (pass == 0)) continue;
        r.segs.push_back({sc.levers[k].id, lever_color[k], s.mean(s.I() - 1, Metric::influence, s.F, j, k)});
      }
    }
    r.suffix = "soft " + fx(soft, 2) + " \u00b7 hard " + fx(hard, 2);
    rows.push_back(r);
  }
  std::vector<LegendItem> items;
  for (int pass = 0; pass < 2; ++pass) {
    for (int k = 0; k < sc.n_levers(); ++k) {
      if ((sc.levers[k].kind == LeverKind::soft) != (pass == 0)) continue;
      items.push_back({"area", lever_color[k], sc.levers[k].id + (pass == 0 ? " (soft)" : " (hard)"), ""});
    }
  }
  const std::string howto =
      "<p>Each bar is one partner's power over " + esc(s.focus_name()) + " in " + esc(when) +
      ", split by the lever it comes through (mean over the runs; hover a segment for its value and share). Blue, sky, "
      "green and purple segments are soft levers; orange, red, yellow and dark grey ones are hard levers. The text at the "
      "end of each bar gives the soft and hard totals plotted in Fig. 3. A partner whose bar is mostly one kind gets "
      "less smart power than its total suggests, because smart power rewards a mix.</p>";
  pg.figure("fig-levers", "Where each partner's power comes from (" + when + ")", "Influence on " + s.focus_name() + " by lever",
            legend_json(items), {stacks_json(rows, 1000)}, 1, howto);
}

// ---------------------------------------------------------------- model vs data

// Ticks of a log10 axis over [lo, hi] (log10 units): decades, with 2 and 5 (or 3) between
// them when few decades are shown; labelled in the data's own units.
std::vector<std::pair<double, std::string>> log_ticks(double lo, double hi) {
  const double decades = hi - lo;
  const std::vector<double> mult = decades <= 2.5 ? std::vector<double>{1, 2, 5}
                                   : decades <= 4 ? std::vector<double>{1, 3}
                                                  : std::vector<double>{1};
  std::vector<std::pair<double, std::string>> t;
  for (int k = static_cast<int>(std::floor(lo)); k <= static_cast<int>(std::ceil(hi)); ++k) {
    for (double m : mult) {
      const double v = m * std::pow(10.0, k), lv = std::log10(v);
      if (lv >= lo - 1e-9 && lv <= hi + 1e-9) t.push_back({lv, fx(v, std::max(0, -k))});
    }
  }
  return t;
}

// A value as a reader reads it: shares in %, others with 2-3 significant digits.
std::string data_value(double v, bool share) {
  if (share) return pct(v, 1);
  const double a = std::abs(v);
  return fx(v, a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.1 ? 3 : 4);
}

std::string error_text(const DataFit& f, double e) {
  return f.log_error ? "|log error| " + fx(e, 2) : "relative error " + pct(e, 0);
}

std::string tolerance_text(const DataFit& f) {
  return f.log_error ? fx(f.tolerance, 2) + ", a factor of " + fx(std::exp(f.tolerance), 1)
                     : "\u00b1" + pct(f.tolerance, 0);
}

// The one-line reading under a panel.
std::string data_reading(const DataFit& f) {
  const bool share = !f.per.empty();
  const std::size_t n = f.points.size();
  const bool whole_years =
      std::all_of(f.points.begin(), f.points.end(), [](const DataPoint& p) { return p.year == std::round(p.year); });
  if (n == 1) {
    const DataPoint& p = f.points[0];
    // The bar in the data's own units too: a relative tolerance on a share reads better as a range.
    const double lo = f.log_error ? p.observed * std::exp(-f.tolerance) : p.observed * (1 - f.tolerance);
    const double hi = f.log_error ? p.observed * std::exp(f.tolerance) : p.observed * (1 + f.tolerance);
    return "In " + year(p.year) + " the model gives " + data_value(p.median, share) + " (median) against " +
           data_value(p.observed, share) + " observed: " + error_text(f, p.error) + ", " +
           (p.within ? "within" : "outside") + " the tolerance (" + tolerance_text(f) + ": " + data_value(lo, share) +
           " to " + data_value(hi, share) + ").";
  }
  const std::string what = whole_years ? " years" : " observations";
  return "Median " + error_text(f, f.median_error) + " over " + std::to_string(n) + what + "; within tolerance (" +
         tolerance_text(f) + ") in " + std::to_string(f.within) + " of " + std::to_string(n) + ".";
}

// One panel per `data` check: the model's median and 5-95 % band of the check's quantity,
// the observations as points with the tolerance as a faint bar, the reading below; the
// numbers again in a table (the figure's text alternative) and in the page's JSON.
void data_figure(Page& pg, const ModelVsData& d, const Side& s, const std::map<std::string, std::string>& colors,
                 nlohmann::ordered_json& json) {
  const int R = s.r->runs;
  std::vector<Json> panels;
  std::ostringstream rows;
  auto& jchecks = json["checks"] = nlohmann::ordered_json::array();
  int points = 0, within = 0;
  for (std::size_t k = 0; k < d.fits.size(); ++k) {
    const DataFit& f = d.fits[k];
    const bool share = !f.per.empty();
    const bool logy = f.log_error;  // the tolerance is a factor: the same bar height at every level
    // The colour of the partner the selector names (volume[A,B,trade] -> B's).
    std::string color = "#444444";
    {
      const auto open = f.selector.find('['), close = f.selector.rfind(']');
      if (open != std::string::npos && close != std::string::npos && close > open) {
        std::istringstream args(f.selector.substr(open + 1, close - open - 1));
        std::string id;
        for (int a = 0; std::getline(args, id, ','); ++a) {
          if (a > 0 && colors.count(id)) {
            color = colors.at(id);
            break;
          }
        }
      }
    }
    auto bar = [&](double obs, double sign) {
      return f.log_error ? obs * std::exp(sign * f.tolerance) : obs * (1 + sign * f.tolerance);
    };
    // The y range: the observations with their bars, the band; on a log axis the band is
    // cut 30x below the lowest bar, so a model that starts near zero does not flatten the rest.
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& p : f.points) {
      for (double v : {bar(p.observed, -1), bar(p.observed, +1), p.median}) {
        if (std::isfinite(v) && (!logy || v > 0)) lo = std::min(lo, v), hi = std::max(hi, v);
      }
    }
    const double floor_v = logy ? lo / 30 : -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < f.times.size(); ++i) {
      for (double v : {f.q05[i], f.q95[i], f.median[i]}) {
        if (std::isfinite(v) && v >= floor_v && (!logy || v > 0)) lo = std::min(lo, v), hi = std::max(hi, v);
      }
    }
    Panel p;
    p.id = "data-" + std::to_string(k + 1);
    p.title = f.claim_id + (f.claim_name.empty() ? "" : " \u00b7 " + f.claim_name);
    p.ylabel = share ? "share (%)" : (f.unit.empty() ? f.selector : f.unit) + (logy ? " (log scale)" : "");
    p.W = 500;
    p.H = 300;
    p.t0 = s.r->times.front();
    p.t1 = s.r->times.back();
    if (logy) {
      lo = std::log10(lo);
      hi = std::log10(hi);
      if (hi - lo < 0.6) {
        const double mid = (lo + hi) / 2;
        lo = mid - 0.3;
        hi = mid + 0.3;
      }
      const double pad = 0.05 * (hi - lo);
      p.y0 = lo - pad;
      p.y1 = hi + pad;
      p.yticks = log_ticks(p.y0, p.y1);
    } else {
      lo = std::min(lo, 0.0);
      nice_range(lo, hi);
      p.y0 = std::max(lo, share ? 0.0 : lo);
      p.y1 = hi;
      p.percent = share;
    }
    // Values in panel units (log10 on a log axis), inside the plot.
    auto Y = [&](double v) {
      if (logy) return v > 0 ? std::clamp(std::log10(v), p.y0, p.y1) : p.y0;
      return std::clamp(v, p.y0, p.y1);
    };
    auto in_units = [&](const std::vector<double>& v) {
      std::vector<double> out(v.size());
      std::transform(v.begin(), v.end(), out.begin(), Y);
      return out;
    };
    if (R > 1) p.areas.push_back({color, 0.22, f.times, in_units(f.q05), in_units(f.q95)});
    p.lines.push_back({"model median", color, "", 2.4, f.times, in_units(f.median)});
    std::vector<double> observed(f.times.size(), std::numeric_limits<double>::quiet_NaN());
    for (const auto& q : f.points) {
      const std::size_t i =
          static_cast<std::size_t>(std::upper_bound(f.times.begin(), f.times.end(), q.year + 1e-6) - f.times.begin()) -
          1;
      observed[i] = q.observed;
      const std::string tip =
          year(q.year) +
          (f.window > 0 ? " (model: mean over " + year(q.year) + "\u2013" + year(q.year + f.window) + ")" : "") +
          "\nobserved " + data_value(q.observed, share) + "\nmodel median " + data_value(q.median, share) +
          (R > 1 ? " (5\u201395 %: " + data_value(q.q05, share) + " \u2013 " + data_value(q.q95, share) + ")" : "") +
          "\n" + error_text(f, q.error) + ": " + (q.within ? "within" : "outside") + " tolerance (" +
          tolerance_text(f) + ")";
      p.points.push_back(
          {q.year, Y(q.observed), Y(bar(q.observed, -1)), Y(bar(q.observed, +1)), "#1b1b1b", tip, !q.within});
      rows << "<tr><td>" << esc(f.claim_id) << "</td><td><code>" << esc(f.selector + (share ? " / " + f.per : ""))
           << "</code></td><td class=\"num\">" << year(q.year) << "</td><td class=\"num\">"
           << data_value(q.observed, share) << "</td><td class=\"num\">" << data_value(q.median, share)
           << "</td><td class=\"num\">" << data_value(q.q05, share) << " \u2013 " << data_value(q.q95, share)
           << "</td><td class=\"num\">" << (f.log_error ? fx(q.error, 2) : pct(q.error, 0)) << "</td><td>"
           << (q.within ? "yes" : "no") << "</td></tr>";
    }
    double top = 0;
    for (double v : f.median) {
      if (std::isfinite(v)) top = std::max(top, std::abs(v));
    }
    const int digits = share ? 1 : top >= 100 ? 0 : top >= 10 ? 1 : top >= 1 ? 2 : 3;
    p.hover_t = f.times;
    p.hover.push_back({"model median", color, f.median, share, digits});
    if (R > 1) {
      p.hover.push_back({"95th percentile", color, f.q95, share, digits});
      p.hover.push_back({"5th percentile", color, f.q05, share, digits});
    }
    p.hover.push_back({"observed", "#1b1b1b", observed, share, digits});
    const std::string reading = data_reading(f);
    p.reading = reading;
    panels.push_back(panel_json(p));
    points += static_cast<int>(f.points.size());
    within += f.within;
    nlohmann::ordered_json j;
    j["claim"] = f.claim_id;
    j["name"] = f.claim_name;
    j["metric"] = f.selector;
    j["per"] = f.per;
    j["window"] = f.window;
    j["error"] = f.log_error ? "log" : "relative";
    j["tolerance"] = f.tolerance;
    j["median_error"] = rounded(f.median_error, 6);
    j["within"] = f.within;
    j["reading"] = reading;
    j["chart"] = p.id;
    auto& jp = j["points"] = nlohmann::ordered_json::array();
    for (const auto& q : f.points) {
      jp.push_back({{"year", q.year},
                    {"observed", q.observed},
                    {"median", rounded(q.median, 6)},
                    {"q05", rounded(q.q05, 6)},
                    {"q95", rounded(q.q95, 6)},
                    {"error", rounded(q.error, 6)},
                    {"within", q.within}});
    }
    jchecks.push_back(j);
  }
  json["skipped"] = d.skipped;
  std::vector<LegendItem> items{
      {"band", "#444444", R > 1 ? "model: median and 5\u201395 % of " + std::to_string(R) + " runs" : "model (1 run)",
       ""},
      {"mark", "#1b1b1b", "observed: the model's median within tolerance", ""},
      {"hollow", "#1b1b1b", "observed: outside tolerance", ""},
      {"errorbar", "#1b1b1b", "tolerance around each observation", ""}};
  std::ostringstream extra;
  extra << "<details><summary>Every observation against the model (table)</summary><div "
           "class=\"scroll\"><table><thead><tr>"
           "<th>check</th><th>model quantity</th><th class=\"num\">year</th><th class=\"num\">observed</th>"
           "<th class=\"num\">model median</th><th class=\"num\">5\u201395 % of runs</th><th class=\"num\">error</th>"
           "<th>within tolerance</th></tr></thead><tbody>"
        << rows.str() << "</tbody></table></div></details>";
  if (!d.skipped.empty()) {
    std::string list;
    for (const auto& x : d.skipped) list += (list.empty() ? "" : ", ") + x;
    extra << "<p class=\"meta\">Not drawn: data checks on a variant of the scenario, which this page did not run ("
          << esc(list) << ").</p>";
  }
  const std::string howto =
      "<p>Each panel is one <code>data</code> check of <code>" + esc(d.file) +
      "</code>: a public series (black points) against the same quantity in the model (line: the median over the " +
      std::to_string(R) + (R == 1 ? " run" : " runs; band: 5th to 95th percentile") +
      "). The line is what the check compares: where a check averages over a window (trade: the four quarters of a "
      "year), the line at each date is the mean over the window that starts there, so a point sits at the start of its "
      "year and is read against the line directly above or below it; a share is the metric divided by the total the "
      "check names, in each run. The faint bar on each point is the check's tolerance: on the log scales it spans the "
      "allowed factor either side (the same height at every level), on the others \u00b1 the allowed relative error. "
      "A filled point has the model's median inside its bar, a hollow one outside. The line under each panel counts "
      "them for the median run; <code>smartpower claims</code> scores each run and asks every point to hold. Hover a "
      "point or the plot for values.</p>";
  pg.figure("fig-data", "Model vs data: the observed series over the model's band",
            "One panel per data check; " + std::to_string(within) + " of " + std::to_string(points) +
                " observations lie within tolerance of the model's median",
            legend_json(items), panels, d.fits.size() == 1 ? 1 : 2, howto, extra.str());
}

std::string reproduce_block(const std::vector<std::string>& lines, const std::string& command, const std::string& note) {
  std::ostringstream o;
  o << "<footer id=\"about\"><h3>About these numbers</h3><p>" << note << "</p><ul>";
  for (const auto& l : lines) o << "<li>" << l << "</li>";
  o << "</ul>";
  if (!command.empty()) o << "<p>This page was made with <code>" << esc(command) << "</code>.</p>";
  o << "<p>Made by smartpower " << engine_version()
    << ". The page is self-contained: it needs no network, and its charts are inline SVG. The model's equations are in "
       "docs/model.md of the smartpower repository.</p></footer>\n";
  return o.str();
}

std::string quoted(const std::string& s) {
  if (s.find_first_of(" \t'\"$`\\") == std::string::npos && !s.empty()) return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

// ---------------------------------------------------------------- model vs data

namespace {

// Every `data` check of `set` with its claim, in file order.
template <class Fn>
void for_each_data_check(const ClaimSet& set, Fn fn) {
  for (const auto& claim : set.claims) {
    for (const auto& c : claim.checks) {
      if (c.kind == CheckKind::data) fn(claim, c);
    }
  }
}

InputError check_error(const ClaimSet& set, const Claim& claim, const Check& c, const std::string& message) {
  SourcePos pos = c.pos;
  if (pos.file.empty()) pos.file = set.path;
  return InputError(pos, "claim " + claim.id + ": " + message);
}

std::vector<std::size_t> selector_metrics(const ClaimSet& set, const Claim& claim, const Check& c,
                                          const std::string& selector, const Model& model) {
  try {
    return resolve_selector(selector, model.scenario(), model.layout());
  } catch (const InputError& e) {
    throw check_error(set, claim, c, e.message());
  }
}

}  // namespace

std::vector<std::size_t> data_check_metrics(const Model& model, const ClaimSet& set) {
  std::vector<std::size_t> out;
  auto add = [&](const std::vector<std::size_t>& v) {
    for (std::size_t i : v) {
      if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
    }
  };
  for_each_data_check(set, [&](const Claim& claim, const Check& c) {
    if (!c.a.variant.empty()) return;
    add(selector_metrics(set, claim, c, c.a.selector, model));
    if (!c.b.selector.empty()) add(selector_metrics(set, claim, c, c.b.selector, model));
  });
  return out;
}

ModelVsData fit_data_checks(const ReportRun& run, const ClaimSet& set) {
  if (!run.model) throw std::invalid_argument("fit_data_checks: no model");
  const Scenario& sc = run.model->scenario();
  const RunSeries& rs = run.series;
  const std::vector<double>& times = run.result.times;
  if (rs.instants != times.size() || times.empty())
    throw std::logic_error("fit_data_checks: the run has no per-run series");
  const std::size_t I = rs.instants;
  const int R = rs.runs;
  ModelVsData out;
  out.file = set.path;
  for_each_data_check(set, [&](const Claim& claim, const Check& c) {
    if (!c.a.variant.empty()) {
      out.skipped.push_back(claim.id + " (variant " + c.a.variant + ")");
      return;
    }
    // The per-run columns a selector sums.
    auto columns = [&](const std::string& selector) {
      std::vector<std::size_t> cols;
      for (std::size_t idx : selector_metrics(set, claim, c, selector, *run.model)) {
        const long col = rs.find(idx);
        if (col < 0)
          throw std::logic_error("fit_data_checks: run_for_report did not keep " + selector +
                                 " (pass data_check_metrics as keep)");
        cols.push_back(static_cast<std::size_t>(col));
      }
      return cols;
    };
    const auto ca = columns(c.a.selector);
    const auto cb = c.b.selector.empty() ? std::vector<std::size_t>{} : columns(c.b.selector);
    auto sum = [&](const std::vector<std::size_t>& cols, std::size_t t, int r) {
      double v = 0;
      for (std::size_t col : cols) v += rs.at(col, t, r);
      return v;
    };
    // The check's quantity in run r for a window starting at `year` (instant i): the mean
    // over the instants of [year, year + window) of the metric, over `per` (claims.cpp).
    auto quantity = [&](double year, std::size_t i, int r) {
      std::size_t n = 0;
      double v = 0;
      for (std::size_t j = i; j < I && (j == i || times[j] < year + c.average - 1e-9); ++j, ++n) {
        const double a = sum(ca, j, r);
        v += cb.empty() ? a : a / sum(cb, j, r);
      }
      return v / static_cast<double>(std::max<std::size_t>(n, 1));
    };
    auto spread = [&](double year, std::size_t i, double& med, double& lo, double& hi) {
      std::vector<double> v(static_cast<std::size_t>(R));
      for (int r = 0; r < R; ++r) v[static_cast<std::size_t>(r)] = quantity(year, i, r);
      med = quantile(v, 0.5);
      lo = quantile(v, 0.05);
      hi = quantile(v, 0.95);
    };
    DataFit f;
    f.claim_id = claim.id;
    f.claim_name = claim.name;
    f.selector = c.a.selector;
    f.per = c.b.selector;
    f.pos = c.pos;
    f.tolerance = c.tolerance;
    f.window = c.average;
    f.log_error = c.log_error;
    // A lever's real unit, for "volume[A,B,lever]", "real[...]" and "flow[...]" (per year) selectors.
    const bool flow = c.a.selector.rfind("flow[", 0) == 0;
    if (c.b.selector.empty() && (flow || c.a.selector.rfind("volume[", 0) == 0 || c.a.selector.rfind("real[", 0) == 0)) {
      const auto close = c.a.selector.rfind(']'), comma = c.a.selector.rfind(',');
      if (close != std::string::npos && comma != std::string::npos && comma < close) {
        const std::string lever = c.a.selector.substr(comma + 1, close - comma - 1);
        for (const auto& l : sc.levers) {
          if (l.id == lever) f.unit = l.unit.empty() || !flow ? l.unit : l.unit + " per year";
        }
      }
    }
    f.times = times;
    f.median.resize(I);
    f.q05.resize(I);
    f.q95.resize(I);
    for (std::size_t i = 0; i < I; ++i) spread(times[i], i, f.median[i], f.q05[i], f.q95[i]);
    std::vector<double> errors;
    for (std::size_t k = 0; k < c.observed.size(); ++k) {
      const double y = c.times[k];
      // The recorded instant holding `year`, as instant_of in claims.cpp.
      if (!(y >= times.front() - 1e-6 && y <= times.back() + 1e-6)) {
        throw check_error(set, claim, c,
                          "year " + year(y) + " is outside the scenario's time range [" + year(times.front()) + ", " +
                              year(times.back()) + "]");
      }
      const std::size_t i =
          static_cast<std::size_t>(std::upper_bound(times.begin(), times.end(), y + 1e-6) - times.begin()) - 1;
      DataPoint p;
      p.year = y;
      p.observed = c.observed[k];
      spread(y, i, p.median, p.q05, p.q95);
      // Errors as the check scores them: a non-finite or (on a log scale) non-positive model value fails.
      p.error = !std::isfinite(p.median) ? 50.0
                : !c.log_error           ? std::abs(p.median - p.observed) / std::abs(p.observed)
                : p.median > 0           ? std::abs(std::log(p.median / p.observed))
                                         : 50.0;
      p.within = p.error <= c.tolerance;
      f.within += p.within ? 1 : 0;
      errors.push_back(p.error);
      f.points.push_back(p);
    }
    f.median_error = quantile(errors, 0.5);
    out.fits.push_back(std::move(f));
  });
  if (out.fits.empty()) {
    throw InputError(SourcePos{set.path, 0, 0},
                     "has no `data` check on the scenario itself to draw (kind = \"data\" without "
                     "a variant)" +
                         std::string(out.skipped.empty() ? "" : "; in variants only: " + out.skipped.front()));
  }
  return out;
}

// ====================================================================== one scenario

namespace {

// ---- the second band (issue 15): noise and parameters, from ReportOptions::parameter_series

const char* kParameterColor = "#F3C98B";

struct ParameterBand {
  bool drawn = false;
  std::vector<double> lo, hi;  // 5 % and 95 % per instant
  std::string how_to_read;     // a paragraph for the figure
};

ParameterBand parameter_band(const ReportOptions& opt, std::size_t metric, std::size_t instants) {
  ParameterBand b;
  const RunSeries* ps = opt.parameter_series;
  if (!ps || ps->runs < 2) return b;
  const long c = ps->find(metric);
  if (c < 0 || ps->instants != instants) throw std::logic_error("report: the parameter series does not match the run");
  b.lo.resize(instants);
  b.hi.resize(instants);
  for (std::size_t t = 0; t < instants; ++t) {
    b.lo[t] = ps->quantile(static_cast<std::size_t>(c), t, 0.05);
    b.hi[t] = ps->quantile(static_cast<std::size_t>(c), t, 0.95);
  }
  b.drawn = true;
  b.how_to_read =
      "<p class=\"howto-parameters\"><b>How to read the two bands.</b> The blue band is decision noise only: the "
      "parameters are fixed at the scenario's values and only the actors' random choices differ from run to run. The "
      "wider orange band is noise <i>and</i> parameters: each of its " + std::to_string(ps->runs) +
      " runs also takes a parameter set drawn from the posterior (" + esc(opt.parameter_uncertainty) +
      "), the values still consistent with the claims and data. Read the orange band as what the model can say; the "
      "blue band alone overstates its precision. Where the orange band is much wider than the blue one, the claims "
      "and data do not pin this outcome down; where it lies off the black line (the mean at the scenario's own "
      "values), the posterior favours other parameter values than the scenario's.</p>";
  return b;
}

Json scenario_document(const ReportRun& run, const ReportOptions& opt, const std::vector<LensRun>& lenses,
                       const ModelVsData* fits) {
  const Side s{run.model.get(), &run.result, &run.series, run.focus};
  const Scenario& sc = s.sc();
  if (s.r->mean.empty() || s.I() == 0) throw std::logic_error("report: the ensemble has no series statistics");
  const std::string F = s.focus_name();
  const std::string& fid = sc.actors[s.F].id;
  const auto colors = actor_colors(s);
  const auto events = collect_events(sc, fid, colors);
  const auto marks = marks_of(events);
  Page pg;
  pg.events = events_json(marks);
  const auto partners = s.partners();
  const int R = run.result.runs;
  const double t0 = s.r->times.front(), t1 = s.r->times.back();
  const std::string y0 = year(t0), y1 = year(t1);
  nlohmann::ordered_json data;

  // ---- header and key findings
  const std::string title = opt.title.empty() ? F + "'s balance between its partners, " + y0 + "\u2013" + y1 : opt.title;
  std::ostringstream& b = pg.body;
  b << "<header><p class=\"kicker\">smartpower report</p><h1>" << esc(title) << "</h1>";
  b << "<p class=\"meta\">Scenario <b>" << esc(sc.info.name) << "</b>" << (opt.file.empty() ? "" : " (" + esc(opt.file) + ")")
    << ", " << esc(y0) << "\u2013" << esc(y1) << " \u00b7 seen from <b>" << esc(F) << "</b> \u00b7 <b>" << R
    << (R == 1 ? " run" : " noisy runs") << "</b>, seed <b>" << run.seed << "</b> \u00b7 lens <b>"
    << esc(opt.lens.empty() ? "none" : opt.lens) << "</b></p>";
  if (!sc.info.description.empty()) b << "<p class=\"meta\">" << esc(sc.info.description) << "</p>";
  b << "</header>\n";

  const Stats bal = s.final(Metric::balance);
  const double bal0 = s.start(Metric::balance);
  std::vector<std::pair<double, int>> by_end;
  for (int j : partners) by_end.push_back({s.end(Metric::dependence, j), j});
  std::sort(by_end.begin(), by_end.end(), [](const auto& a, const auto& c) { return a.first > c.first; });
  // The report leads with the dependence shares: they move linearly with what the partners
  // do, where the balance index, (1 - HHI) / (1 - 1/n), is flat near an even split and moves
  // by hundredths when a share moves by points (docs/model.md, "Metrics").
  b << "<section class=\"summary\" id=\"summary\"><h2>In short</h2><div class=\"headline\">";
  for (const auto& [d, j] : by_end) {
    b << "<div><div class=\"big\" style=\"color:" << colors.at(sc.actors[j].id) << "\">" << pct(d, 0)
      << "</div><div class=\"lab\">of " << esc(F) << "'s dependence<br>falls on " << esc(s.name(j)) << "</div></div>";
  }
  b << "<div><div class=\"big\">" << fx(bal.mean) << "</div><div class=\"lab\">balance index of " << esc(F) << " in " << esc(y1)
    << "<br>(1 = equal dependence on all " << partners.size() << " partners;<br>flat near 1: read the shares)</div></div>";
  b << "</div><ul>";
  {
    // Dependence start -> end, first: the outcome the report leads with.
    std::string dep = "Dependence shares moved: ";
    for (std::size_t q = 0; q < by_end.size(); ++q) {
      const int j = by_end[q].second;
      dep += (q ? "; " : "") + esc(s.name(j)) + " " + pct(s.start(Metric::dependence, j), 0) + " \u2192 <b>" +
             pct(s.end(Metric::dependence, j), 0) + "</b>";
    }
    b << "<li>" << dep << ".</li>";
    // How the balance changed.
    const auto bs = s.focus_series(Metric::balance);
    const auto mn = std::min_element(bs.begin(), bs.end());
    std::string line = esc(F) + "'s balance index went from <b>" + fx(bal0) + "</b> in " + esc(y0) + " to <b>" + fx(bal.mean) +
                       "</b> in " + esc(y1);
    if (R > 1) line += " (90 % of the " + std::to_string(R) + " runs end between " + fx(bal.q05) + " and " + fx(bal.q95) + ")";
    line += ".";
    const std::size_t imin = static_cast<std::size_t>(mn - bs.begin());
    if (imin != 0 && imin + 1 != bs.size()) line += " Its low point was " + fx(*mn) + " in " + esc(year(s.r->times[imin])) + ".";
    b << "<li>" << line << "</li>";
    // Why: smart power growth.
    std::vector<std::pair<double, int>> growth;
    for (int j : partners) growth.push_back({s.end(Metric::smart, j) - s.start(Metric::smart, j), j});
    std::sort(growth.begin(), growth.end(), [](const auto& a, const auto& c) { return a.first > c.first; });
    std::string why = "<b>Why:</b> a partner's share is its smart power over " + esc(F) +
                      " divided by the sum over all partners, so shares move when one partner's power grows faster "
                      "than the others'. From " + esc(y0) + " to " + esc(y1) + ": ";
    for (std::size_t q = 0; q < growth.size(); ++q) {
      const int j = growth[q].second;
      why += (q ? "; " : "") + esc(s.name(j)) + " " + fx(s.start(Metric::smart, j), 2) + " \u2192 " + fx(s.end(Metric::smart, j), 2);
    }
    why += " (smart power, model units; Fig. 3).";
    b << "<li>" << why << "</li>";
    // Through which levers.
    std::string lev = "Where the power comes from in " + esc(y1) + ": ";
    for (std::size_t q = 0; q < partners.size(); ++q) {
      const int j = partners[q];
      std::vector<std::pair<double, int>> ks;
      double tot = 0;
      for (int k = 0; k < sc.n_levers(); ++k) {
        const double v = s.mean(s.I() - 1, Metric::influence, s.F, j, k);
        ks.push_back({v, k});
        tot += v;
      }
      std::sort(ks.begin(), ks.end(), [](const auto& a, const auto& c) { return a.first > c.first; });
      lev += (q ? "; " : "") + esc(s.name(j)) + " mostly through ";
      for (std::size_t z = 0; z < std::min<std::size_t>(2, ks.size()); ++z) {
        lev += (z ? " and " : "") + esc(sc.levers[ks[z].second].id) + " (" +
               (tot > 0 ? pct(ks[z].first / tot, 0) : std::string("0 %")) + ")";
      }
      const double soft = s.end(Metric::soft, j), hard = s.end(Metric::hard, j);
      lev += soft + hard > 0 ? ", " + pct(soft / (soft + hard), 0) + " soft" : "";
    }
    b << "<li>" << lev << " (Fig. 4).</li>";
    int with_focus = 0;
    for (const auto& e : events) with_focus += e.involves_focus ? 1 : 0;
    b << "<li>The numbered markers are the scenario's " << events.size() << " events (" << with_focus << " involve " << esc(F)
      << "); hover over one, or see the list at the end. Each is a one-off boost, so its effect shows as a step in the "
         "partner's power. To measure what one event or policy does, compare against a what-if "
         "(<code>smartpower report FILE --compare WHATIF</code>).</li>";
    if (fits && !fits->fits.empty()) {
      // Against data: the count over every check, and the check the model follows least.
      int n = 0, in = 0;
      const DataFit* worst = &fits->fits.front();
      auto share_in = [](const DataFit& f) {
        return static_cast<double>(f.within) / static_cast<double>(f.points.size());
      };
      for (const auto& f : fits->fits) {
        n += static_cast<int>(f.points.size());
        in += f.within;
        if (share_in(f) < share_in(*worst)) worst = &f;
      }
      b << "<li><b>Against public data</b> (<a href=\"#fig-data\">model vs data</a>): the model's median lies within "
           "tolerance of "
        << in << " of " << n << " observations in " << fits->fits.size() << " data checks"
        << (worst->within < static_cast<int>(worst->points.size())
                ? "; it follows " +
                      esc(worst->claim_id + (worst->claim_name.empty() ? "" : " (" + worst->claim_name + ")")) +
                      " least: " + std::to_string(worst->within) + " of " + std::to_string(worst->points.size())
                : std::string())
        << ".</li>";
    }
  }
  b << "</ul></section>\n";

  // ---- Fig: balance index with band
  {
    Panel p;
    p.id = "balance";
    p.ylabel = "balance index (0 \u2026 1)";
    p.t0 = t0;
    p.t1 = t1;
    p.y0 = 0;
    p.y1 = 1;
    p.H = 360;
    p.right = 90;
    p.marks = &marks;
    const std::size_t bidx = s.m->layout().index(Metric::balance, s.F);
    const auto lo = s.band(bidx, 0.05), hi = s.band(bidx, 0.95), mean = s.focus_series(Metric::balance);
    // With a posterior, the wider band (noise and parameters) goes under the noise band.
    const ParameterBand pb = parameter_band(opt, bidx, s.I());
    if (pb.drawn) p.areas.push_back({kParameterColor, 0.35, s.r->times, pb.lo, pb.hi});
    if (R > 1) p.areas.push_back({kWhatifColor, 0.25, s.r->times, lo, hi});
    p.lines.push_back({"mean balance index", "#1b1b1b", "", 2.6, s.r->times, mean});
    p.end_labels.push_back({mean.back(), fx(mean.back()), "#1b1b1b"});
    p.hover_t = s.r->times;
    p.hover.push_back({"balance index (mean)", "#1b1b1b", mean, false, 3});
    if (R > 1) {
      p.hover.push_back({"95th percentile", kWhatifColor, hi, false, 3});
      p.hover.push_back({"5th percentile", kWhatifColor, lo, false, 3});
    }
    if (pb.drawn) {
      p.hover.push_back({"95th percentile, noise + parameters", kParameterColor, pb.hi, false, 3});
      p.hover.push_back({"5th percentile, noise + parameters", kParameterColor, pb.lo, false, 3});
    }
    std::vector<LegendItem> items{{"line", "#1b1b1b", "mean over " + std::to_string(R) + (R == 1 ? " run" : " runs"), ""}};
    if (R > 1) items.push_back({"area", "#A6CDE6", pb.drawn ? "5\u201395 % of runs: decision noise only" : "5\u201395 % of runs", ""});
    if (pb.drawn) items.push_back({"area", kParameterColor, "5\u201395 %: noise and parameters (posterior draws)", ""});
    items.push_back({"mark", "#0072B2", "event, coloured by partner (hover)", ""});
    std::string shares;
    for (std::size_t q = 0; q < by_end.size(); ++q) shares += (q ? " / " : "") + pct(by_end[q].first, 0);
    double widest = 0;
    std::size_t at = 0;
    for (std::size_t t = 0; t < s.I(); ++t) {
      if (hi[t] - lo[t] > widest) {
        widest = hi[t] - lo[t];
        at = t;
      }
    }
    const std::string band_note =
        R > 1 ? " Here the band is at most " + fx(widest, 3) + " wide (in " + year(s.r->times[at]) + ")" +
                    (widest < 0.03 ? ", so thin that it hides behind the line: the noise barely moves this outcome." : ".")
              : std::string();
    const std::string howto =
        "<p>The balance index measures how evenly " + esc(F) + " spreads its dependence over its " +
        std::to_string(partners.size()) +
        " partners: <b>1</b> = exactly equal shares, <b>0</b> = it depends on one partner alone (it is 1 minus the "
        "normalised Herfindahl concentration of the shares in Fig. 2). The black line is the mean over the runs" +
        (R > 1 ? "; the blue band holds the middle 90 % of the " + std::to_string(R) +
                     " noisy runs at each quarter (5th to 95th percentile), so a narrow band means chance hardly "
                     "matters"
               : std::string("; this page shows a single run, so there is no band")) +
        "." + band_note + " The index is lenient: in " + esc(y1) + " shares of " + shares + " already give " + fx(bal.mean) +
        ". Numbered circles are the scenario's events; hover a circle, or the plot, to read values.</p>" +
        pb.how_to_read;
    pg.figure("fig-balance", "Balance index of " + F + ", " + y0 + "\u2013" + y1,
              "How multi-vector " + F + " is: 1 = equal dependence on every partner", legend_json(items),
              {panel_json(p)}, 1, howto);
  }

  // ---- Fig: dependence shares, stacked
  {
    Panel p;
    p.id = "dependence";
    p.ylabel = "share of " + F + "'s dependence (%)";
    p.t0 = t0;
    p.t1 = t1;
    p.y0 = 0;
    p.y1 = 1;
    p.percent = true;
    p.H = 380;
    p.right = 150;
    p.marks = &marks;
    p.hover_t = s.r->times;
    std::vector<double> acc(s.I(), 0.0);
    std::vector<LegendItem> items;
    for (int j : partners) {
      const auto d = s.focus_series(Metric::dependence, j);
      AreaSpec a;
      a.color = colors.at(sc.actors[j].id);
      a.opacity = 0.85;
      a.t = s.r->times;
      a.lo = acc;
      for (std::size_t t = 0; t < s.I(); ++t) acc[t] += d[t];
      a.hi = acc;
      p.end_labels.push_back({(a.lo.back() + a.hi.back()) / 2, s.name(j) + " " + pct(d.back(), 0), a.color});
      p.areas.push_back(a);
      p.hover.push_back({s.name(j), a.color, d, true, 1});
      items.push_back({"area", a.color, s.name(j), ""});
    }
    // Hover lists the top layer first, like the picture.
    std::reverse(p.hover.begin(), p.hover.end());
    items.push_back({"mark", "#0072B2", "event (hover)", ""});
    const std::string howto =
        "<p>Each coloured layer is the share of " + esc(F) +
        "'s dependence that falls on one partner; the layers always add up to 100 %. A partner's share is its smart "
        "power over " + esc(F) +
        " (Fig. 3) divided by the sum over all partners, so a layer grows when that partner's power grows faster than "
        "the others'. Read the thickness of a layer, not the height of its top edge. Values are means over the runs; "
        "hover the plot to read them for any quarter.</p>";
    pg.figure("fig-dependence", "Whom " + F + " depends on: dependence shares over time",
              "Stacked shares of dependence on each partner (they add up to 100 %)", legend_json(items), {panel_json(p)},
              1, howto);
  }

  // ---- Fig: soft / hard / smart power
  {
    const std::string howto =
        "<p>Power is in model units: comparable across partners and over time, not money. In this model " +
        esc(lever_kind_note(sc)) +
        ". <b>Smart power</b> combines the two with a CES formula (\u03b1 = " + fx(sc.params.alpha, 2) + ", \u03c1 = " +
        fx(sc.params.rho, 2) +
        ") that rewards a balanced mix: a partner strong in only one kind gets less smart power than the sum. "
        "Dependence shares (Fig. 2) are computed from smart power. Steps in a line usually line up with an event "
        "(\u25B2 on the time axis).</p>";
    power_figure(pg, "fig-power", {{&s, SideStyle{}}}, colors, marks, howto);
  }
  lever_figure(pg, s, y1);
  {
    const std::string howto =
        "<p><b>Alignment</b> (left) runs from \u22121 (hostile) to +1 (closely aligned); it rises with shared identity, "
        "soft exchanges and economic interdependence and falls with threat. <b>Threat</b> (right) is what " +
        esc(F) +
        " perceives from each partner: military pressure scaled by proximity and relative military strength, damped by "
        "the partner's soft power and by affinity (\u201csmart power makes no new enemies\u201d). 0 = no threat; the "
        "scale has no natural maximum. Both are means over the runs.</p>";
    alignment_threat_figure(pg, "fig-alignment-threat", {{&s, SideStyle{}}}, colors, marks, howto);
  }

  // ---- lenses
  if (!lenses.empty()) {
    Panel p;
    p.id = "lenses";
    p.ylabel = "balance index (0 \u2026 1)";
    p.t0 = t0;
    p.t1 = t1;
    p.H = 340;
    p.right = 150;
    double lo = 1, hi = 0;
    for (const auto& l : lenses) {
      const Side ls{l.model.get(), &l.result, nullptr, l.model->scenario().actor_index(fid)};
      for (double v : ls.focus_series(Metric::balance)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
    p.y0 = std::min(0.0, lo);
    p.y1 = std::max(1.0, hi);
    p.hover_t = s.r->times;
    std::vector<LegendItem> items;
    std::ostringstream table;
    const std::size_t np = partners.size();
    table << "<div class=\"scroll\"><table class=\"lenses\"><thead><tr><th rowspan=\"2\">lens: what it assumes</th>"
          << "<th class=\"num\" rowspan=\"2\">balance<br>" << esc(y1) << "</th><th class=\"group\" colspan=\"" << np
          << "\">dependence on</th><th class=\"group\" colspan=\"" << np << "\">alignment with</th></tr><tr>";
    for (int pass = 0; pass < 2; ++pass) {
      for (int j : partners) table << "<th class=\"num\">" << esc(s.name(j)) << "</th>";
    }
    table << "</tr></thead><tbody>";
    for (std::size_t q = 0; q < lenses.size(); ++q) {
      const auto& l = lenses[q];
      const Side ls{l.model.get(), &l.result, nullptr, l.model->scenario().actor_index(fid)};
      const std::string name = l.name.empty() ? "none (the scenario's own parameters)" : l.name;
      const std::string color = kLensColors[q % std::size(kLensColors)];
      const auto v = ls.focus_series(Metric::balance);
      p.lines.push_back({name, color, q == 0 ? "" : "", q == 0 ? 3.0 : 2.2, ls.r->times, v});
      p.end_labels.push_back({v.back(), (l.name.empty() ? "none" : l.name) + " " + fx(v.back()), color});
      if (ls.r->times.size() == s.I()) p.hover.push_back({l.name.empty() ? "none" : l.name, color, v, false, 3});
      items.push_back({"line", color, l.name.empty() ? "no lens" : l.name, ""});
      table << "<tr><td><span class=\"dot\" style=\"background:" << color << "\"></span><b>" << esc(l.name.empty() ? "none" : l.name)
            << "</b><div class=\"src\">" << esc(l.description) << "</div></td><td class=\"num\">"
            << fx(ls.final(Metric::balance).mean) << "</td>";
      for (int j : partners) {
        const int lj = ls.sc().actor_index(sc.actors[j].id);
        table << "<td class=\"num\">" << (lj >= 0 ? pct(ls.final(Metric::dependence, lj).mean) : "\u2013") << "</td>";
      }
      for (int j : partners) {
        const int lj = ls.sc().actor_index(sc.actors[j].id);
        table << "<td class=\"num\">" << (lj >= 0 ? fx(ls.final(Metric::alignment, lj).mean) : "\u2013") << "</td>";
      }
      table << "</tr>";
    }
    table << "</tbody></table></div>";
    const std::string howto =
        "<p>Each line is the same scenario under one theory lens: a named set of parameter overrides from the scenario's "
        "<code>[lenses]</code> tables, run with the same seed and the same " + std::to_string(R) +
        " runs. Where the lines part, the conclusion depends on the theory you assume, not on the data. The table "
        "gives each lens's final values (means over the runs).</p>";
    pg.figure("fig-lenses", "The same scenario under each theory lens", "Balance index of " + F + " per lens",
              legend_json(items), {panel_json(p)}, 1, howto, table.str());
  }

  // ---- model vs data
  nlohmann::ordered_json data_fits;
  int data_fig = 0;
  if (fits) {
    data_fits["file"] = fits->file;
    data_fits["runs"] = R;
    data_figure(pg, *fits, s, colors, data_fits);
    data_fig = pg.figures;
  }

  b << events_table(events, F);

  // ---- reproducibility
  std::vector<std::string> lines;
  const std::string file = opt.file.empty() ? "FILE" : quoted(opt.file);
  lines.push_back("Every number on this page comes from one ensemble of <b>" + std::to_string(R) + (R == 1 ? " run" : " runs") +
                  "</b> with master seed <b>" + std::to_string(run.seed) + "</b>" +
                  (opt.lens.empty() ? "" : " under lens <b>" + esc(opt.lens) + "</b>") +
                  ": lines are per-quarter means over the runs, bands per-quarter 5th and 95th percentiles, and the "
                  "final values the same statistics that <code>summary.json</code> holds.");
  lines.push_back("The same final numbers, as files: <code>" +
                  esc("smartpower run " + file + " --runs " + std::to_string(R) + " --seed " + std::to_string(run.seed) +
                      (opt.lens.empty() ? "" : " --lens " + quoted(opt.lens)) + " --out DIR") +
                  "</code> writes them to <code>DIR/summary.json</code> (results do not depend on <code>--threads</code>).");
  if (!lenses.empty()) lines.push_back("Each lens line is the same command with <code>--lens NAME</code>.");
  if (fits) {
    lines.push_back(
        "Fig. " + std::to_string(data_fig) + " reads the data checks of <code>" + esc(fits->file) +
        "</code> on this same ensemble. <code>" +
        esc("smartpower claims " + file + " --claims " + quoted(fits->file) + " --runs " + std::to_string(R) +
            " --seed " + std::to_string(run.seed) + (opt.lens.empty() ? "" : " --lens " + quoted(opt.lens))) +
        "</code> scores the same checks run by run (there a check holds in a run when every point is within "
        "tolerance; the figure shows the median run).");
  }
  b << reproduce_block(lines, opt.command, "");

  // ---- data (the same statistics as summary.json for the focus actor)
  RunInfo info;
  info.seed = run.seed;
  info.runs = R;
  info.lens = opt.lens;
  info.file = opt.file;
  const auto summary = summary_json(*s.m, *s.r, info);
  data["engine"] = std::string("smartpower ") + engine_version();
  data["kind"] = "scenario";
  data["scenario"] = sc.info.name;
  data["focus"] = fid;
  data["runs"] = R;
  data["seed"] = run.seed;
  data["lens"] = opt.lens;
  data["time"] = t1;
  data["finals"] = summary["actors"][fid];
  if (fits) data["model_vs_data"] = data_fits;
  return document(title, pg, std::move(data));
}

// ====================================================================== what-if against base

Json comparison_document(const Comparison& c, const ReportRun& base, const ReportRun& whatif,
                         const ReportOptions& opt, const std::vector<LensRun>& lenses) {
  if (base.result.finals != c.base.finals || whatif.result.finals != c.whatif.finals) {
    throw std::logic_error("comparison report: the report's ensembles differ from the comparison's");
  }
  const Side bs{base.model.get(), &base.result, &base.series, base.focus};
  const Side ws{whatif.model.get(), &whatif.result, &whatif.series, whatif.focus};
  if (bs.sc().actors[bs.F].id != c.focus || ws.sc().actors[ws.F].id != c.focus) {
    throw std::logic_error("comparison report: the report's focus differs from the comparison's");
  }
  const Scenario& bsc = bs.sc();
  const Scenario& wsc = ws.sc();
  const std::string F = ws.focus_name();
  const std::string& fid = c.focus;
  const auto colors = actor_colors(bs, &ws);
  const int R = c.runs;
  const double t0 = ws.r->times.front(), t1 = ws.r->times.back();
  const std::string y0 = year(t0), y1 = year(t1);
  const bool same_times = bs.r->times == ws.r->times;

  // Events: the what-if's (its events include the base's), the added ones marked.
  std::set<int> added_events;
  for (const auto& k : c.causes) {
    if (k.kind == "event") added_events.insert(k.index);
  }
  const auto events = collect_events(wsc, fid, colors, added_events);
  const auto marks = marks_of(events);
  // Moves the what-if adds, grouped by window.
  std::vector<Window> windows;
  {
    std::map<std::pair<double, double>, std::vector<std::string>> groups;
    for (const auto& k : c.causes) {
      if (k.kind != "move") continue;
      const Move& mv = wsc.moves[k.index];
      groups[{mv.from, mv.to}].push_back(k.label + " (" + k.actor + " \u2192 " + k.target + ", " + k.lever + ")");
    }
    for (const auto& [w, labels] : groups) {
      std::string tip = "What-if moves, " + year(w.first) + (std::isinf(w.second) ? std::string(" onwards") : "\u2013" + year(w.second)) + ":";
      for (const auto& l : labels) tip += "\n\u2022 " + l;
      windows.push_back({w.first, w.second,
                         labels.size() == 1 ? "what-if move from " + year(w.first)
                                            : std::to_string(labels.size()) + " what-if moves from " + year(w.first),
                         tip});
    }
  }
  Page pg;
  pg.events = events_json(marks);
  std::ostringstream& b = pg.body;
  std::string short_name = c.whatif_name;
  for (const char* prefix : {"What-if: ", "what-if: ", "What-if ", "what-if "}) {
    if (short_name.rfind(prefix, 0) == 0) short_name = short_name.substr(std::string(prefix).size());
  }
  const std::string title = opt.title.empty() ? "What-if for " + F + ": " + short_name : opt.title;
  b << "<header><p class=\"kicker\">smartpower what-if report</p><h1>" << esc(title) << "</h1>";
  b << "<p class=\"meta\">What-if <b>" << esc(c.whatif_name) << "</b>" << (opt.whatif_file.empty() ? "" : " (" + esc(opt.whatif_file) + ")")
    << " against base <b>" << esc(c.base_name) << "</b>" << (opt.file.empty() ? "" : " (" + esc(opt.file) + ")") << "</p>";
  b << "<p class=\"meta\">Seen from <b>" << esc(F) << "</b> \u00b7 compared in <b>" << esc(year(c.time)) << "</b> \u00b7 <b>" << R
    << " paired runs</b> (the same random numbers on both sides), seed <b>" << c.seed << "</b> \u00b7 lens <b>"
    << esc(opt.lens.empty() ? "none" : opt.lens) << "</b></p></header>\n";

  auto find = [&](Metric m, const std::string& partner) -> const Change* {
    for (const auto& ch : c.changes) {
      if (ch.metric == m && ch.actor == fid && ch.partner == partner) return &ch;
    }
    return nullptr;
  };
  auto wname = [&](const std::string& id) {
    int i = wsc.actor_index(id);
    if (i >= 0) return ws.name(i);
    i = bsc.actor_index(id);
    return i >= 0 ? bs.name(i) : id;
  };
  auto outcome = [&](const Change& ch) -> std::string {
    const std::string p = ch.partner.empty() ? "" : wname(ch.partner);
    switch (ch.metric) {
      case Metric::balance: return "balance index";
      case Metric::hhi: return "concentration (HHI)";
      case Metric::dependence: return "dependence on " + p;
      case Metric::soft: return "soft power of " + p;
      case Metric::hard: return "hard power of " + p;
      case Metric::smart: return "smart power of " + p;
      case Metric::alignment: return "alignment with " + p;
      case Metric::threat: return "threat from " + p;
      default: return std::string(metric_info(ch.metric).name) + " " + p;
    }
  };
  auto cause_name = [&](std::size_t i) {
    return i < c.causes.size() ? c.causes[i].label : std::string("other differences");
  };
  const Change* bal = find(Metric::balance, "");

  // ---- summary: headline numbers and the sentences
  // The partner whose share of the focus's dependence moves most: the headline leads with it
  // (shares move by points where the balance index, flat near an even split, moves by hundredths).
  const Change* dep = nullptr;
  for (const auto& ch : c.changes) {
    if (ch.metric == Metric::dependence && ch.actor == fid && (!dep || std::abs(ch.diff.mean) > std::abs(dep->diff.mean))) dep = &ch;
  }
  b << "<section class=\"summary\" id=\"summary\"><h2>What changes, in plain words</h2><div class=\"headline\">";
  if (dep) {
    const std::string P = esc(wname(dep->partner));
    auto points = [](double v) { return sfx(100 * v, 1) + " pt"; };
    b << "<div><div class=\"big\">" << pct(dep->base.mean) << "</div><div class=\"lab\">" << esc(F) << "'s dependence on " << P
      << "<br>in " << esc(y1) << ", base</div></div><div><div class=\"big\" style=\"color:" << kWhatifColor << "\">"
      << pct(dep->whatif.mean) << "</div><div class=\"lab\">" << esc(F) << "'s dependence on " << P << "<br>in " << esc(y1)
      << ", what-if</div></div><div><div class=\"big\">" << points(dep->diff.mean)
      << "</div><div class=\"lab\">change (95 % of paired runs:<br>" << points(dep->diff.q05) << " to " << points(dep->diff.q95)
      << ")</div></div>";
  }
  if (bal) {
    const int hd = std::abs(bal->diff.q95 - bal->diff.q05) < 0.002 || std::abs(bal->diff.mean) < 0.002 ? 4 : 3;
    b << "<div><div class=\"big\">" << sfx(bal->diff.mean, hd) << "</div><div class=\"lab\">balance index " << fx(bal->base.mean)
      << " \u2192 " << fx(bal->whatif.mean) << "<br>(95 %: " << sfx(bal->diff.q05, hd) << " to " << sfx(bal->diff.q95, hd)
      << "; flat near 1)</div></div>";
  }
  b << "</div><ul>";
  for (const auto& sentence : c.sentences) b << "<li>" << esc(sentence) << "</li>";
  // The mechanism in the model's own terms: the partner whose share moved most, its power, and the concentration.
  {
    const Change* smart = dep ? find(Metric::smart, dep->partner) : nullptr;
    const Change* soft = dep ? find(Metric::soft, dep->partner) : nullptr;
    const Change* hard = dep ? find(Metric::hard, dep->partner) : nullptr;
    const Change* hhi = find(Metric::hhi, "");
    if (dep && smart && soft && hard && hhi && bal && bsc.n_actors() == wsc.n_actors() && std::abs(dep->diff.mean) > 1e-4) {
      const std::string P = wname(dep->partner);
      const bool up = smart->diff.mean > 0;
      std::string line = "<b>Why, in the model's terms:</b> " + esc(P) + "'s smart power over " + esc(F) + " " +
                         (up ? "rises" : "falls") + " from " + fx(smart->base.mean, 2) + " to " + fx(smart->whatif.mean, 2) +
                         " (soft " + sfx(soft->diff.mean, 2) + ", hard " + sfx(hard->diff.mean, 2) + "), " +
                         (dep->diff.mean > 0 ? "faster" : "more slowly") + " than the other partners' power, so " + esc(P) +
                         "'s share of " + esc(F) + "'s dependence goes from " + pct(dep->base.mean) + " to " +
                         pct(dep->whatif.mean) + ". ";
      const double even = 1.0 / (wsc.n_actors() - 1);
      if (dep->diff.mean > 0 && dep->base.mean >= even) {
        line += esc(P) + " already had more than an even share (" + pct(even, 0) + "), so ";
      } else if (dep->diff.mean < 0 && dep->base.mean <= even) {
        line += esc(P) + " already had less than an even share (" + pct(even, 0) + "), so ";
      } else {
        line += "With that, ";
      }
      line += "the concentration of " + esc(F) + "'s dependence (HHI) goes from " + fx(hhi->base.mean) + " to " +
              fx(hhi->whatif.mean) + " and the balance index " +
              (bal->diff.mean < 0 ? "falls" : bal->diff.mean > 0 ? "rises" : "does not move") + ".";
      b << "<li>" << line << "</li>";
    }
  }
  b << "</ul>";
  b << "<p class=\"meta\">What the what-if adds: ";
  if (c.causes.empty()) b << "no moves or events (it changes other settings).";
  for (std::size_t i = 0; i < c.causes.size(); ++i) {
    const Cause& k = c.causes[i];
    b << (i ? "; " : "") << (i + 1) << ". " << esc(k.kind) << " \u201c" << esc(k.label) << "\u201d (" << esc(k.actor)
      << " \u2192 " << esc(k.target) << ", " << (k.lever == "*" ? "every lever" : esc(k.lever) + " lever") << ")";
  }
  b << "</p></section>\n";

  // ---- Fig: balance, base vs what-if with bands (and a zoom on the years the what-if acts)
  const std::size_t bidx_b = bs.m->layout().index(Metric::balance, bs.F), bidx_w = ws.m->layout().index(Metric::balance, ws.F);
  double first_cause = t1;
  for (const auto& k : c.causes) {
    first_cause = std::min(first_cause, k.kind == "move" ? wsc.moves[k.index].from : wsc.events[k.index].time);
  }
  const bool zoom = first_cause > t0 + 0.3 * (t1 - t0) && first_cause < t1;
  const double tz = zoom ? std::max(t0, std::floor(first_cause) - 4) : t0;
  {
    const auto mb = bs.focus_series(Metric::balance), mw = ws.focus_series(Metric::balance);
    std::vector<double> lb = mb, hb = mb, lw = mw, hw = mw;
    if (R > 1) {
      lb = bs.band(bidx_b, 0.05);
      hb = bs.band(bidx_b, 0.95);
      lw = ws.band(bidx_w, 0.05);
      hw = ws.band(bidx_w, 0.95);
    }
    auto make = [&](bool zoomed) {
      Panel p;
      p.id = zoomed ? "balance-zoom" : "balance";
      p.ylabel = "balance index (0 \u2026 1)";
      p.t0 = zoomed ? tz : t0;
      p.t1 = t1;
      p.y0 = 0;
      p.y1 = 1;
      if (zoomed) {
        double lo = 1e300, hi = -1e300;
        for (const Side* sd : {&bs, &ws}) {
          const auto& l = sd == &bs ? lb : lw;
          const auto& h = sd == &bs ? hb : hw;
          for (std::size_t t = 0; t < sd->I(); ++t) {
            if (sd->r->times[t] < tz - 1e-9) continue;
            lo = std::min(lo, l[t]);
            hi = std::max(hi, h[t]);
          }
        }
        nice_range(lo, hi, 1e-3);
        p.y0 = lo;
        p.y1 = hi;
        p.title = "Zoom: " + year(tz) + "\u2013" + y1 + " (the axis does not start at 0)";
        p.ylabel = "balance index";
      } else if (zoom) {
        p.title = "Whole run, " + y0 + "\u2013" + y1;
      }
      p.W = zoom ? 500 : 1000;
      p.H = 360;
      p.right = zoom ? 96 : 140;
      p.marks = &marks;
      p.numbered = zoomed || !zoom;
      p.windows = windows;
      if (R > 1) {
        p.areas.push_back({kBaseColor, 0.22, bs.r->times, lb, hb});
        p.areas.push_back({kWhatifColor, 0.22, ws.r->times, lw, hw});
      }
      p.lines.push_back({"base", kBaseColor, "7 5", 2.4, bs.r->times, mb});
      p.lines.push_back({"what-if", kWhatifColor, "", 2.6, ws.r->times, mw});
      p.end_labels.push_back({mb.back(), (zoom ? "" : "base ") + fx(mb.back()), kBaseColor});
      p.end_labels.push_back({mw.back(), (zoom ? "" : "what-if ") + fx(mw.back()), kWhatifColor});
      p.hover_t = ws.r->times;
      p.hover.push_back({"what-if", kWhatifColor, mw, false, 3});
      if (same_times) p.hover.push_back({"base", kBaseColor, mb, false, 3});
      return panel_json(p);
    };
    std::vector<Json> panels;
    if (zoom) {
      const Json right = make(true);
      panels = {make(false), right};
    } else {
      panels = {make(false)};
    }
    std::vector<LegendItem> items{{"band", kBaseColor, "base: mean and 5\u201395 % of runs", "7 5"},
                                  {"band", kWhatifColor, "what-if: mean and 5\u201395 % of runs", ""}};
    if (!windows.empty()) items.push_back({"window", "", "what-if moves active", ""});
    items.push_back({"mark", "#0072B2", "event (hover)", ""});
    if (!added_events.empty()) items.push_back({"hollow", "#0072B2", "event the what-if adds", ""});
    const std::string howto =
        "<p>The balance index measures how evenly " + esc(F) +
        " spreads its dependence over its partners: 1 = equal shares, 0 = dependence on one partner alone. The dashed "
        "grey line is the base, the solid blue line the what-if; each band holds the middle 90 % of the " +
        std::to_string(R) + " runs. " +
        (c.base_extended ? "The base has been run on to " + esc(y1) + " with its own dynamics (status quo) so that both "
                                                                      "sides end at the same time. "
                         : std::string()) +
        (windows.empty() ? std::string() : "The shaded window shows when the what-if's moves act. ") +
        (zoom ? "The right panel zooms in on the years around the what-if, where the two lines part. " : std::string()) +
        "The next chart plots the difference itself, run by run.</p>";
    pg.figure("fig-balance", "Balance index of " + F + ": base and what-if", "Mean over the runs with the 5\u201395 % band",
              legend_json(items), panels, zoom ? 2 : 1, howto);
  }

  // ---- Fig: paired change over time
  if (same_times) {
    std::vector<Json> panels;
    const std::size_t I = ws.I();
    auto paired = [&](std::size_t cb, std::size_t cw, std::vector<double>& mean, std::vector<double>& lo,
                      std::vector<double>& hi) {
      const long pb = bs.s->find(cb), pw = ws.s->find(cw);
      mean.assign(I, 0);
      lo.assign(I, 0);
      hi.assign(I, 0);
      std::vector<double> d(R);
      for (std::size_t t = 0; t < I; ++t) {
        double m = 0;
        for (int r = 0; r < R; ++r) {
          d[r] = ws.s->at(pw, t, r) - bs.s->at(pb, t, r);
          m += (d[r] - m) / (r + 1);
        }
        mean[t] = m;
        lo[t] = quantile(d, 0.05);
        hi[t] = quantile(d, 0.95);
      }
    };
    {
      Panel p;
      p.id = "change-balance";
      p.title = "Change in the balance index";
      p.ylabel = "what-if \u2212 base";
      p.W = 500;
      p.H = 330;
      p.t0 = tz;
      p.t1 = t1;
      p.right = 20;
      p.marks = &marks;
      p.numbered = false;
      p.windows = windows;
      p.zero_line = true;
      std::vector<double> m, lo, hi;
      paired(bidx_b, bidx_w, m, lo, hi);
      double a = 0, z = 0;
      for (std::size_t t = 0; t < I; ++t) {
        a = std::min({a, lo[t], m[t]});
        z = std::max({z, hi[t], m[t]});
      }
      nice_range(a, z, 1e-4);
      p.y0 = a;
      p.y1 = z;
      if (R > 1) p.areas.push_back({"#1b1b1b", 0.18, ws.r->times, lo, hi});
      p.lines.push_back({"change in balance index", "#1b1b1b", "", 2.6, ws.r->times, m});
      p.hover_t = ws.r->times;
      p.hover.push_back({"change (mean)", "#1b1b1b", m, false, 4});
      if (R > 1) {
        p.hover.push_back({"95th percentile", "#8C8C8C", hi, false, 4});
        p.hover.push_back({"5th percentile", "#8C8C8C", lo, false, 4});
      }
      panels.push_back(panel_json(p));
    }
    {
      Panel p;
      p.id = "change-dependence";
      p.title = "Change in dependence shares";
      p.ylabel = "what-if \u2212 base (% points)";
      p.W = 500;
      p.H = 330;
      p.t0 = tz;
      p.t1 = t1;
      p.right = 20;
      p.marks = &marks;
      p.numbered = false;
      p.windows = windows;
      p.zero_line = true;
      p.percent = true;
      double a = 0, z = 0;
      p.hover_t = ws.r->times;
      for (int j : bs.partners()) {
        const std::string& pid = bsc.actors[j].id;
        const int wj = wsc.actor_index(pid);
        if (wj < 0) continue;
        std::vector<double> m, lo, hi;
        paired(bs.m->layout().index(Metric::dependence, bs.F, j), ws.m->layout().index(Metric::dependence, ws.F, wj), m, lo, hi);
        for (std::size_t t = 0; t < I; ++t) {
          a = std::min({a, lo[t], m[t]});
          z = std::max({z, hi[t], m[t]});
        }
        if (R > 1) p.areas.push_back({colors.at(pid), 0.16, ws.r->times, lo, hi});
        p.lines.push_back({bs.name(j), colors.at(pid), "", 2.4, ws.r->times, m});
        p.hover.push_back({bs.name(j), colors.at(pid), m, true, 2});
      }
      nice_range(a, z, 1e-4);
      p.y0 = a;
      p.y1 = z;
      panels.push_back(panel_json(p));
    }
    std::vector<LegendItem> items{{"band", "#1b1b1b", "balance: mean change and 5\u201395 % of paired runs", ""}};
    for (int j : bs.partners()) {
      if (wsc.actor_index(bsc.actors[j].id) >= 0) items.push_back({"band", colors.at(bsc.actors[j].id), "dependence on " + bs.name(j), ""});
    }
    if (!windows.empty()) items.push_back({"window", "", "what-if moves active", ""});
    const std::string howto =
        "<p>Each run of the what-if is paired with the base run that used the same random numbers, so the difference "
        "between the two is the effect of the what-if alone. Lines are the mean difference, bands the middle 90 % of "
        "the paired differences; above 0 the what-if is higher. Left: the balance index. Right: each partner's share of " +
        esc(F) + "'s dependence, in percentage points (they add up to 0). The vertical axes are zoomed to the change" +
        (zoom ? ", and the time axis starts at " + year(tz) + ": before the what-if acts, the paired runs are identical" : "") +
        ".</p>";
    pg.figure("fig-change", "What the what-if changes, quarter by quarter", "What-if minus base, paired run by run",
              legend_json(items), panels, 2, howto);
  }

  // ---- Fig: attribution
  {
    std::vector<const Change*> shown;
    if (bal) shown.push_back(bal);
    for (int j : ws.partners()) {
      if (const Change* d = find(Metric::dependence, wsc.actors[j].id)) shown.push_back(d);
    }
    std::vector<Json> panels;
    for (const Change* ch : shown) {
      const bool dep = ch->metric == Metric::dependence;
      const double scale = dep ? 100 : 1;
      double mx = 0;
      for (double a : ch->attribution) mx = std::max(mx, std::abs(a) * scale);
      const int digits = mx >= 1 ? 2 : mx >= 0.01 ? 3 : 4;
      auto text = [&](double v) { return sfx(v * scale, digits) + (dep ? " pts" : ""); };
      std::vector<BarRow> rows;
      for (std::size_t i = 0; i < ch->attribution.size(); ++i) {
        const double v = ch->attribution[i];
        if (i == c.causes.size() && std::abs(v) < 1e-12 && !c.causes.empty()) continue;  // nothing unexplained
        rows.push_back({(i < c.causes.size() ? std::to_string(i + 1) + ". " : "") + cause_name(i), text(v), v * scale, NAN, NAN,
                        v >= 0 ? kPositive : kNegative, false});
      }
      rows.push_back({"total change", text(ch->diff.mean), ch->diff.mean * scale, ch->diff.q05 * scale, ch->diff.q95 * scale,
                      "#1b1b1b", true});
      std::string ptitle = outcome(*ch) + (dep ? " (% points)" : "");
      ptitle[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(ptitle[0])));
      panels.push_back(bars_json(ptitle, rows, 500));
    }
    std::vector<LegendItem> items{{"area", kPositive, "raises the outcome", ""},
                                  {"area", kNegative, "lowers the outcome", ""},
                                  {"area", "#8C8C8C", "total, with the 95 % interval of the paired change", ""}};
    const std::string howto =
        "<p>How much of each change in " + esc(y1) + " comes from each move or event the what-if adds. The model was run "
        "with every combination of these causes switched on and off (" +
        std::string(c.exact_shapley ? "exact Shapley values" : "leave-one-out effects rescaled to the total") +
        "), so the bars add up to the total change shown in the last row. Blue bars raise the outcome, orange bars "
        "lower it; the whisker on the total is the 95 % interval of the paired change. \u201cOther differences\u201d "
        "is what the causes do not explain (other settings of the what-if, a removed actor).</p>";
    pg.figure("fig-attribution", "Why: the change attributed to the what-if's moves and events",
              "Shapley attribution of each change in " + F + "'s outcomes", legend_json(items), panels, 2, howto);
  }

  // ---- table of every outcome of the focus actor
  {
    b << "<section class=\"block\" id=\"changes\"><h2>All of " << esc(F) << "'s outcomes in " << esc(y1)
      << "</h2><p class=\"meta\">Largest relative change first. Change = what-if minus base, paired by run; the interval "
         "holds 95 % of the paired changes; \u201cagree\u201d is the share of runs whose change has the sign of the mean.</p>"
      << "<table><thead><tr><th>outcome</th><th class=\"num\">base</th><th class=\"num\">what-if</th><th class=\"num\">change</th>"
         "<th class=\"num\">95 % interval</th><th class=\"num\">agree</th><th>main cause</th></tr></thead><tbody>";
    for (const auto& ch : c.changes) {
      if (ch.actor != fid) continue;
      std::size_t best = 0;
      for (std::size_t i = 1; i < ch.attribution.size(); ++i) {
        if (std::abs(ch.attribution[i]) > std::abs(ch.attribution[best])) best = i;
      }
      const bool negligible = std::abs(ch.diff.mean) < 5e-4 * std::max(1.0, std::abs(ch.base.mean));
      b << "<tr><td>" << esc(outcome(ch)) << "</td><td class=\"num\">" << fx(ch.base.mean) << "</td><td class=\"num\">"
        << fx(ch.whatif.mean) << "</td><td class=\"num\">" << sfx(ch.diff.mean) << "</td><td class=\"num\">[" << sfx(ch.diff.q05)
        << ", " << sfx(ch.diff.q95) << "]</td><td class=\"num\">" << std::lround(100 * ch.same_sign) << kNbsp << "%</td><td>"
        << (negligible ? "\u2013" : esc(cause_name(best))) << "</td></tr>";
    }
    b << "</tbody></table></section>\n";
  }

  // ---- Fig: dependence stacked (what-if) with the base's boundaries
  {
    Panel p;
    p.id = "dependence";
    p.ylabel = "share of " + F + "'s dependence (%)";
    p.t0 = t0;
    p.t1 = t1;
    p.y0 = 0;
    p.y1 = 1;
    p.percent = true;
    p.H = 380;
    p.right = 150;
    p.marks = &marks;
    p.hover_t = ws.r->times;
    std::vector<double> acc(ws.I(), 0.0), bacc(bs.I(), 0.0);
    std::vector<LegendItem> items;
    const auto wp = ws.partners();
    for (std::size_t q = 0; q < wp.size(); ++q) {
      const int j = wp[q];
      const std::string& pid = wsc.actors[j].id;
      const auto d = ws.focus_series(Metric::dependence, j);
      AreaSpec a;
      a.color = colors.at(pid);
      a.opacity = 0.85;
      a.t = ws.r->times;
      a.lo = acc;
      for (std::size_t t = 0; t < ws.I(); ++t) acc[t] += d[t];
      a.hi = acc;
      p.end_labels.push_back({(a.lo.back() + a.hi.back()) / 2, ws.name(j) + " " + pct(d.back(), 0), a.color});
      p.areas.push_back(a);
      p.hover.push_back({ws.name(j) + " (what-if)", a.color, d, true, 1});
      items.push_back({"area", a.color, ws.name(j), ""});
      // The base's boundary between this layer and the next, dashed.
      const int bj = bsc.actor_index(pid);
      if (bj >= 0 && q + 1 < wp.size()) {
        const auto bd = bs.focus_series(Metric::dependence, bj);
        for (std::size_t t = 0; t < bs.I(); ++t) bacc[t] += bd[t];
        p.lines.push_back({"base boundary", "#1b1b1b", "5 4", 1.6, bs.r->times, bacc});
      }
      if (bj >= 0 && same_times) p.hover.push_back({ws.name(j) + " (base)", kBaseColor, bs.focus_series(Metric::dependence, bj), true, 1});
    }
    // Hover: what-if layers first, then base values.
    items.push_back({"line", "#1b1b1b", "boundaries in the base", "5 4"});
    const std::string howto =
        "<p>The coloured layers are the what-if's shares of " + esc(F) +
        "'s dependence on each partner (they add up to 100 %); the dashed lines are where the boundaries between "
        "layers lie in the base. A layer that is thicker than its dashed outline gained share in the what-if. A "
        "partner's share is its smart power over " + esc(F) + " divided by the sum over partners (next chart).</p>";
    pg.figure("fig-dependence", "Whom " + F + " depends on, in the what-if", "Stacked dependence shares; dashed: the base",
              legend_json(items), {panel_json(p)}, 1, howto);
  }

  // ---- power, alignment and threat: what-if solid, base dashed
  const std::vector<std::pair<const Side*, SideStyle>> both{{&bs, SideStyle{"base", "6 4", 1.6}}, {&ws, SideStyle{"what-if", "", 2.4}}};
  power_figure(pg, "fig-power", both, colors, marks,
               "<p>Power each partner exerts over " + esc(F) +
                   ", in model units (comparable across partners and time, not money); solid lines are the what-if, "
                   "dashed lines the base. In this model " + esc(lever_kind_note(wsc)) +
                   "; smart power combines them with a CES formula that rewards a balanced mix, and dependence shares "
                   "are computed from it.</p>",
               windows);
  alignment_threat_figure(pg, "fig-alignment-threat", both, colors, marks,
                          "<p><b>Alignment</b> runs from \u22121 (hostile) to +1 (aligned): identity, exchanges and "
                          "interdependence raise it, threat lowers it. <b>Threat</b> is military pressure scaled by "
                          "proximity and relative strength, damped by soft power and affinity; 0 = none. Solid: "
                          "what-if; dashed: base.</p>",
                          windows);

  // ---- lenses
  if (!lenses.empty()) {
    std::vector<BarRow> rows;
    std::ostringstream table;
    table << "<div class=\"scroll\"><table class=\"lenses\"><thead><tr><th>lens: what it assumes</th><th class=\"num\">base</th><th class=\"num\">what-if</th>"
             "<th class=\"num\">change</th><th class=\"num\">95 % interval</th><th class=\"num\">agree</th><th>main cause</th>"
             "</tr></thead><tbody>";
    double mx = 0;
    for (const auto& l : lenses) {
      if (!l.comparison) continue;
      for (const auto& ch : l.comparison->changes) {
        if (ch.metric == Metric::balance && ch.actor == fid) mx = std::max({mx, std::abs(ch.diff.q05), std::abs(ch.diff.q95)});
      }
    }
    const int digits = mx >= 0.01 ? 3 : 4;
    for (std::size_t q = 0; q < lenses.size(); ++q) {
      const auto& l = lenses[q];
      if (!l.comparison) continue;
      const Change* ch = nullptr;
      for (const auto& x : l.comparison->changes) {
        if (x.metric == Metric::balance && x.actor == fid) ch = &x;
      }
      if (!ch) continue;
      std::size_t best = 0;
      for (std::size_t i = 1; i < ch->attribution.size(); ++i) {
        if (std::abs(ch->attribution[i]) > std::abs(ch->attribution[best])) best = i;
      }
      const std::string lname = l.name.empty() ? "none" : l.name;
      const std::string cause = best < l.comparison->causes.size() ? l.comparison->causes[best].label : "other differences";
      rows.push_back({lname, sfx(ch->diff.mean, digits), ch->diff.mean, ch->diff.q05, ch->diff.q95,
                      ch->diff.mean >= 0 ? kPositive : kNegative, false});
      table << "<tr><td><b>" << esc(lname) << "</b><div class=\"src\">" << esc(l.description) << "</div></td><td class=\"num\">"
            << fx(ch->base.mean)
            << "</td><td class=\"num\">" << fx(ch->whatif.mean) << "</td><td class=\"num\">" << sfx(ch->diff.mean, digits)
            << "</td><td class=\"num\">[" << sfx(ch->diff.q05, digits) << ", " << sfx(ch->diff.q95, digits)
            << "]</td><td class=\"num\">" << std::lround(100 * ch->same_sign) << kNbsp << "%</td><td>" << esc(cause)
            << "</td></tr>";
    }
    table << "</tbody></table></div>";
    std::vector<LegendItem> items{{"area", kPositive, "the what-if raises the balance", ""},
                                  {"area", kNegative, "the what-if lowers it", ""}};
    const std::string howto =
        "<p>The same comparison under each theory lens (a named set of parameter overrides from the scenario's "
        "<code>[lenses]</code>, applied to both sides, same seed and runs). Bars are the change in " + esc(F) +
        "'s balance index in " + esc(y1) + ", whiskers its 95 % interval. If the bars point different ways, the "
        "conclusion depends on the theory you assume.</p>";
    pg.figure("fig-lenses", "Does the answer depend on the theory? The change under each lens",
              "Change in the balance index of " + F + " (what-if minus base)", legend_json(items), {bars_json("", rows, 1000)}, 1,
              howto, table.str());
  }

  {
    b << "<section class=\"block\" id=\"events\"><h2>What the what-if adds, and the events on the time axis</h2>";
    if (c.causes.empty()) {
      b << "<p>The what-if adds no moves or events: every change comes from its other settings"
        << (bsc.n_actors() != wsc.n_actors() ? " (it has a different set of actors)" : "") << ".</p>";
    } else {
      b << "<table><thead><tr><th class=\"num\">#</th><th>kind</th><th>when</th><th>what and source</th><th>who</th>"
           "<th>lever</th></tr></thead><tbody>";
      for (std::size_t i = 0; i < c.causes.size(); ++i) {
        const Cause& k = c.causes[i];
        std::string when;
        if (k.kind == "move") {
          const Move& mv = wsc.moves[k.index];
          when = std::isinf(mv.to) ? "from " + year(mv.from) : year(mv.from) + "\u2013" + year(mv.to);
          when += mv.effort != 0 ? " (" + sfx(mv.effort, 2) + " effort/yr)" : "";
          when += mv.scale != 1 ? " (effort \u00d7" + fx(mv.scale, 2) + ")" : "";
        } else {
          when = month_year(wsc.events[k.index].time);
        }
        b << "<tr class=\"added\"><td class=\"num\">" << (i + 1) << "</td><td>" << esc(k.kind) << "</td><td class=\"when\">"
          << esc(when) << "</td><td>" << esc(k.label);
        if (!k.source.empty()) b << "<div class=\"src\">" << esc(k.source) << "</div>";
        b << "</td><td class=\"who\">" << esc(wname(k.actor)) << " \u2192 " << esc(k.target == "*" ? "every partner" : wname(k.target))
          << "</td><td>" << esc(k.lever == "*" ? "every lever" : k.lever) << "</td></tr>";
      }
      b << "</tbody></table>";
    }
    std::vector<const EventInfo*> shared, extra;
    for (const auto& e : events) (e.added ? extra : shared).push_back(&e);
    if (!extra.empty()) {
      b << "<p class=\"meta\">The added events on the time axis (hollow markers):</p>" << event_rows(extra);
    }
    b << "<details><summary>The " << shared.size() << " events the what-if shares with the base (click to show)</summary><p class=\"meta\">"
      << events_intro(F) << "</p>" << (shared.empty() ? std::string() : event_rows(shared)) << "</details></section>\n";
  }

  std::vector<std::string> lines;
  const std::string bf = opt.file.empty() ? "BASE" : quoted(opt.file), wf = opt.whatif_file.empty() ? "WHATIF" : quoted(opt.whatif_file);
  lines.push_back("Every number on this page comes from one paired comparison: <b>" + std::to_string(R) +
                  " runs</b> of each side with master seed <b>" + std::to_string(c.seed) + "</b>" +
                  (opt.lens.empty() ? "" : " under lens <b>" + esc(opt.lens) + "</b>") +
                  "; run <i>r</i> of the what-if uses the same random numbers as run <i>r</i> of the base. Lines are "
                  "per-quarter means, bands per-quarter 5th and 95th percentiles.");
  lines.push_back("The same numbers in the terminal and as a file: <code>" +
                  esc("smartpower compare " + bf + " " + wf + " --runs " + std::to_string(R) + " --seed " +
                      std::to_string(c.seed) + (opt.lens.empty() ? "" : " --lens " + quoted(opt.lens)) +
                      (c.focus.empty() ? "" : " --actor " + c.focus) + " --out DIR") +
                  "</code> (writes <code>DIR/compare.json</code>).");
  b << reproduce_block(lines, opt.command, "");

  nlohmann::ordered_json data;
  data["engine"] = std::string("smartpower ") + engine_version();
  data["kind"] = "comparison";
  data["focus"] = fid;
  data["runs"] = R;
  data["seed"] = c.seed;
  data["lens"] = opt.lens;
  data["comparison"] = comparison_json(c);
  return document(title, pg, std::move(data));
}

}  // namespace

std::string report_html(const ReportRun& run, const ReportOptions& options, const std::vector<LensRun>& lenses,
                        const ModelVsData* data) {
  return page(scenario_document(run, options, lenses, data));
}

std::string report_json(const ReportRun& run, const ReportOptions& options, const std::vector<LensRun>& lenses,
                        const ModelVsData* data) {
  return scenario_document(run, options, lenses, data).dump(1) + "\n";
}

std::string comparison_report_html(const Comparison& c, const ReportRun& base, const ReportRun& whatif,
                                   const ReportOptions& options, const std::vector<LensRun>& lenses) {
  return page(comparison_document(c, base, whatif, options, lenses));
}

std::string comparison_report_json(const Comparison& c, const ReportRun& base, const ReportRun& whatif,
                                   const ReportOptions& options, const std::vector<LensRun>& lenses) {
  return comparison_document(c, base, whatif, options, lenses).dump(1) + "\n";
}

}  // namespace smartpower
