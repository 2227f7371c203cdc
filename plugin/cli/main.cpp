// assetfetch: the command-line tool on top of the core library.
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "command.h"
#include "help_text.h"
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
  app.footer(main_help_footer());
  std::map<CLI::App*, std::function<int()>> runners;
  for (auto& cmd : command_registry()) {
    CLI::App* sub = app.add_subcommand(cmd.name, cmd.description);
    runners[sub] = cmd.setup(*sub);
    sub->footer(help_footer(cmd.name));
  }
  try {
    app.parse(argc, argv);
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
