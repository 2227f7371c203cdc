// Hasher on Windows CNG through the platform layer (platform/sha.h): the
// Windows build needs no OpenSSL.
#include <new>
#include <stdexcept>

#include "platform/sha.h"
#include "verify/hasher.h"
#include "verify/hex.h"

namespace assetfetch {
namespace {

platform::OsSha* sha(void* p) { return static_cast<platform::OsSha*>(p); }

}  // namespace

Hasher::Hasher(HashAlgorithm algorithm) : algorithm_(algorithm) {
  platform::Result<platform::OsSha> s = platform::OsSha::create(algorithm == HashAlgorithm::sha512);
  if (!s) throw std::runtime_error(s.error().message());
  ctx_ = new platform::OsSha(std::move(s).value());
}

Hasher::~Hasher() { delete sha(ctx_); }

Hasher::Hasher(Hasher&& other) noexcept : algorithm_(other.algorithm_), ctx_(other.ctx_) { other.ctx_ = nullptr; }

Hasher& Hasher::operator=(Hasher&& other) noexcept {
  if (this != &other) {
    delete sha(ctx_);
    algorithm_ = other.algorithm_;
    ctx_ = other.ctx_;
    other.ctx_ = nullptr;
  }
  return *this;
}

void Hasher::reset() {
  unsigned char discard[platform::OsSha::kMaxDigest];
  (void)sha(ctx_)->finish(discard);  // finishing starts a reusable hash over
}

void Hasher::update(const void* data, std::size_t size) {
  if (size > 0) sha(ctx_)->update(data, size);
}

std::string Hasher::finish_hex() {
  unsigned char md[platform::OsSha::kMaxDigest];
  const std::size_t len = sha(ctx_)->finish(md);
  return hex_of(md, len);
}

}  // namespace assetfetch
