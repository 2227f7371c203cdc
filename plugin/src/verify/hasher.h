// Streaming SHA-256/SHA-512, move-only: OpenSSL EVP where OpenSSL is
// (hasher_evp.cpp), Windows CNG through the platform layer on Windows
// (hasher_cng.cpp, platform/sha.h).
// Bytes are hashed as they arrive, so a fresh download is never read twice.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>

#include "assetfetch/types.h"

namespace assetfetch {

class Hasher {
 public:
  explicit Hasher(HashAlgorithm algorithm);
  ~Hasher();
  Hasher(Hasher&& other) noexcept;
  Hasher& operator=(Hasher&& other) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void update(const void* data, std::size_t size);
  std::string finish_hex();  // lowercase; the hasher is reset afterwards
  void reset();
  HashAlgorithm algorithm() const { return algorithm_; }

 private:
  HashAlgorithm algorithm_;
  void* ctx_ = nullptr;  // EVP_MD_CTX, or platform::OsSha on Windows
};

// Hashes `length` bytes of a file from `offset` (length kLengthToEof: to the
// end). Throws std::runtime_error on I/O failure.
std::string hash_file(const std::filesystem::path& file, HashAlgorithm algorithm,
                      std::uint64_t offset = 0, std::uint64_t length = kLengthToEof);
// Hands the first `length` bytes of `file` to `sink` in chunks (to feed a
// hasher when resuming a download).
void read_file_prefix(const std::filesystem::path& file, std::uint64_t length,
                      const std::function<void(const char*, std::size_t)>& sink);

}  // namespace assetfetch
