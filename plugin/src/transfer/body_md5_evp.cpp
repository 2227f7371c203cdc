// Md5 (body_md5.h) on OpenSSL's libcrypto.
#include <openssl/evp.h>

#include "transfer/body_md5.h"

namespace assetfetch {

Md5::Md5() {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx && EVP_DigestInit_ex(ctx, EVP_md5(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx);
    ctx = nullptr;
  }
  state_ = ctx;
}

Md5::~Md5() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(state_)); }

void Md5::update(const void* data, std::size_t size) { EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(state_), data, size); }

bool Md5::finish(unsigned char out[16]) {
  unsigned int size = 0;
  return EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(state_), out, &size) == 1 && size == 16;
}

}  // namespace assetfetch
