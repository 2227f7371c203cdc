// Helpers for the config/manifest tests: the message of an InputError, and a
// self-removing scratch directory (no dependency on the HTTP test support).
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/diagnostics.h"
#include "base/input_error.h"
#include "platform/process.h"

namespace af_config_test {

// The InputError message `fn` throws, or "<no error>".
template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const assetfetch::InputError& e) {
    return e.what();
  }
  return "<no error>";
}

// The problems of the ValidationError `fn` throws, each "POINTER: MESSAGE"
// ("(root)" for the whole document) on its own line, in reading order; the
// message of any other InputError; or "<no error>".
template <typename Fn>
std::string problems_of(Fn&& fn) {
  try {
    fn();
  } catch (const assetfetch::ValidationError& e) {
    std::string out;
    for (const auto& d : e.diagnostics())
      out += (out.empty() ? "" : "\n") + (d.pointer.empty() ? std::string("(root)") : d.pointer) + ": " +
             d.message;
    return out;
  } catch (const assetfetch::InputError& e) {
    return e.what();
  }
  return "<no error>";
}

class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("af-config-test-" + std::to_string(assetfetch::platform::current_pid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace af_config_test
