// Hashing files: reads through the platform layer, whichever hasher backend.
#include "verify/hasher.h"

#include <stdexcept>
#include <system_error>
#include <vector>

#include "platform/file.h"
#include "platform/path.h"

namespace assetfetch {
namespace {

// Reads [offset, offset+length) of `file` in chunks and hands them to `sink`.
template <class Sink>
void read_chunks(const std::filesystem::path& file, std::uint64_t offset, std::uint64_t length, Sink&& sink) {
  // Follows links: callers hash files they chose (objects are checked for
  // links before, user-named files may be links).
  platform::Result<platform::File> f =
      platform::open_regular(platform::utf8_of(file), {.follow_links = true});
  if (!f) throw std::system_error(f.error().error_code(), platform::utf8_of(file));
  platform::advise_sequential(f.value());
  std::vector<char> buf(1 << 20);
  std::uint64_t left = length;
  std::uint64_t pos = offset;
  while (left > 0) {
    std::size_t want = buf.size();
    if (left != kLengthToEof && left < want) want = static_cast<std::size_t>(left);
    platform::Result<std::size_t> n = platform::read_at(f.value(), buf.data(), want, pos);
    if (!n) throw std::system_error(n.error().error_code(), platform::utf8_of(file));
    if (n.value() == 0) {
      if (left == kLengthToEof) break;
      throw std::runtime_error(platform::utf8_of(file) + ": file is shorter than expected");
    }
    sink(buf.data(), n.value());
    pos += n.value();
    if (left != kLengthToEof) left -= n.value();
  }
}

}  // namespace

std::string hash_file(const std::filesystem::path& file, HashAlgorithm algorithm, std::uint64_t offset,
                      std::uint64_t length) {
  Hasher h(algorithm);
  read_chunks(file, offset, length, [&](const char* p, std::size_t n) { h.update(p, n); });
  return h.finish_hex();
}

void read_file_prefix(const std::filesystem::path& file, std::uint64_t length,
                      const std::function<void(const char*, std::size_t)>& sink) {
  if (length == 0) return;
  read_chunks(file, 0, length, sink);
}

}  // namespace assetfetch
