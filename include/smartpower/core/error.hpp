// Typed errors of the smartpower library. The library never prints or exits: it throws
// one of these, and the CLI maps them to exit codes (InputError 2, NumericalError 3).
#pragma once

#include <stdexcept>
#include <string>

namespace smartpower {

// Where in which file a problem was found. line/column are 1-based; 0 means unknown.
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
};

// Bad input: a TOML syntax error, an unknown key, a wrong type, a value out of range,
// a reference to an id that does not exist, an extends cycle, a bad command argument.
// what() is one line: "file:line:column: message".
class InputError : public std::runtime_error {
 public:
  InputError(SourcePos pos, const std::string& message);
  explicit InputError(const std::string& message) : InputError(SourcePos{}, message) {}
  const SourcePos& pos() const noexcept { return pos_; }
  const std::string& message() const noexcept { return message_; }

 private:
  SourcePos pos_;
  std::string message_;
};

// A NaN or infinity appeared in the state; names the step, metric, actor and partner.
class NumericalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Long work was asked to stop (SIGINT/SIGTERM forwarded through a stop flag).
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace smartpower
