// One downloader per cache object, across threads and processes, through a
// single shared lock file (<root>/locks/objects.lock) instead of a file per
// object: creating an inode per download was a measurable share of a sync of
// thousands of small files.
//
// Each object locks one byte of that file, at an offset derived from its
// digest, with platform::try_lock_range (an open-file-description lock,
// F_OFD_SETLK, on Linux; LockFileEx on Windows). Those locks conflict
// between open handles, in this process or another, and the OS drops them
// when the handle closes, so a killed fetch never leaves a stale lock. The file is opened once per ObjectLocks; threads
// sharing that descriptor are kept apart by an in-process table. Two objects
// whose digests map to the same byte only wait for each other.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "assetfetch/types.h"

namespace assetfetch {

class ObjectLock;

class ObjectLocks {
 public:
  // Byte offsets used in the lock file: 2^40, far beyond any collision that
  // matters for a handful of concurrent downloads.
  static constexpr std::uint64_t kSlots = std::uint64_t{1} << 40;
  static std::uint64_t slot_of(const Digest& d);

  explicit ObjectLocks(std::filesystem::path lock_file);
  const std::filesystem::path& file() const;

  // Non-blocking: a held ObjectLock, or an unheld one when another thread or
  // process downloads an object of that slot. Opens (creating) the lock file
  // on first use. Throws UnsafeCache when it is a symbolic link,
  // std::system_error naming it when it cannot be opened or locked.
  ObjectLock try_lock(const Digest& d);

  // Whether anyone other than this ObjectLocks holds `d`'s slot, or any slot
  // when `d` is null; without creating the file (false when it is absent).
  bool held_elsewhere(const Digest* d) const;

  struct Table;

 private:
  std::shared_ptr<Table> table_;
};

// RAII: released on destruction, on unlock(), and by the kernel on exit.
class ObjectLock {
 public:
  ObjectLock() = default;
  ~ObjectLock();
  ObjectLock(ObjectLock&& other) noexcept;
  ObjectLock& operator=(ObjectLock&& other) noexcept;
  ObjectLock(const ObjectLock&) = delete;
  ObjectLock& operator=(const ObjectLock&) = delete;

  bool held() const { return table_ != nullptr; }
  void unlock();

 private:
  friend class ObjectLocks;
  ObjectLock(std::shared_ptr<ObjectLocks::Table> table, std::uint64_t slot);
  std::shared_ptr<ObjectLocks::Table> table_;  // keeps the descriptor open while held
  std::uint64_t slot_ = 0;
};

}  // namespace assetfetch
