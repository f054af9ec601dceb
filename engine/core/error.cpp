#include "smartpower/core/error.hpp"

namespace smartpower {

static std::string format_error(const SourcePos& pos, const std::string& message) {
  if (pos.file.empty()) return message;
  std::string out = pos.file;
  if (pos.line > 0) out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  return out + ": " + message;
}

InputError::InputError(SourcePos pos, const std::string& message)
    : std::runtime_error(format_error(pos, message)), pos_(std::move(pos)), message_(message) {}

}  // namespace smartpower
