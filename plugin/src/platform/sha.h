// SHA-256 and SHA-512 (and MD5 for upload checksums) from the operating system: Windows CNG (BCrypt), so
// the Windows build needs no OpenSSL. Built on Windows only; elsewhere
// verify/hasher_evp.cpp hashes with OpenSSL's libcrypto.
#pragma once

#include <cstddef>

#include "platform/error.h"

namespace assetfetch::platform {

class OsSha {
 public:
  static constexpr std::size_t kMaxDigest = 64;
  // Errc::unsupported when the OS has no such provider.
  static Result<OsSha> create(bool sha512);
  // MD5, for Content-MD5 of uploads only (never an identity).
  static Result<OsSha> create_md5();

  OsSha() = default;
  ~OsSha();
  OsSha(OsSha&& other) noexcept : hash_(other.hash_), size_(other.size_) { other.hash_ = nullptr; }
  OsSha& operator=(OsSha&& other) noexcept;
  OsSha(const OsSha&) = delete;
  OsSha& operator=(const OsSha&) = delete;

  void update(const void* data, std::size_t size);
  // Writes the digest (32 or 64 bytes) to `out`, returns its size, and
  // starts over.
  std::size_t finish(unsigned char* out);

 private:
  void* hash_ = nullptr;  // BCRYPT_HASH_HANDLE, reusable
  std::size_t size_ = 0;
};

}  // namespace assetfetch::platform
