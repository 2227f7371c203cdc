// Putting bytes where they belong: clone (reflink) where the filesystem can,
// else an in-kernel copy; never a plain hardlink unless asked, so a later edit
// of a destination cannot corrupt the cache.
#pragma once

#include <cstdint>
#include <filesystem>

namespace assetfetch {

// Creates `to` anew (replacing whatever is at that name, never following a
// link there) with the contents of `from`, which must be a regular file, not
// a link. Returns true when a reflink was used.
bool clone_or_copy(const std::filesystem::path& from, const std::filesystem::path& to);

// Copies `length` bytes from fd_in at in_offset to fd_out at out_offset.
void copy_fd_range(int fd_in, std::uint64_t in_offset, int fd_out, std::uint64_t out_offset,
                   std::uint64_t length);

// Hardlinks `from` to `to` (replacing it) and makes it read-only.
void hardlink_readonly(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace assetfetch
