// What is generated from the key registry (smartpower/keys.hpp): the reader's range
// texts, docs/keys.md and the JSON Schema of a scenario file.
#include "smartpower/core/format.hpp"
#include "smartpower/core/keys.hpp"

#include <cstdio>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "smartpower/core/messages.hpp"

namespace smartpower {
namespace {

// For people: "1e6" rather than "1e+06", integers in full below 1e15.
std::string pretty(double v) {
  if (v == static_cast<double>(static_cast<long long>(v)) && std::abs(v) < 1e6) {
    return std::to_string(static_cast<long long>(v));
  }
  std::string s = format_significant(v);
  const auto e = s.find('e');
  if (e != std::string::npos) {
    std::string mant = s.substr(0, e), exp = s.substr(e + 1);
    const bool neg = exp[0] == '-';
    if (exp[0] == '+' || exp[0] == '-') exp.erase(0, 1);
    while (exp.size() > 1 && exp[0] == '0') exp.erase(0, 1);
    s = mant + "e" + (neg ? "-" : "") + exp;
  }
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const auto at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

bool is_placeholder(std::string_view segment) { return !segment.empty() && segment.front() == '<'; }

std::string type_text(const Key& k) {
  switch (k.type) {
    case KeyType::number:
      return "number";
    case KeyType::integer:
      return "integer";
    case KeyType::boolean:
      return "boolean";
    case KeyType::string:
      return "string";
    case KeyType::choice: {
      return std::string(k.choices);
    }
    case KeyType::table:
      return "table";
    case KeyType::array_of_tables:
      return "array of tables";
    case KeyType::points:
      return "array of [time, value]";
    case KeyType::strings:
      return "array of strings";
  }
  return "";
}

std::string default_text(const Key& k) {
  if (k.required) return "required";
  if (!k.default_text.empty()) return std::string(k.default_text);
  switch (k.type) {
    case KeyType::number:
    case KeyType::integer:
      return pretty(k.fallback);
    case KeyType::boolean:
      return k.fallback != 0 ? "true" : "false";
    case KeyType::string:
      return "\"\"";
    default:
      return "";
  }
}

std::string range_text(const Key& k) {
  if (k.type == KeyType::points) return "values in " + k.range.interval();
  if (k.type == KeyType::number || k.type == KeyType::integer) return k.range.interval();
  return "";
}

// The headings of docs/keys.md: one per top-level section; the keys of the file itself
// (extends, remove_actors, overrides) share the first.
std::string heading(std::string_view section) {
  if (section == "extends" || section == "remove_actors" || section == "overrides") return "The file itself";
  if (section == "levers" || section == "actors" || section == "events" || section == "moves" || section == "expect") {
    return "[[" + std::string(section) + "]]";
  }
  return "[" + std::string(section) + "]";
}

std::string md_escape(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else
      out += c;
  }
  return out;
}

// ---- JSON Schema ----------------------------------------------------------------

using Json = nlohmann::ordered_json;

struct Node {
  std::string name;
  const Key* key = nullptr;  // nullptr for an entry of an array of tables
  std::vector<Node> children;

  Node& child(std::string_view segment) {
    for (auto& c : children) {
      if (c.name == segment) return c;
    }
    children.push_back(Node{std::string(segment), nullptr, {}});
    return children.back();
  }
  const Node* find(std::string_view dotted) const {
    const Node* cur = this;
    for (auto seg : split(dotted, '.')) {
      const Node* next = nullptr;
      for (const auto& c : cur->children) {
        if (c.name == seg) next = &c;
      }
      if (!next) return nullptr;
      cur = next;
    }
    return cur;
  }
};

Node key_tree() {
  Node root;
  for (const Key& k : scenario_keys()) {
    Node* cur = &root;
    for (auto seg : split(k.path, '.')) cur = &cur->child(seg);
    cur->key = &k;
  }
  return root;
}

std::string description(const Key& k) {
  std::string d(k.doc);
  if (!d.empty() && d[0] >= 'a' && d[0] <= 'z') d[0] = static_cast<char>(d[0] - 'a' + 'A');
  if (!k.symbol.empty()) d += ". docs/model.md: " + std::string(k.symbol);
  if (!k.unit.empty()) d += ". Unit: " + std::string(k.unit);
  const std::string range = range_text(k);
  if (!range.empty()) d += ". Range: " + range;
  const std::string def = default_text(k);
  if (!def.empty() && def != "\"\"") d += ". Default: " + def;
  return d + ".";
}

void add_bounds(Json& j, const Range& r, bool integer) {
  const auto put = [&](const char* name, double v) {
    if (integer)
      j[name] = static_cast<long long>(v);
    else
      j[name] = v;
  };
  if (std::isfinite(r.lo)) put(r.lo_open ? "exclusiveMinimum" : "minimum", r.lo);
  if (std::isfinite(r.hi)) put(r.hi_open ? "exclusiveMaximum" : "maximum", r.hi);
}

Json schema_of(const Node& n, bool required_only);

// A table: its named keys as properties; a `<...>` key as additionalProperties.
Json object_schema(const Node& n, bool required_only) {
  Json j = Json::object();
  if (!required_only) j["type"] = "object";
  if (n.key && !required_only) j["description"] = description(*n.key);
  Json props = Json::object();
  Json required = Json::array();
  const Node* wildcard = nullptr;
  for (const auto& c : n.children) {
    if (is_placeholder(c.name)) {
      wildcard = &c;
      continue;
    }
    Json s = schema_of(c, required_only);
    if (!required_only || !s.empty()) props[c.name] = std::move(s);
    if (required_only && c.key && c.key->required) required.push_back(c.name);
  }
  if (!props.empty()) j["properties"] = std::move(props);
  if (required_only) {
    if (!required.empty()) j["required"] = std::move(required);
  } else {
    j["additionalProperties"] = wildcard ? schema_of(*wildcard, false) : Json(false);
  }
  return j;
}

Json schema_of(const Node& n, bool required_only) {
  if (!n.key || n.key->type == KeyType::table) return object_schema(n, required_only);
  const Key& k = *n.key;
  Json j = Json::object();
  if (k.type == KeyType::array_of_tables) {
    const Node* item = nullptr;
    for (const auto& c : n.children) {
      if (is_placeholder(c.name)) item = &c;
    }
    Json items = item ? object_schema(*item, required_only) : Json::object();
    if (required_only) {
      if (!items.empty()) j["items"] = std::move(items);
      return j;
    }
    j["type"] = "array";
    j["description"] = description(k);
    j["items"] = std::move(items);
    return j;
  }
  if (required_only) return j;
  switch (k.type) {
    case KeyType::number:
    case KeyType::integer:
      j["type"] = k.type == KeyType::integer ? "integer" : "number";
      j["description"] = description(k);
      if (!k.required && k.default_text.empty()) {
        if (k.type == KeyType::integer)
          j["default"] = static_cast<long long>(k.fallback);
        else
          j["default"] = k.fallback;
      }
      add_bounds(j, k.range, k.type == KeyType::integer);
      break;
    case KeyType::boolean:
      j["type"] = "boolean";
      j["description"] = description(k);
      j["default"] = k.fallback != 0;
      break;
    case KeyType::string:
      j["type"] = "string";
      j["description"] = description(k);
      break;
    case KeyType::choice: {
      j["type"] = "string";
      j["description"] = description(k);
      Json values = Json::array();
      for (auto c : split(k.choices, '|')) values.push_back(std::string(c));
      j["enum"] = std::move(values);
      break;
    }
    case KeyType::points: {
      j["type"] = "array";
      j["description"] = description(k);
      j["minItems"] = 1;
      Json value = {{"type", "number"}};
      add_bounds(value, k.range, false);
      j["items"] = {{"type", "array"},
                    {"minItems", 2},
                    {"maxItems", 2},
                    {"items", Json::array({Json{{"type", "number"}}, value})}};
      break;
    }
    case KeyType::strings:
      j["type"] = "array";
      j["description"] = description(k);
      j["items"] = {{"type", "string"}};
      break;
    default:
      break;
  }
  return j;
}

}  // namespace

std::string Range::describe() const {
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
  if (has_lo && has_hi) {
    return std::string("a number in ") + (lo_open ? "(" : "[") + format_significant(lo) + ", " +
           format_significant(hi) + (hi_open ? ")" : "]");
  }
  if (has_lo) return std::string("a number ") + (lo_open ? "> " : ">= ") + format_significant(lo);
  if (has_hi) return std::string("a number ") + (hi_open ? "< " : "<= ") + format_significant(hi);
  return "a finite number";
}

std::string Range::interval() const {
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
  if (has_lo && has_hi) {
    return std::string(lo_open ? "(" : "[") + pretty(lo) + ", " + pretty(hi) + (hi_open ? ")" : "]");
  }
  if (has_lo) return std::string(lo_open ? "> " : ">= ") + pretty(lo);
  if (has_hi) return std::string(hi_open ? "< " : "<= ") + pretty(hi);
  return "";
}

const Key* find_key(std::string_view dotted) {
  const auto parts = split(dotted, '.');
  for (const Key& k : scenario_keys()) {
    const auto pattern = split(k.path, '.');
    if (pattern.size() != parts.size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < parts.size() && match; ++i) {
      match = pattern[i] == parts[i] || (is_placeholder(pattern[i]) && !parts[i].empty());
    }
    if (match) return &k;
  }
  return nullptr;
}

std::vector<KeyRow> key_rows() {
  std::vector<KeyRow> rows;
  for (const Key& k : scenario_keys()) {
    rows.push_back({heading(k.section()), std::string(k.path), type_text(k), default_text(k), range_text(k),
                    std::string(k.unit), std::string(k.symbol), std::string(k.doc)});
  }
  return rows;
}

std::string keys_markdown() {
  std::ostringstream os;
  os << "# Scenario keys\n\n"
        "Every key of a scenario file, generated by `smartpower keys --markdown` from the key\n"
        "registry (`include/smartpower/core/keys.hpp`); do not edit by hand: a test fails when this\n"
        "file is stale. A `<...>` segment of a path is a name the file chooses: an entry of an\n"
        "array of tables by its id (`levers.<id>.decay` is `decay` in the `[[levers]]` entry\n"
        "with that id, and `levers.trade.decay` in `--set` and `[overrides]`), or a key of a\n"
        "table whose keys are ids or names. Symbols and equation numbers are those of\n"
        "[docs/model.md](model.md). `smartpower schema` prints the same keys as a JSON Schema\n"
        "([scenario.schema.json](scenario.schema.json)).\n";
  std::string current;
  for (const auto& r : key_rows()) {
    if (r.heading != current) {
      current = r.heading;
      os << "\n## " << current << "\n\n"
         << "| key | type | default | range | unit | symbol | meaning |\n"
         << "|---|---|---|---|---|---|---|\n";
    }
    os << "| `" << r.path << "` | " << md_escape(r.type) << " | " << md_escape(r.fallback) << " | "
       << md_escape(r.range) << " | " << md_escape(r.unit) << " | " << md_escape(r.symbol) << " | "
       << md_escape(r.meaning) << " |\n";
  }
  return os.str();
}

std::string scenario_json_schema() {
  const Node root = key_tree();
  const auto def = [&](const char* path) { return schema_of(*root.find(path), false); };
  const auto ref = [](const char* name) { return Json{{"$ref", std::string("#/definitions/") + name}}; };
  const auto by_id = [&](const char* section, const char* name) {
    return Json{{"type", "object"},
                {"description", std::string(section) + " addressed by id (or index), e.g. " + section + ".ID.KEY"},
                {"additionalProperties", ref(name)}};
  };

  Json defs = Json::object();
  defs["scenario"] = def("scenario");
  defs["model"] = def("model");
  defs["lever"] = object_schema(*root.find("levers.<id>"), false);
  defs["actor"] = object_schema(*root.find("actors.<id>"), false);
  defs["relations"] = def("relations");
  defs["event"] = object_schema(*root.find("events.<id>"), false);
  defs["move"] = object_schema(*root.find("moves.<id>"), false);
  // [overrides] and a lens: dotted paths into the resolved scenario, arrays by id.
  Json patch = {{"type", "object"},
                {"properties",
                 {{"scenario", ref("scenario")},
                  {"model", ref("model")},
                  {"levers", by_id("levers", "lever")},
                  {"actors", by_id("actors", "actor")},
                  {"relations", ref("relations")},
                  {"events", by_id("events", "event")},
                  {"moves", by_id("moves", "move")}}},
                {"additionalProperties", true}};
  defs["patch"] = patch;

  Json props = Json::object();
  for (const auto& c : root.children) {
    const std::string& name = c.name;
    if (name == "scenario" || name == "model" || name == "relations") {
      props[name] = ref(name.c_str());
    } else if (name == "levers" || name == "actors" || name == "events" || name == "moves") {
      Json arr = {{"type", "array"}, {"description", description(*c.key)}};
      arr["items"] = ref(name == "levers" ? "lever" : name == "actors" ? "actor" : name == "events" ? "event" : "move");
      props[name] = std::move(arr);
    } else if (name == "overrides") {
      Json o = patch;
      o["description"] = description(*c.key);
      props[name] = std::move(o);
    } else if (name == "lenses") {
      Json lens = patch;
      const Node& one = *root.find("lenses.<name>");
      lens["description"] = description(*one.key);
      lens["properties"]["description"] = schema_of(*root.find("lenses.<name>.description"), false);
      props[name] = {{"type", "object"}, {"description", description(*c.key)}, {"additionalProperties", lens}};
    } else {
      props[name] = schema_of(c, false);
    }
  }

  Json j = Json::object();
  j["$schema"] = "http://json-schema.org/draft-07/schema#";
  j["title"] = "smartpower scenario";
  j["description"] =
      "A smartpower scenario file (docs/model.md, docs/keys.md). A file with `extends` is a patch of its base: "
      "it needs no key; a file without it must be complete. Generated by `smartpower schema` from the key registry.";
  j["type"] = "object";
  j["properties"] = std::move(props);
  j["additionalProperties"] = false;
  // Only a complete file (no `extends`) must hold the required keys.
  j["if"] = {{"not", {{"required", Json::array({"extends"})}}}};
  j["then"] = schema_of(root, true);
  j["definitions"] = std::move(defs);
  return j.dump(2) + "\n";
}

}  // namespace smartpower
