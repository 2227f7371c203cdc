// Locks on POSIX: OFD byte-range locks (Linux, FreeBSD 14), classic fcntl
// locks elsewhere (per process, not per handle: two handles of one process
// do not conflict there), flock for whole files.
#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "platform/lock.h"

namespace assetfetch::platform {

namespace {

#ifdef F_OFD_SETLK
constexpr int kSetLock = F_OFD_SETLK;
constexpr int kGetLock = F_OFD_GETLK;
#else
constexpr int kSetLock = F_SETLK;
constexpr int kGetLock = F_GETLK;
#endif

struct flock range(short type, std::uint64_t offset, std::uint64_t length) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = static_cast<off_t>(offset);
  fl.l_len = static_cast<off_t>(length);
  return fl;
}

}  // namespace

Result<bool> try_lock_range(const File& f, std::uint64_t offset, std::uint64_t length) {
  struct flock fl = range(F_WRLCK, offset, length);
  if (::fcntl(f.get(), kSetLock, &fl) == 0) return true;
  if (errno == EAGAIN || errno == EACCES) return false;
  return last_error("lock", "");
}

Status unlock_range(const File& f, std::uint64_t offset, std::uint64_t length) {
  struct flock fl = range(F_UNLCK, offset, length);
  if (::fcntl(f.get(), kSetLock, &fl) != 0) return last_error("unlock", "");
  return {};
}

Result<bool> range_locked_elsewhere(const File& probe, std::uint64_t offset, std::uint64_t length) {
  struct flock fl = range(F_WRLCK, offset, length);
  if (::fcntl(probe.get(), kGetLock, &fl) != 0) return last_error("query the lock on", "");
  return fl.l_type != F_UNLCK;
}

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
