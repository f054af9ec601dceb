// The `smartpower` command: CLI11 wiring over the library, printing and exit codes only.
// Exit codes: 0 ok, 1 a claim or check failed, 2 bad input or usage, 3 internal or
// numerical error, 130 interrupted.
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <unistd.h>

#include "commands.hpp"
#include "smartpower/error.hpp"

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }
}  // namespace

int main(int argc, char** argv) {
  using namespace smartpower::cli;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  CLI::App app{"smartpower: a scenario simulation engine for smart-power balancing.\n"
               "Countries are agents with soft and hard levers; scenarios are TOML files."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("smartpower ") + smartpower::engine_version_string());

  Context ctx;
  ctx.stop = &g_stop;
  ctx.progress = isatty(2) != 0;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    ctx.argv.push_back(i == 0 ? std::string("smartpower") : a);
  }
  register_commands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    return ctx.action ? ctx.action() : 0;
  } catch (const smartpower::InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const smartpower::NumericalError& e) {
    std::cerr << "numerical error: " << e.what() << "\n";
    return 3;
  } catch (const smartpower::Interrupted&) {
    std::cerr << "interrupted: no output was written\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return 3;
  }
}
