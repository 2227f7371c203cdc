// Advisory whole-file lock across processes, for one-off files such as
// locks/health.lock (object downloads use ObjectLocks, object_lock.h):
// platform::try_lock_file (flock on POSIX, LockFileEx on Windows). The OS
// drops the lock when its holder dies, so a killed process never leaves a
// stale lock behind.
#pragma once

#include <filesystem>

#include "platform/file.h"

namespace assetfetch {

class FileLock {
 public:
  FileLock() = default;
  ~FileLock();
  FileLock(FileLock&& other) noexcept = default;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // Non-blocking. Returns false when another holder has it; throws on I/O error.
  bool try_lock(const std::filesystem::path& lock_file);
  void unlock();
  bool held() const { return static_cast<bool>(file_); }

 private:
  platform::File file_;
};

}  // namespace assetfetch
