// Scenario I/O: TOML file -> resolved document (extends, [overrides], lens) -> validated
// Scenario. Every error is an InputError naming file, line and column (or the dotted
// key) and what was expected.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "smartpower/core/error.hpp"
#include "smartpower/core/messages.hpp"  // closest_match, for the io and analysis messages
#include "smartpower/io/load.hpp"
#include "smartpower/core/scenario.hpp"

namespace smartpower {

// A scenario after `extends` chains are merged and `[overrides]` applied. Source
// positions of every value are kept (values moved, never copied), so validation
// errors still point at the file and line that set the value.
struct Document {
  std::string path;
  std::shared_ptr<toml::table> table;
  // Every file read to build it: `path` first, then its `extends` chain. Outputs are
  // checked against these (an input is never an output).
  std::vector<std::string> files;
};

// Parses `path`, follows `extends` (relative to the including file), merges and applies
// `[overrides]`. Merge rules: tables merge key by key; arrays of tables whose entries
// have an `id` merge entry by entry (a new id is appended); other arrays of tables
// (events, moves) are appended; any other value is replaced.
Document load_document(const std::string& path, const Limits& limits = {});

// Parses TOML text as if it were the file `name` (tests, fuzzing).
Document load_document_from_string(std::string_view text, const std::string& name,
                                   const Limits& limits = {});

// Applies a patch the way an extending file is applied: merge (rules above), then its
// `[overrides]`, then `remove_actors = [...]` (drops the actors with their relations,
// events, moves and partner biases). Claim variants and what-ifs are patches.
void apply_patch(toml::table& root, toml::table&& patch);
void remove_actor(toml::table& root, std::string_view id);

// Sets the value at a dotted path ("model.rho", "actors.TUR.budget",
// "levers.trade.weight", "events.recognition.enabled"). Array elements are addressed
// by their `id` or by a 0-based index. Throws InputError naming `origin` if the path
// does not lead to an existing table.
void set_path(toml::table& root, std::string_view dotted, toml::node&& value,
              const SourcePos& origin = {});
void set_path(toml::table& root, std::string_view dotted, double value);
// "a.b.c" -> {"a", "b", "c"}.
std::vector<std::string> split_dotted_path(std::string_view dotted);
// The value at a dotted path, or nullptr.
const toml::node* get_path(const toml::table& root, std::string_view dotted);

// Names of the lenses the document defines ([lenses.NAME]).
std::vector<std::string> lens_names(const toml::table& root);
// Applies lens `name` (its dotted overrides); throws InputError listing the lenses if
// there is no such lens.
void apply_lens(toml::table& root, std::string_view name);

// Validates a resolved document and builds the Scenario (checked: Model runs it without
// checking again). Unknown keys, wrong types, out-of-range values and unknown ids are
// InputErrors naming file, line and column.
ValidScenario build_scenario(const toml::table& root, const Limits& limits = {});

// load_scenario(path, lens, limits) = load_document + optional lens + build_scenario:
// smartpower/io/load.hpp.

// The resolved document as TOML text (what `smartpower resolve` prints).
std::string to_toml(const toml::table& root);

// A Scenario (validated first: InputError) as a resolved document that build_scenario
// reads back value for value, identity dimensions in name order (as from any copy of a
// document, whose keys have no positions). Every key is written, a symmetric dyad value
// on the [relations.I.J] with I listed first only. For the analyses that patch documents
// (claim variants), so that they take a Scenario built in code as they take a file.
std::shared_ptr<toml::table> scenario_document(const Scenario& scenario);

// A patch of a scenario document (a claim variant): the table apply_patch applies.
struct ScenarioPatch {
  toml::table table;
};

// A deep copy (source positions are not kept by copies; validate before copying).
std::shared_ptr<toml::table> clone(const toml::table& t);

// Position of a node, for messages.
SourcePos position_of(const toml::node& node);
SourcePos position_of(const toml::key& key);

}  // namespace smartpower
