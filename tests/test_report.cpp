// HTML reports: one chart per required figure, event markers with their labels and
// sources, escaping of every text from TOML, what-if attribution and sentences, and the
// same numbers as summary.json / compare.json of the same seed and runs.
#include <catch2/catch.hpp>

#include <regex>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "smartpower/compare.hpp"
#include "smartpower/document.hpp"
#include "smartpower/output.hpp"
#include "smartpower/report.hpp"

using namespace smartpower;
using Catch::Contains;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size())) ++n;
  return n;
}

ReportRun baseline_run(int runs, const std::string& file = sptest::scenario("baseline.toml"), const std::string& actor = "") {
  auto model = std::make_shared<const Model>(load_scenario(file));
  EnsembleOptions o;
  o.runs = runs;
  o.seed = model->scenario().info.seed;
  o.threads = 2;
  return run_for_report(model, actor, o);
}

// The JSON the page embeds (numbers behind the charts).
nlohmann::json page_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const auto a = html.find(open);
  REQUIRE(a != std::string::npos);
  const auto b = html.find("</script>", a);
  REQUIRE(b != std::string::npos);
  return nlohmann::json::parse(html.substr(a + open.size(), b - a - open.size()));
}

std::string quoted(const std::string& p) { return "'" + p + "'"; }

// Substring checks that do not print a whole page when they fail.
bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

}  // namespace

TEST_CASE("a scenario report has one chart per required figure and every event as a labelled marker", "[report]") {
  const ReportRun run = baseline_run(20);
  ReportOptions o;
  o.file = "scenarios/baseline.toml";
  const std::string html = report_html(run, o);
  // The figures the issue asks for, each a <figure class="chart"> with inline SVG.
  for (const char* id : {"fig-balance", "fig-dependence", "fig-power", "fig-levers", "fig-alignment-threat"}) {
    INFO(id);
    CHECK(count(html, std::string("<figure class=\"chart\" id=\"") + id + "\"") == 1);
  }
  CHECK(count(html, "<figure class=\"chart\"") == 5);
  CHECK(has(html, "data-expected-charts=\"5\""));
  CHECK(count(html, "<aside class=\"howto\"><h3>How to read this</h3>") == 5);
  CHECK(has(html, "<svg class=\"panel\""));
  // Axis labels with units and years, a legend, the band.
  CHECK(has(html, ">Year</text>"));
  CHECK(has(html, "balance index (0 \u2026 1)"));
  CHECK(has(html, "model units"));
  CHECK(has(html, "class=\"legend\""));
  CHECK(has(html, "5\u201395 % of runs"));
  // Every enabled event is a marker whose tooltip names its label and source.
  const Scenario& sc = run.model->scenario();
  int enabled = 0;
  for (const auto& e : sc.events) {
    if (!e.enabled) continue;
    ++enabled;
    INFO(e.label);
    CHECK(has(html, html_escape(e.label)));
    CHECK(has(html, "Source: " + html_escape(e.source)));
  }
  REQUIRE(enabled == 26);
  // Numbered circles on the full-width charts, ticks on the small ones: every event at least once per chart.
  CHECK(count(html, "class=\"event-marker\"") >= static_cast<std::size_t>(enabled) * 5);
  CHECK(has(html, "<title>1. Dec 1991"));
  // The seed and the runs are stated, with the equivalent `run` command.
  CHECK(has(html, "20240917"));
  CHECK(has(html, "smartpower run scenarios/baseline.toml --runs 20 --seed 20240917"));
  // Self-contained: no external resources, small.
  CHECK_FALSE(std::regex_search(html, std::regex(R"(<(script|link|img|iframe)[^>]+(src|href)=)")));
  CHECK(html.size() < 2'000'000);
  // Plain-language summary of how the balance changed and why.
  CHECK(has(html, "balance index went from"));
  CHECK(has(html, "Why:"));
  CHECK(has(html, "Dependence shares moved"));
}

TEST_CASE("report bands are real per-instant quantiles of the runs", "[report]") {
  const ReportRun run = baseline_run(40);
  const auto& L = run.model->layout();
  const std::size_t bal = L.index(Metric::balance, run.focus);
  const long col = run.series.find(bal);
  REQUIRE(col == 0);
  REQUIRE(run.series.instants == run.result.times.size());
  std::size_t fc = 0;
  while (run.result.final_columns[fc] != bal) ++fc;
  const Stats s = final_stats(run.result, fc);
  const std::size_t last = run.series.instants - 1;
  CHECK(run.series.quantile(0, last, 0.05) == s.q05);
  CHECK(run.series.quantile(0, last, 0.95) == s.q95);
  // Per-run values reproduce the ensemble mean at every instant.
  for (std::size_t t = 0; t < run.series.instants; t += 17) {
    double m = 0;
    for (int r = 0; r < run.series.runs; ++r) m += (run.series.at(0, t, r) - m) / (r + 1);
    CHECK(m == Approx(run.result.mean[t * L.size() + bal]).epsilon(1e-12));
  }
  CHECK_THROWS_AS(baseline_run(2, sptest::scenario("baseline.toml"), "KAZZ"), InputError);
}

TEST_CASE("every text from the scenario is escaped for HTML", "[report][escape]") {
  CHECK(html_escape("<script>alert(\"x\") & 'y'</script>") ==
        "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
  const auto dir = sptest::temp_dir("report-escape");
  const auto file = sptest::write(dir / "evil.toml", sptest::tiny_scenario(R"(
[[events]]
label = "<script>alert('label')</script> & <b>bold</b>"
source = "</script><script>alert(\"source\")</script>"
time = 2000.5
actor = "B"
target = "A"
lever = "culture"
stock = 0.5
)"));
  // Names too.
  const std::string text = std::regex_replace(sptest::read(file), std::regex("id = \"B\"\n"),
                                              "id = \"B\"\nname = \"B<img src=x onerror=alert(1)>\"\n");
  REQUIRE(text != sptest::read(file));
  sptest::write(dir / "evil.toml", text);
  auto model = std::make_shared<const Model>(load_scenario(file));
  EnsembleOptions e;
  e.runs = 3;
  const std::string html = report_html(run_for_report(model, "", e), ReportOptions{"", file, "", "", "smartpower report <x>"});
  CHECK(!has(html, "<script>alert"));
  CHECK(!has(html, "<b>bold</b>"));
  CHECK(!has(html, "<img src=x"));
  CHECK(has(html, "&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"));
  CHECK(has(html, "&lt;/script&gt;&lt;script&gt;alert(&quot;source&quot;)&lt;/script&gt;"));
  CHECK(has(html, "B&lt;img src=x onerror=alert(1)&gt;"));
  CHECK(has(html, "smartpower report &lt;x&gt;"));
  // The only script elements are the page's own three; the embedded JSON cannot close its element early.
  CHECK(count(html, "<script") == 3);
  CHECK(count(html, "</script>") == 3);
  const auto data = page_data(html);
  CHECK(data["focus"] == "A");
}

TEST_CASE("a what-if report adds the paired change, the attribution bars and the plain sentences", "[report][compare]") {
  Document base = load_document(sptest::scenario("baseline.toml"));
  Document whatif = load_document(sptest::scenario("whatif/turkey_trade_push.toml"));
  CompareOptions o;
  o.runs = 12;
  o.threads = 2;
  const Comparison c = compare_scenarios(*base.table, *whatif.table, o);
  EnsembleOptions e;
  e.runs = c.runs;
  e.seed = c.seed;
  e.threads = 2;
  const ReportRun b = run_for_report(c.base_model, c.focus, e);
  const ReportRun w = run_for_report(c.whatif_model, c.focus, e);
  ReportOptions ro;
  ro.file = "scenarios/baseline.toml";
  ro.whatif_file = "scenarios/whatif/turkey_trade_push.toml";
  const std::string html = comparison_report_html(c, b, w, ro);
  for (const char* id : {"fig-balance", "fig-change", "fig-attribution", "fig-dependence", "fig-power", "fig-alignment-threat"}) {
    INFO(id);
    CHECK(count(html, std::string("<figure class=\"chart\" id=\"") + id + "\"") == 1);
  }
  CHECK(has(html, "data-expected-charts=\"6\""));
  REQUIRE(c.causes.size() == 3);
  for (const auto& k : c.causes) CHECK(has(html, html_escape(k.label)));
  REQUIRE_FALSE(c.sentences.empty());
  for (const auto& s : c.sentences) CHECK(has(html, html_escape(s)));
  CHECK(has(html, "Why, in the model's terms:"));
  CHECK(has(html, "total change"));
  CHECK(has(html, "Shapley"));
  CHECK(has(html, "smartpower compare scenarios/baseline.toml scenarios/whatif/turkey_trade_push.toml --runs 12"));
  // The page's numbers are the comparison's.
  const auto data = page_data(html);
  CHECK(data["comparison"] == nlohmann::json::parse(comparison_json(c).dump()));
  // A scenario report has none of it.
  const std::string single = report_html(b, ro);
  CHECK(!has(single, "fig-attribution"));
  CHECK(!has(single, "fig-change"));
  // Ensembles that are not the comparison's are refused.
  EnsembleOptions other = e;
  other.seed = c.seed + 1;
  CHECK_THROWS_AS(comparison_report_html(c, run_for_report(c.base_model, c.focus, other), w, ro), std::logic_error);
}

TEST_CASE("report numbers equal summary.json of `smartpower run` with the same seed and runs", "[report][cli]") {
  const auto dir = sptest::temp_dir("report-cli");
  const std::string scen = quoted(sptest::scenario("baseline.toml"));
  std::string out;
  REQUIRE(sptest::run(sptest::bin() + " report " + scen + " --runs 24 --threads 2 -q --out " + quoted((dir / "r.html").string()) +
                          " --data " + quoted((dir / "data").string()),
                      &out) == 0);
  CHECK_THAT(out, Contains("wrote") && Contains("r.html"));
  REQUIRE(sptest::run(sptest::bin() + " run " + scen + " --runs 24 -q --out " + quoted((dir / "run").string())) == 0);
  const auto summary = nlohmann::json::parse(sptest::read((dir / "run" / "summary.json").string()));
  const std::string html = sptest::read((dir / "r.html").string());
  const auto data = page_data(html);
  CHECK(data["runs"] == 24);
  CHECK(data["seed"] == summary["seed"]);
  CHECK(data["finals"] == summary["actors"]["KAZ"]);
  const auto written = nlohmann::json::parse(sptest::read((dir / "data" / "summary.json").string()));
  CHECK(written["actors"] == summary["actors"]);
  CHECK(written["resolved_scenario"] == summary["resolved_scenario"]);
  // The headline number is the summary's mean, as printed.
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", summary["actors"]["KAZ"]["balance"]["mean"].get<double>());
  CHECK(has(html, std::string("<div class=\"big\">") + buf + "</div>"));

  // Byte-identical whatever the thread count or output place.
  REQUIRE(sptest::run(sptest::bin() + " report " + scen + " --runs 24 --threads 1 -q --out " + quoted((dir / "r1.html").string())) == 0);
  CHECK(sptest::read((dir / "r1.html").string()) == html);

  // Another actor, a lens, and the lens section.
  REQUIRE(sptest::run(sptest::bin() + " report " + scen + " --runs 6 --actor TUR --lens realism -q --out " +
                      quoted((dir / "tur.html").string())) == 0);
  const std::string tur = sptest::read((dir / "tur.html").string());
  CHECK(has(tur, "Türkiye&#39;s balance between its partners"));
  CHECK(has(tur, "lens <b>realism</b>"));
  REQUIRE(sptest::run(sptest::bin() + " report " + scen + " --runs 6 --lenses -q --out " + quoted((dir / "l.html").string())) == 0);
  const std::string lenses = sptest::read((dir / "l.html").string());
  CHECK(has(lenses, "id=\"fig-lenses\""));
  CHECK(has(lenses, "constructivism"));
  CHECK(has(lenses, "data-expected-charts=\"6\""));

  // Usage errors are exit code 2 with a message.
  CHECK(sptest::run(sptest::bin() + " report " + scen + " --actor KAZZ -q --out " + quoted((dir / "x.html").string()), &out) == 2);
  CHECK_THAT(out, Contains("KAZZ") && Contains("KAZ"));
  CHECK(sptest::run(sptest::bin() + " report " + scen + " --lens realism --lenses --out " + quoted((dir / "x.html").string())) == 2);
  CHECK_FALSE(std::filesystem::exists(dir / "x.html"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a what-if report from the command line carries compare.json's numbers", "[report][cli][compare]") {
  const auto dir = sptest::temp_dir("report-cmp");
  const std::string base = quoted(sptest::scenario("baseline.toml"));
  const std::string whatif = quoted(sptest::scenario("whatif/russia_military_pressure.toml"));
  REQUIRE(sptest::run(sptest::bin() + " report " + base + " --compare " + whatif + " --runs 16 --lenses -q --out " +
                      quoted((dir / "c.html").string()) + " --data " + quoted((dir / "data").string())) == 0);
  REQUIRE(sptest::run(sptest::bin() + " compare " + base + " " + whatif + " --runs 16 -q --out " + quoted((dir / "cmp").string())) == 0);
  const auto cmp = nlohmann::json::parse(sptest::read((dir / "cmp" / "compare.json").string()));
  const std::string html = sptest::read((dir / "c.html").string());
  CHECK(page_data(html)["comparison"] == cmp);
  CHECK(nlohmann::json::parse(sptest::read((dir / "data" / "compare.json").string())) == cmp);
  CHECK(has(html, "id=\"fig-attribution\""));
  CHECK(has(html, "id=\"fig-lenses\""));
  CHECK(has(html, "Russian military pressure"));
  CHECK(html.size() < 2'000'000);
  std::filesystem::remove_all(dir);
}
