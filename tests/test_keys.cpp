// The key registry (smartpower/core/keys.hpp) against the reader that uses it: every key is
// declared once, the reader accepts exactly the registry's keys, enforces each number's
// range, and the generated references (`keys`, docs/keys.md, the JSON Schema) hold them all.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "smartpower/analysis/calibration_toml.hpp"
#include "smartpower/io/document.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/core/keys.hpp"
#include "smartpower/core/scenario.hpp"

using namespace smartpower;

namespace {

// tiny_scenario with one of each optional entry, so every table the registry names exists.
std::string full_scenario() {
  return sptest::tiny_scenario(R"(distance = 2.0
opened = 1999.0
price_exposure = 0.5
alignment = 0.1

[relations.A.C.stocks]
trade = 1.0

[[events]]
id = "e"
label = "an event"
source = "test"
time = 2000.5
actor = "A"
target = "B"
lever = "trade"
stock = 1.0

[[moves]]
id = "m"
label = "a move"
actor = "A"
target = "B"
lever = "trade"
from = 2000.0

[[expect]]
metric = "balance[A]"
effect = "raises"
reason = "test"
)");
}

// A concrete path for a registry path: each `<...>` segment names an entry of full_scenario.
std::string concrete(std::string_view pattern) {
  std::string out(pattern);
  const std::pair<const char*, const char*> names[] = {{"levers.<id>", "levers.trade"},
                                                       {"actors.<id>", "actors.A"},
                                                       {"events.<id>", "events.e"},
                                                       {"moves.<id>", "moves.m"},
                                                       {"expect.<n>", "expect.0"},
                                                       {"<actor>.<partner>", "A.C"},
                                                       {"identity.<dim>", "identity.x"},
                                                       {"<lever>", "trade"},
                                                       {"partner_bias.<actor>", "partner_bias.B"},
                                                       {"lenses.<name>", "lenses.probe"},
                                                       {"parameters.<n>", "parameters.0"}};
  for (const auto& [from, to] : names) {
    const auto at = out.find(from);
    if (at != std::string::npos) out.replace(at, std::string(from).size(), to);
  }
  return out;
}

std::shared_ptr<toml::table> parsed(const std::string& text) {
  return load_document_from_string(text, "keys.toml").table;
}

std::string build_error(const toml::table& doc) {
  try {
    build_scenario(doc);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// The keys the reader asked for in a table, from its message about an unknown key.
std::set<std::string> allowed_keys(const std::string& message) {
  std::set<std::string> out;
  const auto at = message.find("allowed keys: ");
  if (at == std::string::npos) return out;
  std::string list = message.substr(at + 14);
  std::size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(", ", start);
    if (comma == std::string::npos) comma = list.size();
    out.insert(list.substr(start, comma - start));
    start = comma + 2;
  }
  return out;
}

}  // namespace

TEST_CASE("every scenario key is declared once, inside a declared table", "[keys]") {
  std::set<std::string_view> paths;
  for (const Key& k : scenario_keys()) {
    INFO(k.path);
    CHECK(paths.insert(k.path).second);
    CHECK(!k.doc.empty());
    const auto dot = k.path.rfind('.');
    if (dot == std::string_view::npos) continue;
    // The parent is a declared table, or the entry of a declared array of tables.
    std::string_view parent = k.path.substr(0, dot);
    const Key* p = find_key(parent);
    if (!p && parent.back() == '>') {
      p = find_key(parent.substr(0, parent.rfind('.')));
      REQUIRE(p);
      CHECK(p->type == KeyType::array_of_tables);
    } else {
      REQUIRE(p);
      CHECK(p->type == KeyType::table);
    }
  }
  CHECK(find_key("levers.trade.mass_exponent") == &scenario_key("levers.<id>.mass_exponent"));
  CHECK(find_key("relations.KAZ.RUS.stocks.trade") == &scenario_key("relations.<actor>.<partner>.stocks.<lever>"));
  CHECK(find_key("model.rhoo") == nullptr);
}

TEST_CASE("the reader accepts exactly the keys of the registry, table by table", "[keys]") {
  // A far-off unknown key makes the reader list the keys it asked for in that table.
  const char* tables[] = {"",
                          "scenario",
                          "model",
                          "levers.<id>",
                          "actors.<id>",
                          "actors.<id>.capabilities",
                          "actors.<id>.growth",
                          "actors.<id>.path",
                          "actors.<id>.strategy",
                          "relations.<actor>.<partner>",
                          "events.<id>",
                          "moves.<id>",
                          "expect.<n>"};
  for (const char* table : tables) {
    INFO("table '" << table << "'");
    auto doc = parsed(full_scenario());
    const std::string probe = std::string(table).empty() ? "zzzzzzzzzzzzzzzz" : concrete(table) + ".zzzzzzzzzzzzzzzz";
    set_path(*doc, probe, 1.0);
    const auto asked = allowed_keys(build_error(*doc));
    REQUIRE(!asked.empty());
    std::set<std::string> declared;
    const std::string prefix = std::string(table).empty() ? "" : std::string(table) + ".";
    for (const Key& k : scenario_keys()) {
      if (k.path.substr(0, prefix.size()) != prefix) continue;
      const auto rest = k.path.substr(prefix.size());
      if (rest.find('.') == std::string_view::npos) declared.insert(std::string(rest));
    }
    // `extends`, `remove_actors` and `overrides` are resolved before the reader sees the file.
    if (prefix.empty()) {
      declared.erase("remove_actors");
      declared.erase("overrides");
    }
    CHECK(asked == declared);
  }
}

TEST_CASE("the reader enforces the registry's range of every number, with the registry's words", "[keys]") {
  int checked = 0;
  for (const Key& k : scenario_keys()) {
    if (k.type != KeyType::number && k.type != KeyType::integer) continue;
    if (k.section() == "calibration") continue;  // read by calibrate (test_calibration)
    const std::string path = concrete(k.path);
    for (int side = 0; side < 2; ++side) {
      const double bound = side == 0 ? k.range.lo : k.range.hi;
      if (!std::isfinite(bound)) continue;
      const double outside =
          side == 0 ? bound - std::max(1.0, std::abs(bound)) : bound + std::max(1.0, std::abs(bound));
      INFO(path << " = " << outside);
      auto doc = parsed(full_scenario());
      if (k.type == KeyType::integer) {
        toml::value<std::int64_t> v(static_cast<std::int64_t>(outside));
        set_path(*doc, path, std::move(v), SourcePos{});
      } else {
        set_path(*doc, path, outside);
      }
      const std::string err = build_error(*doc);
      CHECK_THAT(
          err, Catch::Contains("'" + path.substr(path.rfind('.') + 1) + "' = ") && Catch::Contains("is out of range"));
      if (k.type == KeyType::number) CHECK_THAT(err, Catch::Contains("expected " + k.range.describe()));
      ++checked;
    }
  }
  CHECK(checked > 60);
}

TEST_CASE("a key left out takes the registry's default", "[keys]") {
  const Scenario sc = build_scenario(*parsed(full_scenario()));
  CHECK(sc.info.seed == 7);
  CHECK(sc.params.rho == scenario_key("model.rho").fallback);
  CHECK(sc.params.noise == scenario_key("model.noise").fallback);
  CHECK(sc.levers[1].mass_scale == scenario_key("levers.<id>.mass_scale").fallback);
  CHECK(sc.actors[0].budget == scenario_key("actors.<id>.budget").fallback);
  CHECK(sc.actors[0].temperature == scenario_key("actors.<id>.temperature").fallback);
  CHECK(sc.distance[1] == scenario_key("relations.<actor>.<partner>.distance").fallback);
  CHECK(sc.moves[0].scale == scenario_key("moves.<id>.scale").fallback);
  CHECK(std::isinf(sc.moves[0].to));
  CHECK(sc.events[0].enabled);
}

TEST_CASE("docs/model.md names every key that has a symbol", "[keys][docs]") {
  const std::string model = sptest::read(sptest::root() + "/docs/model.md");
  for (const Key& k : scenario_keys()) {
    if (k.symbol.empty()) continue;
    INFO(k.path);
    // The key's own name, or its table's for a name the file chooses (`identity.<dim>`).
    std::string_view path = k.path;
    while (path.substr(path.rfind('.') + 1).front() == '<') path = path.substr(0, path.rfind('.'));
    CHECK(model.find(std::string(path.substr(path.rfind('.') + 1))) != std::string::npos);
  }
}

TEST_CASE("smartpower keys lists every key and schema prints them as a JSON Schema", "[keys][cli]") {
  std::string text;
  REQUIRE(sptest::run(sptest::bin() + " keys", &text) == 0);
  for (const Key& k : scenario_keys()) CHECK_THAT(text, Catch::Contains(std::string(k.path)));
  REQUIRE(sptest::run(sptest::bin() + " keys --section model", &text) == 0);
  CHECK_THAT(text, Catch::Contains("model.rho") && !Catch::Contains("levers.<id>.decay"));
  CHECK(sptest::run(sptest::bin() + " keys --section modle", &text) == 2);
  CHECK_THAT(text, Catch::Contains("did you mean 'model'?"));
  REQUIRE(sptest::run(sptest::bin() + " keys --markdown", &text) == 0);
  CHECK_THAT(text, Catch::Contains("| `model.rho` | number | 0.5 | [-50, 1) |"));

  REQUIRE(sptest::run(sptest::bin() + " schema 2>/dev/null", &text) == 0);
  const auto schema = nlohmann::json::parse(text);
  const auto& rho = schema["definitions"]["model"]["properties"]["rho"];
  CHECK(rho["default"] == 0.5);
  CHECK(rho["exclusiveMaximum"] == 1.0);
  CHECK(schema["definitions"]["lever"]["properties"]["kind"]["enum"] == nlohmann::json::array({"soft", "hard"}));
  CHECK(schema["definitions"]["lever"]["properties"]["capability"]["enum"].size() == 4);
  CHECK(schema["then"]["required"] == nlohmann::json::array({"scenario", "levers", "actors"}));
}

TEST_CASE("a calibration path that names no number says why, with the closest valid key", "[keys][calibration]") {
  const auto error_for = [](const std::string& path) {
    const auto doc =
        parsed(full_scenario() + "\n[[calibration.parameters]]\npath = \"" + path + "\"\nlo = 0.1\nhi = 0.2\n");
    try {
      calibration_parameters(*doc);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK_THAT(error_for("levers.trade.decai"), Catch::Contains("'levers.trade.decai' does not name a number") &&
                                                  Catch::Contains("did you mean 'levers.trade.decay'?"));
  CHECK_THAT(error_for("model.noise"), Catch::Contains("a valid key, 'model.noise', that the scenario leaves at its "
                                                       "default"));
  CHECK_THAT(error_for("actors.Z.budget"), Catch::Contains("(the scenario has no 'actors.Z')"));
}
