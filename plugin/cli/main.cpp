// assetfetch: the command-line tool on top of the core library.
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "command.h"

namespace assetfetch::cli {

std::vector<CommandInfo>& command_registry() {
  static std::vector<CommandInfo> registry;
  return registry;
}

}  // namespace assetfetch::cli

namespace {

const char* kExitCodes =
    "Exit codes:\n"
    "  0  success\n"
    "  1  anything else (internal or local I/O error)\n"
    "  2  bad input: usage, manifest, config, ranges, hash syntax, range past the end of the file\n"
    "  3  hash mismatch on every candidate that delivered bytes\n"
    "  4  not found or unreachable on every candidate\n"
    "  5  offline (or origin blocked) and not available locally\n"
    "  130  interrupted (Ctrl-C, SIGTERM): run the same command again to resume\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace assetfetch::cli;
  CLI::App app{"assetfetch: fetch build assets by URL list and hash: cached, mirrored, verified, offline-capable"};
  app.set_version_flag("--version", std::string("assetfetch ") + ASSETFETCH_VERSION_STRING);
  app.require_subcommand(1);
  app.footer(kExitCodes);
  std::map<CLI::App*, std::function<int()>> runners;
  for (auto& cmd : command_registry()) {
    CLI::App* sub = app.add_subcommand(cmd.name, cmd.description);
    sub->footer(kExitCodes);
    runners[sub] = cmd.setup(*sub);
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
