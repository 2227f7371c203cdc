// Classic fcntl locks made per handle (classic_locks.h). Built only where
// the OS has no OFD locks, or with ASSETFETCH_PORTABLE_POSIX.
#include "platform/posix/classic_locks.h"

#include "platform/posix/features.h"

#ifndef AF_HAVE_OFD_LOCKS

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace assetfetch::platform::posix {

namespace {

using FileKey = std::pair<std::uint64_t, std::uint64_t>;  // device, inode

struct HeldRange {
  int fd;
  std::uint64_t begin, end;  // [begin, end)
};

struct LockedFile {
  std::vector<HeldRange> held;
  std::vector<int> parked;  // closed once `held` is empty
};

struct LockTable {
  std::mutex mutex;
  std::condition_variable closed;
  std::map<FileKey, LockedFile> files;
  // Files a close() is under way for, outside the mutex: a lock taken on one
  // meanwhile could be dropped by that close, so try_lock waits for it.
  std::map<FileKey, int> closing;
  LockTable* before_fork = nullptr;  // the parent's, abandoned in a child (kept reachable)
};

// Never destroyed (descriptors may close during static destruction). A
// fork()ed child starts with a fresh table: it holds no classic locks, and
// no other thread of it waits on the old mutex.
LockTable* g_table = nullptr;

void before_fork() { g_table->mutex.lock(); }
void after_fork_in_parent() { g_table->mutex.unlock(); }
void after_fork_in_child() {
  for (auto& entry : g_table->files)
    for (int fd : entry.second.parked) ::close(fd);
  auto* fresh = new LockTable;  // the old one, its mutex held by before_fork, is abandoned
  fresh->before_fork = g_table;
  g_table = fresh;
}

LockTable& table() {
  static const bool ready = [] {
    g_table = new LockTable;
    ::pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
    return true;
  }();
  (void)ready;
  return *g_table;
}

Result<FileKey> key_of(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return last_error("stat", "");
  return FileKey{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

struct flock classic_range(short type, std::uint64_t begin, std::uint64_t end) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = static_cast<off_t>(begin);
  fl.l_len = static_cast<off_t>(end - begin);
  return fl;
}

bool overlaps(const HeldRange& h, std::uint64_t begin, std::uint64_t end) { return h.begin < end && begin < h.end; }

// Unlocks what `fd` holds inside [begin, end), and only that: the kernel's
// lock is the process's, so a wider F_UNLCK would free other descriptors'.
Status release(LockedFile& f, int fd, std::uint64_t begin, std::uint64_t end) {
  Status result;
  std::vector<HeldRange> kept;
  for (const HeldRange& h : f.held) {
    if (h.fd != fd || !overlaps(h, begin, end)) {
      kept.push_back(h);
      continue;
    }
    struct flock fl = classic_range(F_UNLCK, std::max(h.begin, begin), std::min(h.end, end));
    if (::fcntl(fd, F_SETLK, &fl) != 0 && result) result = last_error("unlock", "");
    if (h.begin < begin) kept.push_back({fd, h.begin, begin});
    if (end < h.end) kept.push_back({fd, end, h.end});
  }
  f.held = std::move(kept);
  return result;
}

Status check_range(std::uint64_t offset, std::uint64_t length) {
  if (length == 0 || offset + length < offset || offset + length > static_cast<std::uint64_t>(INT64_MAX))
    return PlatformError{Errc::invalid_argument, 0, "lock", "", "empty or out-of-range byte range"};
  return {};
}

}  // namespace

Result<bool> classic_try_lock(int fd, std::uint64_t offset, std::uint64_t length) {
  if (Status s = check_range(offset, length); !s) return s.error();
  Result<FileKey> key = key_of(fd);
  if (!key) return key.error();
  const std::uint64_t begin = offset, end = offset + length;
  LockTable& t = table();
  std::unique_lock<std::mutex> guard(t.mutex);
  t.closed.wait(guard, [&] { return t.closing.count(key.value()) == 0; });
  if (auto it = t.files.find(key.value()); it != t.files.end())
    for (const HeldRange& h : it->second.held)
      if (h.fd != fd && overlaps(h, begin, end)) return false;  // another handle of ours
  struct flock fl = classic_range(F_WRLCK, begin, end);
  if (::fcntl(fd, F_SETLK, &fl) != 0) {
    if (errno == EAGAIN || errno == EACCES) return false;  // another process
    return last_error("lock", "");
  }
  t.files[key.value()].held.push_back({fd, begin, end});
  return true;
}

Status classic_unlock(int fd, std::uint64_t offset, std::uint64_t length) {
  if (Status s = check_range(offset, length); !s) return s;
  Result<FileKey> key = key_of(fd);
  if (!key) return key.error();
  Status result;
  {
    LockTable& t = table();
    std::lock_guard<std::mutex> guard(t.mutex);
    auto it = t.files.find(key.value());
    if (it == t.files.end()) return {};  // nothing held through this process
    result = release(it->second, fd, offset, offset + length);
    if (it->second.held.empty()) {
      // The last lock on the file: the parked descriptors may close now, and
      // nothing can drop (they are closed before the mutex is released).
      for (int p : it->second.parked) ::close(p);
      t.files.erase(it);
    }
  }
  return result;
}

Result<bool> classic_locked_elsewhere(int fd, std::uint64_t offset, std::uint64_t length) {
  if (Status s = check_range(offset, length); !s) return s.error();
  Result<FileKey> key = key_of(fd);
  if (!key) return key.error();
  const std::uint64_t begin = offset, end = offset + length;
  LockTable& t = table();
  std::lock_guard<std::mutex> guard(t.mutex);
  if (auto it = t.files.find(key.value()); it != t.files.end())
    for (const HeldRange& h : it->second.held)
      if (h.fd != fd && overlaps(h, begin, end)) return true;
  // The kernel reports other processes' locks only (ours never conflict).
  struct flock fl = classic_range(F_WRLCK, begin, end);
  if (::fcntl(fd, F_GETLK, &fl) != 0) return last_error("query the lock on", "");
  return fl.l_type != F_UNLCK;
}

void close_descriptor(int fd) {
  Result<FileKey> key = key_of(fd);
  if (!key) {
    ::close(fd);
    return;
  }
  LockTable& t = table();
  std::vector<int> to_close{fd};
  {
    std::lock_guard<std::mutex> guard(t.mutex);
    if (auto it = t.files.find(key.value()); it != t.files.end()) {
      (void)release(it->second, fd, 0, static_cast<std::uint64_t>(INT64_MAX));  // OFD: a handle's locks go with it
      if (!it->second.held.empty()) {
        it->second.parked.push_back(fd);  // closing it now would drop the others' locks
        return;
      }
      to_close.insert(to_close.end(), it->second.parked.begin(), it->second.parked.end());
      t.files.erase(it);
    }
    ++t.closing[key.value()];
  }
  for (int c : to_close) ::close(c);
  {
    std::lock_guard<std::mutex> guard(t.mutex);
    if (auto it = t.closing.find(key.value()); --it->second == 0) t.closing.erase(it);
  }
  t.closed.notify_all();
}

std::size_t parked_descriptors() {
  LockTable& t = table();
  std::lock_guard<std::mutex> guard(t.mutex);
  std::size_t n = 0;
  for (const auto& entry : t.files) n += entry.second.parked.size();
  return n;
}

}  // namespace assetfetch::platform::posix

#endif  // !AF_HAVE_OFD_LOCKS
