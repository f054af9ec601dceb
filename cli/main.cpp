// The `smartpower` command: CLI11 wiring over the library, printing and exit codes only.
// Exit codes: 0 ok, 1 a claim or check failed, 2 bad input or usage, 3 internal or
// numerical error, 130 interrupted.
#include <CLI/CLI.hpp>

#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <unistd.h>

#include "commands.hpp"
#include "smartpower/core/error.hpp"
#include "smartpower/core/version.hpp"

namespace {
std::atomic<bool> g_stop{false};
// Commands that write no file (validate, resolve, keys) end at once on SIGINT/SIGTERM:
// nothing can be left half-written, and loading a huge or pathological file need not
// poll anything. Only async-signal-safe calls here.
std::atomic<bool> g_exit_on_signal{false};
extern "C" void on_signal(int) {
  g_stop.store(true);
  if (g_exit_on_signal.load()) {
    static const char msg[] = "\ninterrupted\n";
    [[maybe_unused]] const auto n = ::write(2, msg, sizeof msg - 1);
    ::_exit(130);
  }
}

// Checks applied to every subcommand's options of these names, so each command file
// need not repeat them.
void add_common_checks(CLI::App& app) {
  // CLI11 clamps an integer beyond the type's range to its limit: 99999999999999999999
  // would silently become 9223372036854775807. Checked on the text, before conversion.
  const CLI::Validator seed_range(
      [](std::string& text) -> std::string {
        std::int64_t v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc{} || end != text.data() + text.size() || v < 0) {
          return "expected an integer in [0, " + std::to_string(std::numeric_limits<std::int64_t>::max()) +
                 "], got '" + text + "'";
        }
        return {};
      },
      "INT in [0, 2^63-1]", "seed range");
  const CLI::Validator non_empty_path(
      [](std::string& text) -> std::string {
        return text.empty() ? std::string("expected a path, got an empty string") : std::string();
      },
      "", "non-empty path");
  const CLI::Validator non_empty_name(
      [](std::string& text) -> std::string {
        return text.empty() ? std::string("expected a name, got an empty string") : std::string();
      },
      "", "non-empty name");
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (auto* o = sub->get_option_no_throw("--seed")) o->check(seed_range);
    for (const char* name : {"--out", "--data", "--checkpoint", "--emit-scenario", "--claims", "--compare", "FILE",
                             "BASE", "WHATIF"}) {
      if (auto* o = sub->get_option_no_throw(name)) o->check(non_empty_path);
    }
    for (const char* name : {"--lens", "--actor"}) {
      if (auto* o = sub->get_option_no_throw(name)) o->check(non_empty_name);
    }
  }
}
}  // namespace

int main(int argc, char** argv) {
  using namespace smartpower::cli;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  CLI::App app{"smartpower: a scenario simulation engine for smart-power balancing.\n"
               "Countries are agents with soft and hard levers; scenarios are TOML files."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("smartpower ") + smartpower::engine_version());

  Context ctx;
  ctx.stop = &g_stop;
  ctx.progress = isatty(2) != 0;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    ctx.argv.push_back(i == 0 ? std::string("smartpower") : a);
  }
  register_commands(app, ctx);
  add_common_checks(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  for (const char* name : {"validate", "resolve", "keys", "schema"}) {
    if (app.got_subcommand(name)) g_exit_on_signal.store(true);
  }
  if (g_stop.load()) {
    std::cerr << "interrupted\n";
    return 130;
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
