// Scenario files -> one resolved TOML document: `extends` chains, merging, [overrides],
// lenses. Values are moved between tables (never copied) so that every value keeps the
// file, line and column it came from.
#include "smartpower/io/document.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <optional>
#include <fstream>
#include <set>
#include <sstream>

#include "smartpower/core/error.hpp"
#include "io/toml_reader.hpp"

namespace smartpower {
namespace fs = std::filesystem;

SourcePos position_of(const toml::node& node) {
  const auto& src = node.source();
  SourcePos pos;
  if (src.path) pos.file = *src.path;
  pos.line = static_cast<int>(src.begin.line);
  pos.column = static_cast<int>(src.begin.column);
  return pos;
}

SourcePos position_of(const toml::key& key) {
  const auto& src = key.source();
  SourcePos pos;
  if (src.path) pos.file = *src.path;
  pos.line = static_cast<int>(src.begin.line);
  pos.column = static_cast<int>(src.begin.column);
  return pos;
}

namespace {

toml::table parse_text(std::string_view text, const std::string& name) {
  try {
    return toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    SourcePos pos{name, static_cast<int>(e.source().begin.line),
                  static_cast<int>(e.source().begin.column)};
    throw InputError(pos, "TOML syntax error: " + std::string(e.description()));
  }
}

std::string read_file(const std::string& path, const Limits& limits, const SourcePos& from) {
  return detail::read_input_file(path, limits.max_file_bytes, from, "scenario file");
}

// A path segment of digits only: an array index. nullopt when it overflows.
std::optional<std::size_t> parse_index(std::string_view part) {
  std::size_t idx = 0;
  const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), idx);
  if (ec != std::errc{} || end != part.data() + part.size()) return std::nullopt;
  return idx;
}

bool all_digits(std::string_view part) {
  return !part.empty() && std::all_of(part.begin(), part.end(), [](unsigned char c) { return c >= '0' && c <= '9'; });
}

toml::table* find_by_id(toml::array& arr, std::string_view id) {
  for (auto& el : arr) {
    if (auto* t = el.as_table()) {
      if (auto* v = t->get_as<std::string>("id"); v && v->get() == id) return t;
    }
  }
  return nullptr;
}

void merge_into(toml::table& base, toml::table&& child);

// Entries with an `id` that the base already has merge into it; all others append.
void merge_array(toml::array& base, toml::array&& child) {
  for (auto& el : child) {
    if (auto* t = el.as_table()) {
      if (auto* id = t->get_as<std::string>("id")) {
        if (auto* target = find_by_id(base, id->get())) {
          merge_into(*target, std::move(*t));
          continue;
        }
      }
    }
    base.push_back(std::move(el));
  }
}

// Child values win; tables merge recursively; arrays of tables merge by id or append.
void merge_into(toml::table& base, toml::table&& child) {
  for (auto&& [key, value] : child) {
    toml::node* existing = base.get(key.str());
    if (existing && existing->is_table() && value.is_table()) {
      merge_into(*existing->as_table(), std::move(*value.as_table()));
    } else if (existing && existing->is_array_of_tables() && value.is_array_of_tables()) {
      merge_array(*existing->as_array(), std::move(*value.as_array()));
    } else {
      base.insert_or_assign(key, std::move(value));
    }
  }
}

}  // namespace

std::vector<std::string> split_dotted_path(std::string_view dotted) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = dotted.find('.', start);
    parts.emplace_back(dotted.substr(start, dot == std::string_view::npos ? dotted.npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

namespace {

// Collects the leaves of an [overrides] table as (dotted path, node) pairs, so both
// `"model.rho" = 0.3` and nested `model.rho = 0.3` work.
void flatten(toml::table& t, const std::string& prefix,
             std::vector<std::pair<std::string, toml::node*>>& out) {
  for (auto&& [key, value] : t) {
    std::string path = prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    if (auto* sub = value.as_table()) {
      flatten(*sub, path, out);
    } else {
      out.emplace_back(path, &value);
    }
  }
}

struct Resolver {
  const Limits& limits;
  std::vector<std::string> chain;  // canonical paths being resolved, for cycle errors
  std::vector<std::string> files;  // every file read, the scenario first
  std::size_t bytes = 0;           // text read over the whole chain

  toml::table resolve_text(std::string_view text, const std::string& name, const std::string& canon,
                           const SourcePos& from) {
    if (static_cast<int>(chain.size()) >= limits.max_extends_depth) {
      throw InputError(from, "`extends` chain is deeper than " +
                                 std::to_string(limits.max_extends_depth) + " files");
    }
    bytes += text.size();  // every file of the chain is parsed and held at once: bound the sum
    if (bytes > limits.max_chain_bytes) {
      throw InputError(from, "the `extends` chain holds " + std::to_string(bytes) + " bytes of scenario text so far (at '" +
                                 name + "'); the limit over the whole chain is " + std::to_string(limits.max_chain_bytes) +
                                 " bytes: merge or shrink the files");
    }
    chain.push_back(canon);
    toml::table t = parse_text(text, name);
    toml::table result;
    if (auto* ext = t.get("extends")) {
      const auto* s = ext->as_string();
      if (!s) throw InputError(position_of(*ext), "`extends` must be a string: the path of the base scenario");
      if (s->get().empty()) throw InputError(position_of(*ext), "`extends` must name a file, not be empty");
      if (s->get().find('\0') != std::string::npos) {
        throw InputError(position_of(*ext), "`extends` path holds a NUL byte (\\u0000); expected a file path");
      }
      fs::path parent = fs::path(name).parent_path() / s->get();
      const std::string parent_name = parent.lexically_normal().string();
      std::error_code ec;
      std::string parent_canon = fs::weakly_canonical(parent, ec).string();
      if (ec) parent_canon = parent_name;
      if (std::find(chain.begin(), chain.end(), parent_canon) != chain.end()) {
        std::string cycle;
        for (const auto& c : chain) cycle += fs::path(c).filename().string() + " -> ";
        cycle += fs::path(parent_canon).filename().string();
        throw InputError(position_of(*ext), "`extends` cycle: " + cycle);
      }
      const std::string parent_text = read_file(parent_name, limits, position_of(*ext));
      files.push_back(parent_name);
      result = resolve_text(parent_text, parent_name, parent_canon, position_of(*ext));
      t.erase("extends");
    }
    apply_patch(result, std::move(t));
    chain.pop_back();
    return result;
  }
};

}  // namespace

void remove_actor(toml::table& root, std::string_view id) {
  if (auto* actors = root.get_as<toml::array>("actors")) {
    for (std::size_t i = 0; i < actors->size(); ++i) {
      auto* t = actors->get(i)->as_table();
      if (t && t->get_as<std::string>("id") && t->get_as<std::string>("id")->get() == id) {
        actors->erase(actors->begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
    for (auto& el : *actors) {
      if (auto* t = el.as_table()) {
        if (auto* pb = t->get_as<toml::table>("partner_bias")) pb->erase(id);
      }
    }
  }
  if (auto* rel = root.get_as<toml::table>("relations")) {
    rel->erase(id);
    for (auto&& [k, v] : *rel) {
      if (auto* t = v.as_table()) t->erase(id);
    }
  }
  std::vector<std::string> gone;  // "events.ID" / "moves.ID" of the entries removed with the actor
  for (const char* list : {"events", "moves"}) {
    if (auto* arr = root.get_as<toml::array>(list)) {
      for (std::size_t i = arr->size(); i-- > 0;) {
        const auto* t = arr->get(i)->as_table();
        if (!t) continue;
        auto names = [&](const char* key) {
          const auto* s = t->get_as<std::string>(key);
          return s && s->get() == id;
        };
        if (names("actor") || names("target")) {
          if (const auto* eid = t->get_as<std::string>("id")) gone.push_back(std::string(list) + "." + eid->get());
          arr->erase(arr->begin() + static_cast<std::ptrdiff_t>(i));
        }
      }
    }
  }
  // Free parameters of the removed actor go with it: a [[calibration.parameters]] path
  // that names the actor (actors.ID..., relations.ID..., a partner_bias.ID) or an event or
  // move removed above would name nothing in the world without it.
  if (auto* cal = root.get_as<toml::table>("calibration")) {
    if (auto* params = cal->get_as<toml::array>("parameters")) {
      for (std::size_t i = params->size(); i-- > 0;) {
        const auto* t = params->get(i)->as_table();
        const auto* path = t ? t->get_as<std::string>("path") : nullptr;
        if (!path) continue;
        const auto parts = split_dotted_path(path->get());
        bool drop = std::find(parts.begin(), parts.end(), id) != parts.end();
        for (const auto& g : gone) drop = drop || path->get() == g || path->get().rfind(g + ".", 0) == 0;
        if (drop) params->erase(params->begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
  }
}

void apply_patch(toml::table& root, toml::table&& patch) {
  toml::table overrides;
  if (auto* ov = patch.get("overrides")) {
    if (!ov->is_table()) throw InputError(position_of(*ov), "`overrides` must be a table of dotted paths");
    overrides = std::move(*ov->as_table());
    patch.erase("overrides");
  }
  std::vector<std::string> removed;
  if (auto* rm = patch.get("remove_actors")) {
    const auto* arr = rm->as_array();
    if (!arr) throw InputError(position_of(*rm), "`remove_actors` must be an array of actor ids");
    for (const auto& el : *arr) {
      const auto* s = el.as_string();
      if (!s) throw InputError(position_of(el), "`remove_actors` must hold actor ids (strings)");
      removed.push_back(s->get());
    }
    patch.erase("remove_actors");
  }
  merge_into(root, std::move(patch));
  std::vector<std::pair<std::string, toml::node*>> leaves;
  flatten(overrides, "", leaves);
  for (auto& [path, node] : leaves) {
    const SourcePos origin = position_of(*node);
    set_path(root, path, std::move(*node), origin);
  }
  for (const auto& id : removed) {
    const auto* actors = root.get_as<toml::array>("actors");
    bool found = false;
    std::vector<std::string> ids;
    if (actors) {
      for (const auto& el : *actors) {
        if (const auto* t = el.as_table(); t && t->get_as<std::string>("id")) {
          ids.push_back(t->get_as<std::string>("id")->get());
          found = found || ids.back() == id;
        }
      }
    }
    if (!found) {
      std::string msg = "`remove_actors`: no actor '" + id + "'";
      const auto near = closest_match(id, ids);
      if (!near.empty()) msg += "; did you mean '" + near + "'?";
      throw InputError(msg);
    }
    remove_actor(root, id);
  }
}

Document load_document_from_string(std::string_view text, const std::string& name,
                                   const Limits& limits) {
  if (text.size() > limits.max_file_bytes) {
    throw InputError(SourcePos{name, 0, 0}, "scenario text is larger than " +
                                                std::to_string(limits.max_file_bytes) + " bytes");
  }
  if (detail::is_blank_toml(text)) {
    throw InputError(SourcePos{name, 0, 0},
                     "the file is empty (nothing but whitespace or comments); a scenario needs [scenario], "
                     "[[levers]] and [[actors]], or `extends = \"base.toml\"`");
  }
  Resolver r{limits, {}, {name}};
  std::error_code ec;
  std::string canon = fs::weakly_canonical(name, ec).string();
  if (ec) canon = name;
  Document doc;
  doc.path = name;
  doc.table = std::make_shared<toml::table>(r.resolve_text(text, name, canon, SourcePos{name, 0, 0}));
  doc.files = std::move(r.files);
  if (doc.table->empty()) {
    throw InputError(SourcePos{name, 0, 0},
                     "the scenario holds no values after `extends` and [overrides]; a scenario needs [scenario], "
                     "[[levers]] and [[actors]]");
  }
  return doc;
}

Document load_document(const std::string& path, const Limits& limits) {
  const std::string text = read_file(path, limits, SourcePos{});
  return load_document_from_string(text, path, limits);
}

const toml::node* get_path(const toml::table& root, std::string_view dotted) {
  const toml::node* cur = &root;
  for (const auto& part : split_dotted_path(dotted)) {
    if (const auto* t = cur->as_table()) {
      cur = t->get(part);
    } else if (const auto* a = cur->as_array()) {
      const toml::node* found = nullptr;
      for (const auto& el : *a) {
        if (const auto* et = el.as_table()) {
          if (auto* id = et->get_as<std::string>("id"); id && id->get() == part) found = &el;
        }
      }
      if (!found && all_digits(part)) {
        const auto idx = parse_index(part);
        if (idx && *idx < a->size()) found = a->get(*idx);
      }
      cur = found;
    } else {
      return nullptr;
    }
    if (!cur) return nullptr;
  }
  return cur;
}

void set_path(toml::table& root, std::string_view dotted, toml::node&& value, const SourcePos& origin) {
  const auto parts = split_dotted_path(dotted);
  toml::node* cur = &root;
  std::string walked;
  for (std::size_t p = 0; p + 1 < parts.size(); ++p) {
    const auto& part = parts[p];
    toml::node* next = nullptr;
    std::vector<std::string> choices;
    if (auto* t = cur->as_table()) {
      next = t->get(part);
      for (auto&& [k, v] : *t) choices.emplace_back(k.str());
      // Optional top-level sections a base may lack; any other missing top-level name
      // is a typo and gets a suggestion below.
      static const std::vector<std::string> optional_sections = {"model", "relations", "calibration"};
      const bool optional_top =
          p == 0 && std::find(optional_sections.begin(), optional_sections.end(), part) != optional_sections.end();
      if (p == 0) choices.insert(choices.end(), optional_sections.begin(), optional_sections.end());
      if (!next && ((p + 2 == parts.size() && p > 0) || (optional_top && p + 2 == parts.size()))) {
        // Allow creating one missing optional table (such as an actor's growth) below the
        // top level; the validator then checks its name at the override's position.
        t->insert(toml::key(part, value.source()), toml::table{});
        next = t->get(part);
      }
    } else if (auto* a = cur->as_array()) {
      for (auto& el : *a) {
        if (auto* et = el.as_table()) {
          if (auto* id = et->get_as<std::string>("id")) {
            choices.push_back(id->get());
            if (id->get() == part) next = &el;
          }
        }
      }
      if (!next && all_digits(part)) {
        const auto idx = parse_index(part);
        if (idx && *idx < a->size()) {
          next = a->get(*idx);
        } else {
          throw InputError(origin, "override path '" + std::string(dotted) + "': index " + part +
                                       " is out of range: the array" + (walked.empty() ? "" : " '" + walked + "'") +
                                       " has " + std::to_string(a->size()) +
                                       (a->size() == 1 ? " entry" : " entries"));
        }
      }
    }
    if (!next || !(next->is_table() || next->is_array())) {
      std::string msg = "override path '" + std::string(dotted) + "': '" + part + "' not found";
      if (!walked.empty()) msg += " under '" + walked + "'";
      const auto near = closest_match(part, choices);
      if (!near.empty()) msg += "; did you mean '" + near + "'?";
      throw InputError(origin, msg);
    }
    walked += (walked.empty() ? "" : ".") + part;
    cur = next;
  }
  auto* t = cur->as_table();
  if (!t) {
    throw InputError(origin, "override path '" + std::string(dotted) + "' must end in a table key");
  }
  toml::key key(parts.back(), value.source());
  t->insert_or_assign(std::move(key), std::move(value));
}

void set_path(toml::table& root, std::string_view dotted, double value) {
  toml::value<double> v(value);
  set_path(root, dotted, std::move(v), SourcePos{"", 0, 0});
}

std::vector<std::string> lens_names(const toml::table& root) {
  std::vector<std::string> names;
  if (const auto* lenses = root.get_as<toml::table>("lenses")) {
    for (auto&& [k, v] : *lenses) names.emplace_back(k.str());
  }
  return names;
}

void apply_lens(toml::table& root, std::string_view name) {
  auto* lenses = root.get_as<toml::table>("lenses");
  toml::table* lens = lenses ? lenses->get_as<toml::table>(name) : nullptr;
  if (!lens) {
    std::string list;
    for (const auto& n : lens_names(root)) list += (list.empty() ? "" : ", ") + n;
    throw InputError("unknown lens '" + std::string(name) + "'; this scenario defines: " +
                     (list.empty() ? std::string("none") : list));
  }
  // The lens is moved out (not copied) so its values keep their positions for errors;
  // the resolved document then shows its effect and records `lens = NAME`.
  toml::table moved = std::move(*lens);
  lenses->erase(name);
  std::vector<std::pair<std::string, toml::node*>> leaves;
  flatten(moved, "", leaves);
  for (auto& [path, node] : leaves) {
    if (path == "description") continue;
    const SourcePos origin = position_of(*node);
    set_path(root, path, std::move(*node), origin);
  }
  if (auto* info = root.get_as<toml::table>("scenario")) info->insert_or_assign("lens", std::string(name));
}

std::string to_toml(const toml::table& root) {
  std::ostringstream ss;
  ss << toml::toml_formatter(root) << "\n";
  return ss.str();
}

std::shared_ptr<toml::table> clone(const toml::table& t) { return std::make_shared<toml::table>(t); }

ValidScenario load_scenario(const std::string& path, std::string_view lens, const Limits& limits) {
  Document doc = load_document(path, limits);
  if (!lens.empty()) apply_lens(*doc.table, lens);
  return build_scenario(*doc.table, limits);
}

std::vector<LensScenario> load_lenses(const std::string& path) {
  const Document doc = load_document(path);
  const std::vector<std::string> names = lens_names(*doc.table);
  if (names.empty()) throw InputError(path + " defines no [lenses]");
  std::vector<LensScenario> lenses;
  lenses.push_back({"", "the scenario's own parameters", build_scenario(*doc.table)});
  for (const auto& name : names) {
    // Each lens on a fresh read of the file: its values keep their lines for messages.
    Document d = load_document(path);
    std::string description;
    if (const auto* desc = get_path(*d.table, "lenses." + name + ".description"); desc && desc->as_string()) {
      description = desc->as_string()->get();
    }
    apply_lens(*d.table, name);
    lenses.push_back({name, description, build_scenario(*d.table)});
  }
  return lenses;
}

}  // namespace smartpower
