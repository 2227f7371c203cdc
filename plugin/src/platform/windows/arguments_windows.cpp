// Command-line arguments on Windows: the UTF-16 command line, split by the
// C runtime's rules (CommandLineToArgvW), as UTF-8.
#include <windows.h>
#include <shellapi.h>

#include "platform/arguments.h"
#include "platform/path.h"

namespace assetfetch::platform {

std::vector<std::string> program_arguments(int argc, char** argv) {
  int n = 0;
  LPWSTR* wide = CommandLineToArgvW(GetCommandLineW(), &n);
  // Should the OS not split it (out of memory), argv is still the best there is.
  if (wide == nullptr || n != argc) {
    if (wide != nullptr) LocalFree(wide);
    return {argv, argv + argc};
  }
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    out.push_back(utf16_to_utf8(reinterpret_cast<const char16_t*>(wide[i])));
  LocalFree(wide);
  return out;
}

}  // namespace assetfetch::platform
