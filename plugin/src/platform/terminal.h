// Whether a standard stream is a terminal (a progress bar there, progress
// lines in a log or a pipe).
#pragma once

namespace assetfetch::platform {

enum class StdStream { out, err };

// isatty / a console handle (GetConsoleMode). False for a file, a pipe, or a
// stream that is closed.
bool is_terminal(StdStream stream);

}  // namespace assetfetch::platform
