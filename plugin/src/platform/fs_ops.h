// Name-level operations: atomic replace, clone/copy/link for installs,
// removal, folders, free space. Every path is UTF-8.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "platform/error.h"
#include "platform/file.h"

namespace assetfetch::platform {

struct ReplaceOptions {
  // Windows: how long a rename that meets a sharing violation or an access
  // denial (virus scanners and indexers open new files for a moment) is
  // retried before it fails. POSIX rename never meets one.
  std::chrono::milliseconds retry_for{2000};
};
// Renames `from` over `to` atomically: a link at `to` is replaced, never
// written through. POSIX rename(); Windows SetFileInformationByHandle with
// FileRenameInfoEx and POSIX semantics where the OS has it, else
// MoveFileExW(MOVEFILE_REPLACE_EXISTING). A read-only `to` is replaced as
// POSIX rename() replaces it (Windows refuses until the read-only attribute is
// ignored or cleared). On failure `from` is still there and `to` is unchanged.
Status replace_file(std::string_view from, std::string_view to, ReplaceOptions options = {});

// Makes `out` share `in`'s blocks (FICLONE on XFS/btrfs). Errc::unsupported
// where the filesystem or the OS cannot (and in the portable POSIX build):
// then copy. (Windows block cloning,
// FSCTL_DUPLICATE_EXTENTS_TO_FILE on ReFS and Dev Drive, is not built yet.)
Status clone_file(const File& in, const File& out);
// Copies `length` bytes: copy_file_range where the OS has it (which may
// share extents), else through a buffer.
Status copy_range(const File& in, std::uint64_t in_offset, const File& out, std::uint64_t out_offset,
                  std::uint64_t length);
// Always through a buffer: a copy that never shares blocks.
Status copy_through_buffer(const File& in, std::uint64_t in_offset, const File& out,
                           std::uint64_t out_offset, std::uint64_t length);
// A second name for `from` (link / CreateHardLinkW); Errc::exists if `to` is taken.
Status hard_link(std::string_view from, std::string_view to);
// Read-only for everyone (chmod 0444 / FILE_ATTRIBUTE_READONLY).
Status make_read_only(std::string_view path);

// Removes a file or a link (never what a link points to). Missing is success.
Status remove_file(std::string_view path);
// Creates the folder and its parents; an existing folder is success.
Status make_directories(std::string_view path);
// Creates "<parent>/<prefix><random>", a new folder only this user can enter
// (mkdtemp, 0700; on Windows the parent's inherited ACL). Returns its path.
Result<std::string> make_private_directory(std::string_view parent, std::string_view prefix);
// Whether this user may create files in the folder `path` (access W_OK).
// Windows: true for any existing folder (ACLs are checked when the file is
// created; the read-only attribute does not apply to folders).
bool can_write_directory(std::string_view path);
// Bytes this user may still write on the filesystem holding `path`.
Result<std::uint64_t> free_space(std::string_view path);
struct DiskSpace {
  std::uint64_t available = 0;  // what this user may still write
  std::uint64_t total = 0;      // the filesystem's (or the user's quota's) size
};
// Both at once (statvfs / GetDiskFreeSpaceExW).
Result<DiskSpace> disk_space(std::string_view path);

}  // namespace assetfetch::platform
