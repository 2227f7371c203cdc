// Shared by the platform tests, which build natively and with mingw-w64
// (tests/windows/): no test support library, only the platform layer.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "platform/directory.h"
#include "platform/fs_ops.h"
#include "platform/path.h"

namespace af_platform_test {

// A fresh private folder under the system's temporary folder, removed after.
class Scratch {
 public:
  Scratch() {
    std::string parent = assetfetch::platform::utf8_of(std::filesystem::temp_directory_path());
    while (parent.size() > 1 && (parent.back() == '/' || parent.back() == '\\')) parent.pop_back();
    auto dir = assetfetch::platform::make_private_directory(parent, "af-platform-");
    if (dir) path_ = dir.value();
  }
  // platform::remove_tree: read-only files and folders past 260 characters
  // too (std::filesystem::remove_all under mingw-w64 does neither).
  ~Scratch() {
    if (!path_.empty()) (void)assetfetch::platform::remove_tree(path_);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  bool ok() const { return !path_.empty(); }
  // "<scratch>/<name>", UTF-8 ("/" works on Windows too: the layer resolves it).
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Entry point of the helper child processes (platform_test_main.cpp).
int run_helper(int argc, char** argv);
// The command line that starts this test program as a helper with `args`:
// its path from platform::executable_path(), else argv[0] made absolute at
// start-up (POSIX has no call for it: macOS, the BSDs, the portable build).
// Empty when neither is known.
std::vector<std::string> helper_command(std::vector<std::string> args);

}  // namespace af_platform_test
