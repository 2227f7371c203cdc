// Subcommand registry: each command lives in its own file and registers
// itself with a static RegisterCommand object, so main.cpp never changes when
// a command is added.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace assetfetch::cli {

// Called once when the CLI is set up: adds the command's options to `sub`
// (binding them to state the returned runner owns) and returns the runner,
// which returns the process exit code.
using CommandSetup = std::function<std::function<int()>(CLI::App& sub)>;

struct CommandInfo {
  std::string name;
  std::string description;
  CommandSetup setup;
};

std::vector<CommandInfo>& command_registry();

struct RegisterCommand {
  RegisterCommand(std::string name, std::string description, CommandSetup setup) {
    command_registry().push_back({std::move(name), std::move(description), std::move(setup)});
  }
};

}  // namespace assetfetch::cli
