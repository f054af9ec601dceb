// The reference of numeric scenario keys: section, key, default, range, meaning.
// Generated from the spec tables in engine/scenario.cpp (`smartpower keys` prints it).
#pragma once

#include <string>
#include <vector>

namespace smartpower {

struct KeyDoc {
  std::string section;
  std::string key;
  double fallback;
  std::string range;
  std::string doc;
};

std::vector<KeyDoc> key_reference();

}  // namespace smartpower
