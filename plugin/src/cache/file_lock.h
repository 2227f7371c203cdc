// Advisory whole-file lock (flock) that serialises one cache object's download
// across processes: one process fetches, the others wait and reuse the result.
// The kernel drops the lock when its holder dies, so a killed fetch never
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
