// Advisory whole-file lock (flock) across processes, for one-off files such
// as locks/health.lock (object downloads use ObjectLocks, object_lock.h).
// The kernel drops the lock when its holder dies, so a killed process never
// leaves a stale lock behind.
#pragma once

#include <filesystem>

namespace assetfetch {

class FileLock {
 public:
  FileLock() = default;
  ~FileLock();
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // Non-blocking. Returns false when another holder has it; throws on I/O error.
  bool try_lock(const std::filesystem::path& lock_file);
  void unlock();
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace assetfetch
