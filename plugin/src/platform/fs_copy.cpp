// The copy every OS can do: read and write through a buffer.
#include <vector>

#include "platform/fs_ops.h"

namespace assetfetch::platform {

Status copy_through_buffer(const File& in, std::uint64_t in_offset, const File& out, std::uint64_t out_offset,
                           std::uint64_t length) {
  std::vector<char> buf(static_cast<std::size_t>(length < (1u << 20) ? length : (1u << 20)));
  while (length > 0) {
    const std::size_t want = length < buf.size() ? static_cast<std::size_t>(length) : buf.size();
    Result<std::size_t> n = read_at(in, buf.data(), want, in_offset);
    if (!n) return n.error();
    if (n.value() == 0)
      return PlatformError{Errc::io, 0, "copy", "", "the source is shorter than expected"};
    if (Status s = write_all_at(out, buf.data(), n.value(), out_offset); !s) return s;
    in_offset += n.value();
    out_offset += n.value();
    length -= n.value();
  }
  return {};
}

}  // namespace assetfetch::platform
