// Hasher on OpenSSL's EVP interface (every build but Windows).
#include <openssl/evp.h>

#include <new>
#include <stdexcept>

#include "verify/hasher.h"
#include "verify/hex.h"

namespace assetfetch {
namespace {

const EVP_MD* md_for(HashAlgorithm a) { return a == HashAlgorithm::sha256 ? EVP_sha256() : EVP_sha512(); }
EVP_MD_CTX* ctx(void* p) { return static_cast<EVP_MD_CTX*>(p); }

}  // namespace

Hasher::Hasher(HashAlgorithm algorithm) : algorithm_(algorithm), ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) throw std::bad_alloc();
  reset();
}

Hasher::~Hasher() {
  if (ctx_) EVP_MD_CTX_free(ctx(ctx_));
}

Hasher::Hasher(Hasher&& other) noexcept : algorithm_(other.algorithm_), ctx_(other.ctx_) { other.ctx_ = nullptr; }

Hasher& Hasher::operator=(Hasher&& other) noexcept {
  if (this != &other) {
    if (ctx_) EVP_MD_CTX_free(ctx(ctx_));
    algorithm_ = other.algorithm_;
    ctx_ = other.ctx_;
    other.ctx_ = nullptr;
  }
  return *this;
}

void Hasher::reset() {
  if (EVP_DigestInit_ex(ctx(ctx_), md_for(algorithm_), nullptr) != 1)
    throw std::runtime_error("EVP_DigestInit_ex failed");
}

void Hasher::update(const void* data, std::size_t size) {
  if (size > 0) EVP_DigestUpdate(ctx(ctx_), data, size);
}

std::string Hasher::finish_hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx(ctx_), md, &len);
  reset();
  return hex_of(md, len);
}

}  // namespace assetfetch
