// Lowercase hex of a digest's bytes, for both hasher backends.
#pragma once

#include <cstddef>
#include <string>

namespace assetfetch {

inline std::string hex_of(const unsigned char* bytes, std::size_t len) {
  static const char* digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (std::size_t i = 0; i < len; ++i) {
    hex.push_back(digits[bytes[i] >> 4]);
    hex.push_back(digits[bytes[i] & 15]);
  }
  return hex;
}

}  // namespace assetfetch
