// `assetfetch check FILE [--kind manifest|config]`: validates a manifest or a
// mirror config with the same rules the loaders use (DESIGN.md `check`),
// printing every problem at once.
// The logic lives in config/check.h so it is unit-tested without the CLI.
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "command.h"
#include "base/input_error.h"
#include "config/check.h"
#include "platform/path.h"

namespace assetfetch::cli {
namespace {

struct CheckArgs {
  std::string file;
  std::string kind;  // "", "manifest" or "config"
  bool quiet = false;
};

int run_check(const CheckArgs& args) {
  std::optional<DocumentKind> kind;
  if (args.kind == "manifest") kind = DocumentKind::manifest;
  if (args.kind == "config") kind = DocumentKind::config;
  try {
    const CheckReport report = check_file(platform::path_from_utf8(args.file), kind);
    if (!args.quiet) {
      for (const auto& w : report.warnings) std::cerr << "assetfetch: warning: " << w << "\n";
      std::cout << report.summary << "\n";
    }
    return 0;
  } catch (const InputError& e) {
    // The lines `sync` prints for the same file (and the CMake module shows).
    for (const auto& line : error_lines(e)) std::cerr << "assetfetch: error: " << line << "\n";
    return 2;
  }
}

const RegisterCommand kRegister(
    "check", "Validate a manifest or mirror config (schema rules, with file and place of errors)",
    [](CLI::App& sub) -> std::function<int()> {
      auto args = std::make_shared<CheckArgs>();
      sub.add_option("FILE", args->file, "manifest or config JSON file")->required();
      sub.add_option("--kind", args->kind,
                     "treat FILE as this kind (default: from its \"$schema\", else from its keys)")
          ->check(CLI::IsMember({"manifest", "config"}));
      sub.add_flag("-q,--quiet", args->quiet, "print errors only");
      return [args] { return run_check(*args); };
    });

}  // namespace
}  // namespace assetfetch::cli
