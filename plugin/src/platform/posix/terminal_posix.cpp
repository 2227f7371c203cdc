#include <unistd.h>

#include "platform/terminal.h"

namespace assetfetch::platform {

bool is_terminal(StdStream stream) { return ::isatty(stream == StdStream::out ? 1 : 2) == 1; }

}  // namespace assetfetch::platform
