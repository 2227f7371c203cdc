// Md5 (body_md5.h) on Windows CNG, through the platform layer (platform/sha.h).
#include "platform/sha.h"
#include "transfer/body_md5.h"

namespace assetfetch {

Md5::Md5() {
  auto h = platform::OsSha::create_md5();
  if (h) state_ = new platform::OsSha(std::move(h).value());
}

Md5::~Md5() { delete static_cast<platform::OsSha*>(state_); }

void Md5::update(const void* data, std::size_t size) { static_cast<platform::OsSha*>(state_)->update(data, size); }

bool Md5::finish(unsigned char out[16]) {
  unsigned char digest[platform::OsSha::kMaxDigest];
  if (static_cast<platform::OsSha*>(state_)->finish(digest) != 16) return false;
  for (int i = 0; i < 16; ++i) out[i] = digest[i];
  return true;
}

}  // namespace assetfetch
