// Helpers shared by the Windows implementation files (never included
// outside platform/windows/).
#pragma once

#include <windows.h>

#include <string>
#include <string_view>

#include "platform/error.h"

namespace assetfetch::platform::win {

// A UTF-8 path as the W functions take it at any length: absolute
// (GetFullPathNameW resolves ".", ".." and relative names) and in the
// extended-length form (\\?\C:\..., \\?\UNC\server\share\...).
Result<std::wstring> api_path(std::string_view utf8);
// A path the other way, without a \\?\ prefix.
std::string utf8_of_api_path(std::wstring_view wide);
// The error of the last failed call (GetLastError) as a PlatformError.
PlatformError error(std::string op, std::string_view path);

// Appends `arg` to a command line so the C runtime's parser
// (CommandLineToArgvW rules) reads it back unchanged.
void append_quoted(std::wstring& cmd, const std::wstring& arg);

// Sharing every handle of ours allows: others may read, write, rename and
// remove the file while we hold it, as on POSIX.
constexpr DWORD kShareAll = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

}  // namespace assetfetch::platform::win
