// The program's command-line arguments in UTF-8, whatever the OS's own
// encoding of them.
#pragma once

#include <string>
#include <vector>

namespace assetfetch::platform {

// argv[0..argc) as UTF-8. POSIX: argv itself. Windows: read again from
// GetCommandLineW, because main's argv holds the ANSI code page's spelling,
// which has no room for most names (a CJK folder arrives as "?").
std::vector<std::string> program_arguments(int argc, char** argv);

}  // namespace assetfetch::platform
