// Locks between processes on an open File. The OS drops them when the
// holder's handle closes or its process dies, so a killed run never leaves
// a stale lock.
//
// POSIX: open-file-description locks (F_OFD_SETLK: per handle, so two
// handles of one process conflict like two processes), or where the OS has
// none (and in the portable build) classic fcntl locks kept per handle by an
// in-process table (posix/classic_locks.h); whole-file locks are flock().
// Windows: LockFileEx, per handle too. Windows locks are mandatory: a locked
// range cannot be read or written through another handle, so lock only
// files whose bytes nobody reads (lock files, lock tables).
#pragma once

#include <cstdint>

#include "platform/error.h"
#include "platform/file.h"

namespace assetfetch::platform {

// Exclusive, never waits: true when taken, false when another handle holds
// an overlapping range. `length` > 0.
Result<bool> try_lock_range(const File& f, std::uint64_t offset, std::uint64_t length);
Status unlock_range(const File& f, std::uint64_t offset, std::uint64_t length);
// Whether another handle holds a lock overlapping the range. On Windows (no
// query call) the probe takes and drops the range, so it may briefly make
// another process's try_lock_range return false.
Result<bool> range_locked_elsewhere(const File& probe, std::uint64_t offset, std::uint64_t length);

// The whole file, for one-off lock files.
Result<bool> try_lock_file(const File& f);
Status unlock_file(const File& f);

}  // namespace assetfetch::platform
