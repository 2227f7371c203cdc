// UniqueFd: an owned file handle (move-only, closed on destruction), and
// the one place where assetfetch creates files it will later rename or trust.
// The system calls live in the platform layer (platform/); this file keeps
// the engine's throwing interface over it.
//
// Every temporary (the destination's .part, cache partials and their
// records, lock files, tmp/ files, job records) is opened here never through
// a link (O_NOFOLLOW, FILE_FLAG_OPEN_REPARSE_POINT), not inherited by
// children, and exclusively when it is new, so a symbolic link planted at its
// name is never followed: the open fails instead, and the caller reports the
// path. Names we choose get an unpredictable suffix.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "platform/file.h"

namespace assetfetch {

// The owned handle is the platform layer's File (platform/file.h): a
// descriptor on POSIX, a HANDLE on Windows. The name stays for its callers.
using UniqueFd = platform::File;

// Creates `path` anew (platform::create_exclusive: O_CREAT | O_EXCL |
// O_NOFOLLOW | O_CLOEXEC, mode 0644; CREATE_NEW on Windows). With `replace`,
// a file or link already at that name is removed first (removal never
// follows a link). Throws std::system_error naming the
// path when it cannot be created.
UniqueFd open_new_temporary(const std::filesystem::path& path, bool replace);

// Opens an existing regular file or creates it (lock files, resumable
// partials), read-write, never through a link, and refuses anything but a
// regular file. Throws std::system_error naming the path and the fix.
UniqueFd open_or_create_regular(const std::filesystem::path& path);

// Opens an existing regular file for reading, never through a link.
UniqueFd open_regular_readonly(const std::filesystem::path& path);

// "<16 hex digits>" from the system's random source: the part of a
// temporary's name nobody can predict.
std::string random_suffix();

struct NewTemporary {
  UniqueFd fd;
  std::filesystem::path path;
};
// Creates "<dir>/<stem>.<pid>.<random><suffix>" with open_new_temporary
// (the pid stays in the name so `cache prune` can tell a dead writer's file).
NewTemporary create_temporary_in(const std::filesystem::path& dir, const std::string& stem,
                                 const std::string& suffix);

// Creates a new directory "<parent>/<prefix><random>" that only this user
// can enter (platform::make_private_directory: mkdtemp, mode 0700, never an
// existing name or link). Throws
// std::system_error naming the path.
std::filesystem::path create_private_directory(const std::filesystem::path& parent, const std::string& prefix);

// Writes `content` to a new temporary beside `target` and renames it over
// `target` (rename replaces a link at `target`, never writes through it).
void write_file_atomic(const std::filesystem::path& target, const std::string& content);

}  // namespace assetfetch
