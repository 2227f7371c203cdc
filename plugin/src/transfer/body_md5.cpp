#include "transfer/body_md5.h"

#include <algorithm>
#include <vector>

#include "base/base64.h"
#include "platform/file.h"

namespace assetfetch {

std::optional<std::string> content_md5(platform::NativeHandle fd, std::uint64_t offset, std::uint64_t length,
                                       const std::string& text) {
  Md5 md5;
  if (!md5.ok()) return std::nullopt;
  if (fd == platform::kNoHandle) {
    md5.update(text.data(), text.size());
  } else {
    const platform::BorrowedFile file(fd);
    std::vector<unsigned char> buffer(1 << 20);
    for (std::uint64_t done = 0; done < length;) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), length - done));
      auto got = platform::read_at(file, buffer.data(), want, offset + done);
      if (!got || got.value() == 0) return std::nullopt;
      md5.update(buffer.data(), got.value());
      done += got.value();
    }
  }
  unsigned char digest[16];
  if (!md5.finish(digest)) return std::nullopt;
  return base64(digest, sizeof digest);
}

}  // namespace assetfetch
