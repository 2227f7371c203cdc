// assetfetch: the command-line tool on top of the core library.
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "command.h"
#include "help_text.h"
#include "platform/arguments.h"
#include "platform/program_path.h"

namespace assetfetch::cli {

std::vector<CommandInfo>& command_registry() {
  static std::vector<CommandInfo> registry;
  return registry;
}

}  // namespace assetfetch::cli

int main(int argc, char** argv) {
  using namespace assetfetch::cli;
  if (argc > 0) assetfetch::platform::remember_program_path(argv[0]);  // where the OS cannot say (service start)
  CLI::App app{"assetfetch: fetch build assets by URL list and hash: cached, mirrored, verified, offline-capable"};
  app.set_version_flag("--version", std::string("assetfetch ") + ASSETFETCH_VERSION_STRING);
  app.require_subcommand(1);
  // Options are --long and -s on every OS: on Windows, CLI11 would also read
  // "/x" as an option, where it is a path (the current drive's root). Set
  // before the subcommands are added: they copy it.
  app.allow_windows_style_options(false);
  app.footer(main_help_footer());
  std::map<CLI::App*, std::function<int()>> runners;
  for (auto& cmd : command_registry()) {
    CLI::App* sub = app.add_subcommand(cmd.name, cmd.description);
    runners[sub] = cmd.setup(*sub);
    sub->footer(help_footer(cmd.name));
  }
  try {
    // UTF-8 on every OS (Windows' argv is in the ANSI code page).
    const std::vector<std::string> args = assetfetch::platform::program_arguments(argc, argv);
    std::vector<const char*> arg_ptrs;
    for (const std::string& a : args) arg_ptrs.push_back(a.c_str());
    app.parse(static_cast<int>(arg_ptrs.size()), arg_ptrs.data());
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  for (auto& [sub, run] : runners) {
    if (sub->parsed()) {
      try {
        return run();
      } catch (const std::exception& e) {
        std::cerr << "assetfetch: error: " << e.what() << "\n";
        return 1;
      }
    }
  }
  return 2;
}
