// The program's own file where the OS has no call for it (a POSIX system
// without /proc/self/exe, e.g. the BSDs without procfs, and the portable
// POSIX build): worked out once from argv[0] at start-up, as the shell found
// it. executable_path() falls back to it. Plain text and std::filesystem, no
// OS header.
#pragma once

#include <string>

namespace assetfetch::platform {

// Call first thing in main(), before anything changes the working folder.
void remember_program_path(const char* argv0);
// Empty when nothing was remembered or argv[0] could not be resolved.
const std::string& remembered_program_path();

}  // namespace assetfetch::platform
