// Where one write-back upload goes: the expanded URL of a writable source with
// its headers, store settings and the job's retry and TLS policies.
#pragma once

#include <cstdint>
#include <string>

#include "assetfetch/job.h"

namespace assetfetch {

struct UploadTarget {
  const Candidate* target = nullptr;
  const RetryPolicy* retry = nullptr;
  const TlsPolicy* tls = nullptr;
};

// A readable, open object and its size.
struct UploadBody {
  int fd = -1;
  std::uint64_t size = 0;
};

// `url` with `params` added to its query ('?' or '&' as needed).
std::string with_query(const std::string& url, const std::string& params);

}  // namespace assetfetch
