// Names the calling thread for top -H, perf, /proc and debuggers: a hint,
// never an error (names longer than the OS allows are cut).
#pragma once

namespace assetfetch::platform {

void name_this_thread(const char* ascii_name);

}  // namespace assetfetch::platform
