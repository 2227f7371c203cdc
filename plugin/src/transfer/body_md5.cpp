#include "transfer/body_md5.h"

#include "platform/file.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace assetfetch {

std::optional<std::string> content_md5(platform::NativeHandle fd, std::uint64_t offset, std::uint64_t length, const std::string& text) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1) return std::nullopt;
  if (fd == platform::kNoHandle) {
    EVP_DigestUpdate(ctx.get(), text.data(), text.size());
  } else {
    const platform::BorrowedFile file(fd);
    std::vector<unsigned char> buffer(1 << 20);
    for (std::uint64_t done = 0; done < length;) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), length - done));
      auto got = platform::read_at(file, buffer.data(), want, offset + done);
      if (!got || got.value() == 0) return std::nullopt;
      EVP_DigestUpdate(ctx.get(), buffer.data(), got.value());
      done += got.value();
    }
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &size) != 1) return std::nullopt;
  unsigned char encoded[64];
  const int n = EVP_EncodeBlock(encoded, digest, static_cast<int>(size));
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
}

}  // namespace assetfetch
