// Where one write-back upload goes: the expanded URL of a writable source with
// its headers, store settings and the job's retry and TLS policies.
#pragma once

#include <cstdint>
#include <string>

#include "assetfetch/job.h"
#include "platform/file.h"

namespace assetfetch {

struct UploadTarget {
  const Candidate* target = nullptr;
  const RetryPolicy* retry = nullptr;
  const TlsPolicy* tls = nullptr;
};

// What an upload learned besides success: the store already held the object
// (nothing was written), or the store did not answer at all (its HEAD failed
// in transport: callers stop sending it more uploads).
struct UploadNote {
  bool already_there = false;
  bool store_unreachable = false;
};

// A readable, open object and its size.
struct UploadBody {
  platform::NativeHandle fd = platform::kNoHandle;
  std::uint64_t size = 0;
};

// `url` with `params` added to its query ('?' or '&' as needed).
std::string with_query(const std::string& url, const std::string& params);

}  // namespace assetfetch
