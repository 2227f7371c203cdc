// Content-MD5 (RFC 1864: base64 of the MD5 of the body) of an upload's body,
// so the store checks what arrived against what was read: S3 (PutObject,
// UploadPart) answers 400 BadDigest and Azure (Put Blob, Put Block) 400
// Md5Mismatch when they differ. The body is read once more for it (a 1 GiB
// object: one more read, usually from the page cache).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "platform/file.h"

namespace assetfetch {

// `length` bytes of `fd` from `offset`, or `text` without a handle; nullopt when
// the file cannot be read (the upload then fails as a local read error).
// The MD5 itself: OpenSSL's (body_md5_evp.cpp) or Windows CNG's
// (body_md5_cng.cpp), chosen by the build as the hasher is.
class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  bool ok() const { return state_ != nullptr; }
  void update(const void* data, std::size_t size);
  bool finish(unsigned char out[16]);

 private:
  void* state_ = nullptr;
};

std::optional<std::string> content_md5(platform::NativeHandle fd, std::uint64_t offset, std::uint64_t length, const std::string& text);

}  // namespace assetfetch
