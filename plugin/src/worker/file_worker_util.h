// Small helpers shared by the FileWorker source files (not part of any API).
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>

#include "assetfetch/types.h"
#include "transfer/curl_url.h"
#include "transfer/redact.h"
#include "transfer/store_auth.h"

namespace assetfetch::worker_util {

inline std::string range_header(std::uint64_t first, std::optional<std::uint64_t> length) {
  return std::to_string(first) + "-" + (length ? std::to_string(first + *length - 1) : std::string());
}

// Writes all `n` bytes at `offset`. Returns 0, or the errno of the failed
// pwrite (EIO when it wrote nothing) and, in `failed_at`, where it failed.
inline int pwrite_all(int fd, const char* data, std::size_t n, std::uint64_t offset,
                      std::uint64_t* failed_at = nullptr) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (failed_at) *failed_at = offset;
      return w < 0 ? errno : EIO;  // 0 bytes written for a regular file: the device gave up
    }
    data += w;
    n -= static_cast<std::size_t>(w);
    offset += static_cast<std::uint64_t>(w);
  }
  return 0;
}

// Headers go only to the exact origin they were configured for, as libcurl
// parses it (an unparsable URL gets none).
inline HeaderList headers_for(const Candidate& c, const std::string& url) {
  if (c.headers.empty()) return {};
  const std::string origin = curl_origin(url);
  if (origin.empty() || origin != curl_origin(c.url)) return {};
  return c.headers;
}

}  // namespace assetfetch::worker_util
