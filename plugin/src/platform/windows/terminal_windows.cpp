#include <windows.h>

#include "platform/terminal.h"

namespace assetfetch::platform {

bool is_terminal(StdStream stream) {
  const HANDLE h = ::GetStdHandle(stream == StdStream::out ? STD_OUTPUT_HANDLE : STD_ERROR_HANDLE);
  DWORD mode = 0;
  return h != nullptr && h != INVALID_HANDLE_VALUE && ::GetConsoleMode(h, &mode) != 0;
}

}  // namespace assetfetch::platform
