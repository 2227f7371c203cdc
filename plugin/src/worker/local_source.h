// file:// candidates: read directly from the filesystem (an offline mirror
// directory, a shared cache on a network mount), no libcurl involved.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "assetfetch/job.h"
#include "platform/error.h"

namespace assetfetch {

// file:///a/b%20c → /a/b c; file:///C:/x → C:\x and file://server/share/x →
// \\server\share\x on Windows (platform::file_url_to_path, which mirror --to
// and file:// write-back use too). A URL that names no local file (another
// host on POSIX) is Errc::invalid_argument with the reason in its detail.
platform::Result<std::filesystem::path> local_path_from_url(const std::string& url);

struct LocalRead {
  bool ok = false;
  bool restart = false;  // the size contradicts the bytes kept so far
  std::uint64_t size = 0;
  std::string error;
};

using LocalSink = std::function<bool(const char*, std::size_t)>;

// Streams `src` from `from_offset` to the end into `sink`.
LocalRead read_local(const std::filesystem::path& src, std::uint64_t from_offset, const LocalSink& sink,
                     std::optional<std::uint64_t> declared_size, std::optional<std::uint64_t> expected_size);
LocalRead read_local_range(const std::filesystem::path& src, std::uint64_t offset, std::uint64_t length,
                           const LocalSink& sink);

}  // namespace assetfetch
