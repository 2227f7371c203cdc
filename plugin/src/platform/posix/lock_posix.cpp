// Locks on POSIX: OFD byte-range locks where the OS has them (Linux), else
// classic fcntl locks behind an in-process table that makes them per handle
// (classic_locks.h); flock for whole files (per open file description on
// Linux, macOS and the BSDs alike).
#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "platform/lock.h"
#include "platform/posix/classic_locks.h"
#include "platform/posix/features.h"

namespace assetfetch::platform {

#ifdef AF_HAVE_OFD_LOCKS

namespace {

struct flock ofd_range(short type, std::uint64_t offset, std::uint64_t length) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = static_cast<off_t>(offset);
  fl.l_len = static_cast<off_t>(length);
  return fl;
}

}  // namespace

Result<bool> try_lock_range(const File& f, std::uint64_t offset, std::uint64_t length) {
  struct flock fl = ofd_range(F_WRLCK, offset, length);
  if (::fcntl(f.get(), F_OFD_SETLK, &fl) == 0) return true;
  if (errno == EAGAIN || errno == EACCES) return false;
  return last_error("lock", "");
}

Status unlock_range(const File& f, std::uint64_t offset, std::uint64_t length) {
  struct flock fl = ofd_range(F_UNLCK, offset, length);
  if (::fcntl(f.get(), F_OFD_SETLK, &fl) != 0) return last_error("unlock", "");
  return {};
}

Result<bool> range_locked_elsewhere(const File& probe, std::uint64_t offset, std::uint64_t length) {
  struct flock fl = ofd_range(F_WRLCK, offset, length);
  if (::fcntl(probe.get(), F_OFD_GETLK, &fl) != 0) return last_error("query the lock on", "");
  return fl.l_type != F_UNLCK;
}

#else

Result<bool> try_lock_range(const File& f, std::uint64_t offset, std::uint64_t length) {
  return posix::classic_try_lock(f.get(), offset, length);
}

Status unlock_range(const File& f, std::uint64_t offset, std::uint64_t length) {
  return posix::classic_unlock(f.get(), offset, length);
}

Result<bool> range_locked_elsewhere(const File& probe, std::uint64_t offset, std::uint64_t length) {
  return posix::classic_locked_elsewhere(probe.get(), offset, length);
}

#endif

Result<bool> try_lock_file(const File& f) {
  for (;;) {
    if (::flock(f.get(), LOCK_EX | LOCK_NB) == 0) return true;
    if (errno == EWOULDBLOCK) return false;
    if (errno != EINTR) return last_error("lock", "");
  }
}

Status unlock_file(const File& f) {
  if (::flock(f.get(), LOCK_UN) != 0) return last_error("unlock", "");
  return {};
}

}  // namespace assetfetch::platform
