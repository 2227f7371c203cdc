// Per-handle byte-range locks over classic fcntl locks, for POSIX systems
// without open-file-description locks (macOS, the BSDs, and Linux built with
// ASSETFETCH_PORTABLE_POSIX). Classic locks belong to the process, not the
// handle: two handles of one process never conflict, and closing ANY
// descriptor of a file drops every lock the process holds on it. The engine
// relies on OFD behaviour (several Caches in one process, probes that open
// and close the lock file while downloads hold bytes of it), so:
//
// - an in-process table, keyed by the file's device and inode, records which
//   descriptor holds which range; a range another descriptor of this process
//   holds is refused before the kernel is asked (the kernel answers for
//   other processes);
// - a descriptor is closed through close_descriptor(): it first releases its
//   own ranges, and while other descriptors still hold locks on the same
//   file it is parked instead of closed (closing it would drop their locks),
//   until the last lock on that file goes.
//
// Locks are not inherited by fork()ed children (classic semantics); a child
// starts with an empty table. Descriptors closed behind the layer's back
// (not through File) still drop the process's locks: the layer owns every
// descriptor of a lock file.
#pragma once

#include <cstdint>

#include "platform/error.h"

namespace assetfetch::platform::posix {

Result<bool> classic_try_lock(int fd, std::uint64_t offset, std::uint64_t length);
Status classic_unlock(int fd, std::uint64_t offset, std::uint64_t length);
Result<bool> classic_locked_elsewhere(int fd, std::uint64_t offset, std::uint64_t length);
// close(), or parked while another descriptor of the file holds a lock.
void close_descriptor(int fd);
// Descriptors parked now (for the tests).
std::size_t parked_descriptors();

}  // namespace assetfetch::platform::posix
