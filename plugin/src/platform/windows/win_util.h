// Helpers shared by the Windows implementation files (never included
// outside platform/windows/).
#pragma once

#include <windows.h>

#include <string>
#include <string_view>
#include <vector>

#include "platform/error.h"

namespace assetfetch::platform::win {

// A UTF-8 path as the W functions take it at any length: absolute
// (GetFullPathNameW resolves ".", ".." and relative names) and in the
// extended-length form (\\?\C:\..., \\?\UNC\server\share\...).
Result<std::wstring> api_path(std::string_view utf8);
// A path the other way, without a \\?\ prefix.
std::string utf8_of_api_path(std::wstring_view wide);
// argv as one command line the C runtime's parser splits back into argv.
Result<std::wstring> command_line(const std::vector<std::string>& argv);
// What CreateProcessW takes for argv: the program (argv[0], never searched
// for on PATH) and the whole command line (writable, as CreateProcessW wants).
struct ProcessCommand {
  std::wstring application;
  std::wstring line;
};
Result<ProcessCommand> process_command(const std::vector<std::string>& argv);
// The error of the last failed call (GetLastError) as a PlatformError.
PlatformError error(std::string op, std::string_view path);

// Appends `arg` to a command line so the C runtime's parser
// (CommandLineToArgvW rules) reads it back unchanged.
void append_quoted(std::wstring& cmd, const std::wstring& arg);

// Sharing every handle of ours allows: others may read, write, rename and
// remove the file while we hold it, as on POSIX.
constexpr DWORD kShareAll = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

// A HANDLE closed on destruction; nullptr and INVALID_HANDLE_VALUE are none.
class UniqueHandle {
 public:
  UniqueHandle() = default;
  explicit UniqueHandle(HANDLE h) : h_(h == INVALID_HANDLE_VALUE ? nullptr : h) {}
  ~UniqueHandle() { reset(); }
  UniqueHandle(UniqueHandle&& o) noexcept : h_(o.release()) {}
  UniqueHandle& operator=(UniqueHandle&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueHandle(const UniqueHandle&) = delete;
  UniqueHandle& operator=(const UniqueHandle&) = delete;

  HANDLE get() const { return h_; }
  explicit operator bool() const { return h_ != nullptr; }
  HANDLE release() {
    HANDLE h = h_;
    h_ = nullptr;
    return h;
  }
  void reset(HANDLE h = nullptr) {
    if (h_ != nullptr) ::CloseHandle(h_);
    h_ = h == INVALID_HANDLE_VALUE ? nullptr : h;
  }

 private:
  HANDLE h_ = nullptr;
};

}  // namespace assetfetch::platform::win
