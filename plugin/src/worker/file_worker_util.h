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

inline bool pwrite_all(int fd, const char* data, std::size_t n, std::uint64_t offset) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<std::size_t>(w);
    offset += static_cast<std::uint64_t>(w);
  }
  return true;
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
