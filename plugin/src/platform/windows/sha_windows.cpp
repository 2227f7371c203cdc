// SHA-2 on Windows CNG: one provider per algorithm for the process, one
// reusable hash object per hasher (BCRYPT_HASH_REUSABLE_FLAG, Windows 8+).
#include <windows.h>
#include <bcrypt.h>

#include <algorithm>
#include <cstdint>

#include "platform/sha.h"

namespace assetfetch::platform {

namespace {

// NTSTATUS >= 0 is success.
bool ok(NTSTATUS s) { return s >= 0; }

BCRYPT_ALG_HANDLE provider(bool sha512) {
  // Opened once and kept: opening a provider costs far more than a hash.
  static BCRYPT_ALG_HANDLE sha256 = [] {
    BCRYPT_ALG_HANDLE h = nullptr;
    return ok(::BCryptOpenAlgorithmProvider(&h, BCRYPT_SHA256_ALGORITHM, nullptr, BCRYPT_HASH_REUSABLE_FLAG)) ? h : nullptr;
  }();
  static BCRYPT_ALG_HANDLE sha512h = [] {
    BCRYPT_ALG_HANDLE h = nullptr;
    return ok(::BCryptOpenAlgorithmProvider(&h, BCRYPT_SHA512_ALGORITHM, nullptr, BCRYPT_HASH_REUSABLE_FLAG)) ? h : nullptr;
  }();
  return sha512 ? sha512h : sha256;
}

}  // namespace

Result<OsSha> OsSha::create_md5() {
  static BCRYPT_ALG_HANDLE md5 = [] {
    BCRYPT_ALG_HANDLE h = nullptr;
    return ok(::BCryptOpenAlgorithmProvider(&h, BCRYPT_MD5_ALGORITHM, nullptr, BCRYPT_HASH_REUSABLE_FLAG)) ? h : nullptr;
  }();
  if (!md5) return PlatformError{Errc::unsupported, 0, "open the hash provider", "MD5", {}};
  BCRYPT_HASH_HANDLE h = nullptr;
  const NTSTATUS s = ::BCryptCreateHash(md5, &h, nullptr, 0, nullptr, 0, BCRYPT_HASH_REUSABLE_FLAG);
  if (!ok(s)) return PlatformError{Errc::io, static_cast<int>(s), "create a hash", "MD5", {}};
  OsSha hash;
  hash.hash_ = h;
  hash.size_ = 16;
  return hash;
}

Result<OsSha> OsSha::create(bool sha512) {
  BCRYPT_ALG_HANDLE alg = provider(sha512);
  if (!alg) return PlatformError{Errc::unsupported, 0, "open the hash provider", sha512 ? "SHA512" : "SHA256", {}};
  BCRYPT_HASH_HANDLE h = nullptr;
  const NTSTATUS s = ::BCryptCreateHash(alg, &h, nullptr, 0, nullptr, 0, BCRYPT_HASH_REUSABLE_FLAG);
  if (!ok(s)) return PlatformError{Errc::io, static_cast<int>(s), "create a hash", sha512 ? "SHA512" : "SHA256", {}};
  OsSha sha;
  sha.hash_ = h;
  sha.size_ = sha512 ? 64 : 32;
  return sha;
}

OsSha::~OsSha() {
  if (hash_) ::BCryptDestroyHash(static_cast<BCRYPT_HASH_HANDLE>(hash_));
}

OsSha& OsSha::operator=(OsSha&& other) noexcept {
  if (this != &other) {
    if (hash_) ::BCryptDestroyHash(static_cast<BCRYPT_HASH_HANDLE>(hash_));
    hash_ = other.hash_;
    size_ = other.size_;
    other.hash_ = nullptr;
  }
  return *this;
}

void OsSha::update(const void* data, std::size_t size) {
  auto* p = static_cast<unsigned char*>(const_cast<void*>(data));
  while (size > 0) {
    const ULONG n = static_cast<ULONG>(std::min<std::size_t>(size, 1u << 30));
    // Cannot fail for a valid handle and buffer.
    (void)::BCryptHashData(static_cast<BCRYPT_HASH_HANDLE>(hash_), p, n, 0);
    p += n;
    size -= n;
  }
}

std::size_t OsSha::finish(unsigned char* out) {
  (void)::BCryptFinishHash(static_cast<BCRYPT_HASH_HANDLE>(hash_), out, static_cast<ULONG>(size_), 0);
  return size_;  // a reusable hash starts over after BCryptFinishHash
}

}  // namespace assetfetch::platform
