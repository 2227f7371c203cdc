// A command run to completion for what it prints: AWS credential_process.
// Its stdout is captured (bounded), its stderr stays ours (a helper's
// complaint reaches the user and never mixes into the output we parse), its
// stdin is empty, and it is stopped when it runs too long.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "platform/error.h"

namespace assetfetch::platform {

// What run_command() saw: the exit code and up to max_output bytes of stdout.
struct CommandOutput {
  int exit_code = -1;
  std::string out;
};

// Runs `command` and reads its stdout until every writer has closed it, then
// reaps it. Killed after `timeout` (Errc::interrupted) with whatever it
// started (its own process group; on Windows one job object), so a
// grandchild holding the pipe cannot keep us or our caller waiting.
// POSIX: through the shell (/bin/sh -c). Windows: no shell, as the AWS CLI
// runs it there: the line is split by the C runtime's rules
// (CommandLineToArgvW: "C:\Program Files\x\creds.exe" --flag "a b"), the
// first word is the program (found as CreateProcessW finds it: .exe added,
// then the program's folder, the system folders and PATH; a .cmd or .bat
// runs through cmd.exe), and the rest reach it as those arguments.
Result<CommandOutput> run_command(const std::string& command, std::chrono::milliseconds timeout,
                                  std::size_t max_output);

}  // namespace assetfetch::platform
