// Data checks (issue 14): log errors, shares read through `per`, and the flagship's data
// checks file loading against the baseline.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <iomanip>
#include <map>
#include <regex>
#include <sstream>

#include "helpers.hpp"
#include "smartpower/analysis/claims_toml.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/io/load.hpp"

using namespace smartpower;

namespace {

// No budgets: A's culture stock toward B is 4 * 0.95^n at quarter n, B's toward A 1 * 0.95^n.
const std::string kDecayOnly = sptest::decay_only_scenario(R"(
[relations.A.B]
stocks = { culture = 4.0 }

[relations.B.A]
stocks = { culture = 1.0 }
)");

double margin_of(const std::string& check) {
  const auto dir = sptest::temp_dir("datachecks");
  const auto file = sptest::write(dir / "claims.toml",
                                  "[[claims]]\nid = \"X\"\ntext = \"t\"\nsection = \"s\"\n[[claims.checks]]\n" + check + "\n");
  Document doc = load_document_from_string(kDecayOnly, "decay.toml");
  const auto rep = evaluate_claims(*doc.table, load_claims(file), ClaimOptions{});
  REQUIRE(rep.claims.size() == 1);
  return rep.claims[0].margin;
}

const double s2001 = 4 * std::pow(0.95, 4);  // stock[A,B,culture] at 2001

std::string num(double v) {
  std::ostringstream ss;
  ss << std::setprecision(17) << v;
  return ss.str();
}

}  // namespace

TEST_CASE("a data check with error = \"log\" measures |ln(model / observed)|", "[claims][data][log]") {
  // Observed 2x the model: log error ln 2 either way, where the relative error is 0.5 or 1.
  const double e = std::log(2.0);
  CHECK(margin_of("kind = \"data\"\nmetric = \"stock[A,B,culture]\"\npoints = [[2001.0, " + num(2 * s2001) +
                  "]]\nerror = \"log\"\ntolerance = 1.0") == Approx(1.0 - e).epsilon(1e-6));
  CHECK(margin_of("kind = \"data\"\nmetric = \"stock[A,B,culture]\"\npoints = [[2001.0, " + num(s2001 / 2) +
                  "]]\nerror = \"log\"\ntolerance = 1.0") == Approx(1.0 - e).epsilon(1e-6));
  // The default stays relative: observed 2x the model is a relative error of 0.5.
  CHECK(margin_of("kind = \"data\"\nmetric = \"stock[A,B,culture]\"\npoints = [[2001.0, " + num(2 * s2001) +
                  "]]\ntolerance = 1.0") == Approx(0.5).epsilon(1e-6));
}

TEST_CASE("a data check with `per` compares a ratio", "[claims][data][per]") {
  // A's stock toward B over B's toward A: both decay alike, so 4 / 1 at any time.
  CHECK(margin_of("kind = \"data\"\nmetric = \"stock[A,B,culture]\"\nper = \"stock[B,A,culture]\"\n"
                  "points = [[2001.0, 4.0]]\ntolerance = 0.1") == Approx(1.0));
  // Observed 5: relative error 0.2 of a tolerance 0.5.
  CHECK(margin_of("kind = \"data\"\nmetric = \"stock[A,B,culture]\"\nper = \"stock[B,A,culture]\"\n"
                  "points = [[2001.0, 5.0]]\ntolerance = 0.5") == Approx(0.6));
  // With a window, each quarter's ratio is averaged (the same 4 in every quarter).
  CHECK(margin_of("kind = \"data\"\nmetric = \"stock[A,B,culture]\"\nper = \"stock[B,A,culture]\"\n"
                  "points = [[2000.0, 4.0]]\nwindow = 1.0\ntolerance = 0.1") == Approx(1.0));
  // Without `per` the same check reads the stock itself: 4 * 0.95^4 against 4.
  CHECK(margin_of("kind = \"data\"\nmetric = \"stock[A,B,culture]\"\npoints = [[2001.0, 4.0]]\ntolerance = 0.1") ==
        Approx((0.1 - (4.0 - s2001) / 4.0) / 0.1));
}

TEST_CASE("log data checks need positive observations", "[claims][data][errors]") {
  CHECK_THROWS_WITH(margin_of("kind = \"data\"\nmetric = \"stock[A,B,culture]\"\npoints = [[2001.0, -3.0]]\n"
                              "error = \"log\""),
                    Catch::Contains("positive observed values"));
  CHECK_THROWS_WITH(margin_of("kind = \"data\"\nmetric = \"stock[A,B,culture]\"\npoints = [[2001.0, 3.0]]\n"
                              "error = \"square\""),
                    Catch::Contains("\"relative\", \"log\""));
}

TEST_CASE("the flagship's data checks load and evaluate on the baseline", "[claims][data][flagship]") {
  Document doc = load_document(sptest::scenario("baseline.toml"));
  const ClaimSet set = load_claims(sptest::scenario("checks/data.toml"));
  REQUIRE(set.claims.size() >= 10);
  const ClaimReport rep = evaluate_claims(*doc.table, set, ClaimOptions{});
  REQUIRE(rep.claims.size() == set.claims.size());
  for (const auto& c : rep.claims) {
    INFO(c.claim->id << ": " << c.checks[0].measured);
    CHECK(std::isfinite(c.margin));
  }
}

namespace {
// The rows of scenarios/data/kazakhstan_series.csv, header skipped, each cut to its first
// `fields` comma-separated fields (the first seven are never quoted); shorter rows dropped.
std::vector<std::vector<std::string>> series_rows(std::size_t fields) {
  std::ifstream csv(sptest::scenario("data/kazakhstan_series.csv"));
  REQUIRE(csv);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  std::getline(csv, line);
  while (std::getline(csv, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; f.size() < fields && std::getline(ss, x, ',');) f.push_back(x);
    if (f.size() == fields) rows.push_back(std::move(f));
  }
  return rows;
}
}  // namespace

TEST_CASE("every trade point of the data checks is a row of the public series", "[claims][data][flagship]") {
  // scenarios/data/kazakhstan_series.csv: series,actor,partner,year,value,... (the first
  // five fields are never quoted). A point typed into checks/data.toml that no source
  // gives, or a value changed in one file only, fails here.
  std::vector<std::tuple<std::string, int, double>> rows;
  for (const auto& f : series_rows(5)) {
    if (f[0] == "trade" && f[1] == "KAZ") rows.emplace_back(f[2], std::stoi(f[3]), std::stod(f[4]));
  }
  REQUIRE(rows.size() > 20);
  const ClaimSet set = load_claims(sptest::scenario("checks/data.toml"));
  const std::regex trade(R"(flow\[KAZ,(\w+),trade\])");
  int points = 0;
  for (const auto& claim : set.claims) {
    for (const auto& c : claim.checks) {
      std::smatch m;
      if (c.kind != CheckKind::data || !c.b.selector.empty() || !std::regex_match(c.a.selector, m, trade)) continue;
      for (std::size_t i = 0; i < c.times.size(); ++i) {
        INFO(claim.id << " " << m[1] << " " << c.times[i] << " " << c.observed[i]);
        bool found = false;
        for (const auto& [p, y, v] : rows) found = found || (p == m[1] && y == static_cast<int>(c.times[i]) && v == c.observed[i]);
        CHECK(found);
        ++points;
      }
    }
  }
  CHECK(points >= 20);
}

TEST_CASE("the diagnostic student checks are rows of the public series, and they fail on the baseline",
          "[claims][data][flagship]") {
  // scenarios/checks/students.toml is not in the calibration set: it shows what the model
  // cannot reproduce yet. Its points must be CSV rows (students,KAZ,partner,year,value),
  // and it must keep failing until soft power is grounded: a pass here means the model
  // changed and the docs' statement about it is out of date.
  const ClaimSet set = load_claims(sptest::scenario("checks/students.toml"));
  REQUIRE(set.claims.size() == 2);
  const auto rows = series_rows(5);
  const std::regex students(R"(volume\[KAZ,(\w+),education\])");
  int points = 0;
  for (const auto& claim : set.claims) {
    for (const auto& c : claim.checks) {
      std::smatch m;
      REQUIRE(std::regex_match(c.a.selector, m, students));
      for (std::size_t i = 0; i < c.times.size(); ++i) {
        INFO(claim.id << " " << m[1] << " " << c.times[i] << " " << c.observed[i]);
        bool found = false;
        for (const auto& f : rows) {
          found = found || (f[0] == "students" && f[1] == "KAZ" && f[2] == m[1].str() &&
                            std::stoi(f[3]) == static_cast<int>(c.times[i]) && std::stod(f[4]) == c.observed[i]);
        }
        CHECK(found);
        ++points;
      }
    }
  }
  CHECK(points == 5);
  Document doc = load_document(sptest::scenario("baseline.toml"));
  ClaimOptions opt;
  opt.runs = 8;
  const ClaimReport rep = evaluate_claims(*doc.table, set, opt);
  for (const auto& c : rep.claims) {
    INFO(c.claim->id << ": " << c.checks[0].measured);
    CHECK_FALSE(c.pass);
  }
}

TEST_CASE("the flagship's economic masses are the public series", "[claims][data][flagship]") {
  // actors.path.economy in scenarios/flagship.toml: RUS, CHN and TUR are World Bank GDP (series
  // `gdp`), Kazakhstan its world trade as it reports it (series `trade`, partner WLD, IMF DOTS
  // 1994-2020 and the Kazakh committee 2021), each year at mid-year. A point typed into the
  // scenario that the CSV does not give, or a value changed in one file only, fails here.
  std::map<std::pair<std::string, int>, std::vector<double>> gdp, world;
  for (const auto& f : series_rows(7)) {
    if (f[0] == "gdp") gdp[{f[1], std::stoi(f[3])}].push_back(std::stod(f[4]));
    const bool kaz_side = f[6] == "imf_dots_kaz_reporter" || f[6] == "kazakh";
    if (f[0] == "trade" && f[1] == "KAZ" && f[2] == "WLD" && kaz_side) world[{"KAZ", std::stoi(f[3])}].push_back(std::stod(f[4]));
  }
  const Document doc = load_document(sptest::scenario("flagship.toml"));
  const toml::array* actors = doc.table->get_as<toml::array>("actors");
  REQUIRE(actors);
  int checked = 0;
  for (const auto& a : *actors) {
    const toml::table& t = *a.as_table();
    const std::string id = t["id"].value_or(std::string());
    const toml::array* pts = t["path"]["economy"].as_array();
    INFO(id);
    REQUIRE(pts);
    const auto& source = id == "KAZ" ? world : gdp;
    for (const auto& p : *pts) {
      const toml::array& xy = *p.as_array();
      const double year = xy[0].value_or(0.0), value = xy[1].value_or(0.0);
      INFO(id << " " << year << " " << value);
      CHECK(year - std::floor(year) == 0.5);
      const auto it = source.find({id, static_cast<int>(std::floor(year))});
      REQUIRE(it != source.end());
      bool found = false;
      for (double v : it->second) found = found || std::abs(v - value) <= 0.051;  // the scenario rounds to 0.1
      CHECK(found);
      ++checked;
    }
  }
  CHECK(checked >= 4 * 27);
}

TEST_CASE("the flagship's price index is the public oil price series", "[claims][data][flagship]") {
  // scenario.price in scenarios/flagship.toml is series `oil_price` (Brent, World Bank) at
  // mid-year, every year 1992-2021, and price_reference their geometric mean to 0.05.
  std::map<int, double> oil;
  for (const auto& f : series_rows(5)) {
    if (f[0] == "oil_price") oil[std::stoi(f[3])] = std::stod(f[4]);
  }
  REQUIRE(oil.size() == 30);
  const ValidScenario sc = load_scenario(sptest::scenario("flagship.toml"));
  REQUIRE(sc->info.price.size() == oil.size());
  double log_sum = 0;
  for (const auto& [t, v] : sc->info.price) {
    INFO(t << " " << v);
    CHECK(t - std::floor(t) == 0.5);
    const auto it = oil.find(static_cast<int>(std::floor(t)));
    REQUIRE(it != oil.end());
    CHECK(v == it->second);
    log_sum += std::log(v);
  }
  CHECK(std::abs(sc->info.price_reference - std::exp(log_sum / static_cast<double>(oil.size()))) <= 0.05);
}

TEST_CASE("every importer-reported trade row is its two importers' figures", "[claims][data][flagship]") {
  // A `importer_reported` row of scenarios/data/kazakhstan_series.csv (the series the data
  // checks fit) is the partner's imports from Kazakhstan plus Kazakhstan's imports from the
  // partner, USD m -> bn to 3 decimals, each figure as the two IMF DOTS rows of that year
  // give it (scripts/importer_series.py). A value or a source figure changed in one place
  // only fails here.
  std::ifstream csv(sptest::scenario("data/kazakhstan_series.csv"));
  REQUIRE(csv);
  const std::regex row(R"(^trade,KAZ,(\w+),(\d+),([\d.]+),USD bn,(\w+),(.*)$)");
  const std::regex derived(R"(imports from KZ ([\d.]+) .*Kazakhstan's imports from [^ ]+ ([\d.]+) )");
  const std::regex kz_side(R"(imports from partner ([\d.]+))"), partner_side(R"(imports from KZ ([\d.]+))");
  std::map<std::pair<std::string, int>, double> kz_imports, partner_imports;
  std::vector<std::tuple<std::string, int, double, double, double>> rows;  // partner, year, value, from KZ, from partner
  std::string line;
  while (std::getline(csv, line)) {
    std::smatch m, n;
    if (!std::regex_match(line, m, row)) continue;
    const std::pair<std::string, int> key{m[1], std::stoi(m[2])};
    const std::string side = m[4], source = m[5];
    if (side == "imf_dots_kaz_reporter" && std::regex_search(source, n, kz_side)) kz_imports[key] = std::stod(n[1]);
    if (side != "imf_dots_kaz_reporter" && side.rfind("imf_dots_", 0) == 0 && std::regex_search(source, n, partner_side))
      partner_imports[key] = std::stod(n[1]);
    if (side == "importer_reported") {
      REQUIRE(std::regex_search(source, n, derived));
      rows.emplace_back(key.first, key.second, std::stod(m[3]), std::stod(n[1]), std::stod(n[2]));
    }
  }
  REQUIRE(rows.size() >= 75);
  for (const auto& [p, y, value, from_kz, from_partner] : rows) {
    INFO(p << " " << y);
    CHECK(partner_imports.at({p, y}) == from_kz);
    CHECK(kz_imports.at({p, y}) == from_partner);
    CHECK(std::abs(value - (from_kz + from_partner) / 1000.0) <= 0.0005 + 1e-12);
  }
}

TEST_CASE("the flagship's import-crisis moves are the rule applied to the public series", "[claims][data][flagship]") {
  // scenarios/flagship.toml: every year 1993-2020 in which a partner's imports from the world
  // (series `imports`) fell to 0.8 of the year before or less has one move scaling that
  // partner's trade effort toward every partner by the ratio (to 3 decimals) over the year,
  // and no other move is a crisis move. A year added or dropped, or a ratio typed wrongly,
  // fails here.
  std::map<std::pair<std::string, int>, double> imports;
  for (const auto& f : series_rows(5)) {
    if (f[0] == "imports" && f[2] == "WLD") imports[{f[1], std::stoi(f[3])}] = std::stod(f[4]);
  }
  REQUIRE(imports.size() >= 80);
  std::map<std::pair<std::string, int>, double> expected;
  for (const auto& [key, value] : imports) {
    const auto before = imports.find({key.first, key.second - 1});
    if (key.second < 1993 || key.second > 2020 || before == imports.end()) continue;
    const double ratio = value / before->second;
    if (ratio <= 0.8) expected[key] = std::round(ratio * 1000.0) / 1000.0;
  }
  REQUIRE(expected.size() >= 3);
  const ValidScenario sc = load_scenario(sptest::scenario("flagship.toml"));
  std::map<std::pair<std::string, int>, double> found;
  for (const auto& m : sc->moves) {
    if (m.id.rfind("crisis_", 0) != 0) continue;
    INFO(m.id);
    CHECK(m.target == -1);
    REQUIRE(m.lever >= 0);
    CHECK(sc->levers[static_cast<std::size_t>(m.lever)].id == "trade");
    CHECK(m.to == m.from + 1.0);
    CHECK(m.effort == 0.0);
    found[{sc->actors[static_cast<std::size_t>(m.actor)].id, static_cast<int>(m.from)}] = m.scale;
  }
  CHECK(found == expected);
}

TEST_CASE("a claim on the mean is judged on the ensemble mean, its share of runs still measured", "[claims][data][mean]") {
  // Noisy decisions (tiny_scenario with A's noise raised): each run's yearly effort of A
  // toward B on culture scatters around the ensemble mean. A data check with a tight
  // tolerance at that mean holds on the mean and fails in most single runs; the same check
  // read run by run fails.
  const std::string scenario = sptest::tiny_scenario("[overrides]\n\"actors.A.noise\" = 2.0\n");
  Document doc = load_document_from_string(scenario, "tiny.toml");
  const auto dir = sptest::temp_dir("datachecks_mean");
  auto claims_with = [&](const std::string& on, double observed) {
    const auto file = sptest::write(dir / ("claims_" + on + ".toml"),
                                    "[[claims]]\nid = \"X\"\ntext = \"t\"\nsection = \"s\"\non = \"" + on +
                                        "\"\n[[claims.checks]]\nkind = \"data\"\nmetric = \"effort[A,B,culture]\"\n"
                                        "points = [[2000.0, " + num(observed) + "]]\nwindow = 1.0\ntolerance = 0.02\n");
    ClaimOptions o;
    o.runs = 64;
    return evaluate_claims(*doc.table, load_claims(file), o).claims.at(0);
  };
  // First measure the ensemble mean of the yearly effort: a tolerance-free read of the margin.
  const auto probe = claims_with("mean", 0.5);
  REQUIRE(probe.on_mean);
  const std::string m = probe.checks.at(0).measured;
  const auto at = m.find("2000+ ");
  REQUIRE(at != std::string::npos);
  const double mean = std::stod(m.substr(at + 6));
  REQUIRE(mean > 0);
  const auto on_mean = claims_with("mean", mean);
  const auto by_run = claims_with("runs", mean);
  CHECK(on_mean.pass);
  CHECK(on_mean.margin > 0.9);            // the mean itself, to the printed digits
  CHECK(on_mean.pass_share < 0.5);        // single runs scatter beyond 2 %
  CHECK_FALSE(by_run.pass);
  CHECK(by_run.pass_share == on_mean.pass_share);  // the same runs
  // And a mean far from the observation fails on the mean too.
  CHECK_FALSE(claims_with("mean", 2 * mean).pass);
}
