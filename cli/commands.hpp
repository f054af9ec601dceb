// CLI commands: each registers its CLI11 subcommand and sets Context::action.
#pragma once

#include <CLI/CLI.hpp>

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace smartpower::cli {

struct Context {
  std::vector<std::string> argv;
  std::atomic<bool>* stop = nullptr;
  bool progress = false;  // stderr is a terminal
  std::function<int()> action;
};

void register_commands(CLI::App& app, Context& ctx);

// Each cli/*.cpp file that adds subcommands registers itself with a static
// CommandRegistrar, so a new command is one new file (CMake globs cli/*.cpp).
using RegisterFn = void (*)(CLI::App&, Context&);
std::vector<std::pair<int, RegisterFn>>& command_registry();
struct CommandRegistrar {
  // `order` sorts the subcommands in --help.
  CommandRegistrar(int order, RegisterFn fn) { command_registry().emplace_back(order, fn); }
};

// Progress bar on stderr (only when it is a terminal and not --quiet).
class Progress {
 public:
  Progress(const Context& ctx, bool quiet, std::string label);
  void operator()(int done, int total);
  void finish();

 private:
  bool on_;
  std::string label_;
  int last_percent_ = -1;
};

}  // namespace smartpower::cli
