// Paths: UTF-8 in every interface of assetfetch, UTF-16 at the Windows API.
//
// Pure text transforms, the same on every OS (so Linux tests them too):
// UTF-8 <-> UTF-16, the extended-length form Windows needs past 260
// characters (\\?\C:\..., \\?\UNC\server\share\...), and file:// URLs <->
// paths for POSIX, drive letters and UNC shares.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "platform/error.h"

namespace assetfetch::platform {

// UTF-8 -> UTF-16. Errc::invalid_argument for malformed UTF-8. Encoded
// surrogates (WTF-8) are accepted, so every Windows name round-trips.
Result<std::u16string> utf8_to_utf16(std::string_view utf8);
// UTF-16 -> UTF-8; an unpaired surrogate (legal in Windows names) becomes
// its 3-byte WTF-8 form rather than an error.
std::string utf16_to_utf8(std::u16string_view utf16);

// std::filesystem::path <-> UTF-8 without the Windows ANSI code page
// (fs::path(std::string) on Windows reads the bytes as ANSI, not UTF-8).
std::string utf8_of(const std::filesystem::path& p);
// The same with '/' as the separator on every OS (generic_u8string).
std::string generic_utf8_of(const std::filesystem::path& p);
std::filesystem::path path_from_utf8(std::string_view utf8);

// An absolute, normalized Windows path in the form the W functions accept at
// any length: "C:\x" -> "\\?\C:\x", "\\server\share\x" ->
// "\\?\UNC\server\share\x"; "/" becomes "\"; a path already in that form
// stays. Errc::invalid_argument for a relative path (make it absolute first).
Result<std::u16string> extended_length_path(std::u16string_view absolute);

enum class PathStyle { posix, windows };
#ifdef _WIN32
inline constexpr PathStyle kNativeStyle = PathStyle::windows;
#else
inline constexpr PathStyle kNativeStyle = PathStyle::posix;
#endif

// "file:///C:/x%20y" -> "C:\x y", "file://server/share/x" -> "\\server\share\x",
// "file://localhost/C:/x" -> "C:\x", "file:///x/y" -> "\x\y" (the current
// drive) (windows); "file:///x" and "file://localhost/x" -> "/x" (posix). A
// host other than localhost on POSIX, a Windows URL with no path, a %00 or a
// bad escape: Errc::invalid_argument with the fix in the detail.
Result<std::string> file_url_to_path(std::string_view url, PathStyle style = kNativeStyle);
// The inverse: an absolute path -> a file:// URL, bytes outside the
// unreserved set percent-encoded. Errc::invalid_argument for a relative path.
Result<std::string> path_to_file_url(std::string_view path, PathStyle style = kNativeStyle);

}  // namespace assetfetch::platform
