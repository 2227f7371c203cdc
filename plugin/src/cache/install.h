// Putting bytes where they belong: clone (reflink) where the filesystem can,
// else an in-kernel copy; never a plain hardlink unless asked, so a later edit
// of a destination cannot corrupt the cache.
#pragma once

#include <cstdint>
#include <filesystem>

#include "cache/unique_fd.h"

namespace assetfetch {

// Files smaller than this are copied, not cloned. XFS and btrfs write a
// file's dirty pages back before they share its extents: right after a
// download, cloning a 16 KiB object cost 0.2-0.4 ms (a synchronous disk write)
// against 0.04 ms for a copy, and 256 KiB 0.5 ms against 0.12 ms (XFS on this
// project's VMs); the space a copy takes below 1 MiB is small.
inline constexpr std::uint64_t kCloneMinSize = std::uint64_t{1} << 20;

// Creates `to` anew (replacing whatever is at that name, never following a
// link there) with the contents of `from`, which must be a regular file, not
// a link. Returns true when a reflink was used (never below kCloneMinSize).
// `size` (optional) gets the bytes `to` holds: the caller needs no stat of it.
bool clone_or_copy(const std::filesystem::path& from, const std::filesystem::path& to, std::uint64_t* size = nullptr);

// Copies `length` bytes from `in` at in_offset to `out` at out_offset
// (platform::copy_range: copy_file_range where the OS has it, else a
// buffer). Throws std::system_error.
void copy_fd_range(const UniqueFd& in, std::uint64_t in_offset, const UniqueFd& out, std::uint64_t out_offset,
                   std::uint64_t length);
// The same on raw handles someone else owns, for worker/ until it passes
// UniqueFd (issue 18).
void copy_fd_range(platform::NativeHandle in, std::uint64_t in_offset, platform::NativeHandle out,
                   std::uint64_t out_offset, std::uint64_t length);

// Hardlinks `from` to `to` (replacing it) and makes it read-only.
void hardlink_readonly(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace assetfetch
