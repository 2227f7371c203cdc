// A ByteRange for unit tests: OFFSET, LENGTH and, optionally, its sha256.
#pragma once

#include <cstdint>
#include <string>

#include "assetfetch/types.h"

namespace assetfetch::test {

inline ByteRange byte_range(std::uint64_t offset, std::uint64_t length, const std::string& sha256 = "") {
  ByteRange r;
  r.offset = offset;
  r.length = length;
  if (!sha256.empty()) r.digest = Digest{HashAlgorithm::sha256, sha256};
  return r;
}

}  // namespace assetfetch::test
