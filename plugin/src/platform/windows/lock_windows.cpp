// Locks on Windows: LockFileEx, per handle. The OS releases them when the
// handle closes or the process ends.
#include <windows.h>

#include "platform/lock.h"
#include "platform/windows/win_util.h"

namespace assetfetch::platform {

namespace {

OVERLAPPED at(std::uint64_t offset) {
  OVERLAPPED ov{};
  ov.Offset = static_cast<DWORD>(offset);
  ov.OffsetHigh = static_cast<DWORD>(offset >> 32);
  return ov;
}

DWORD low(std::uint64_t v) { return static_cast<DWORD>(v); }
DWORD high(std::uint64_t v) { return static_cast<DWORD>(v >> 32); }

// Whole file: every byte a file can have.
constexpr std::uint64_t kWholeFile = ~std::uint64_t{0};

}  // namespace

Result<bool> try_lock_range(const File& f, std::uint64_t offset, std::uint64_t length) {
  OVERLAPPED ov = at(offset);
  if (::LockFileEx(f.get(), LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, low(length), high(length), &ov))
    return true;
  if (::GetLastError() == ERROR_LOCK_VIOLATION || ::GetLastError() == ERROR_IO_PENDING) return false;
  return win::error("lock", "");
}

Status unlock_range(const File& f, std::uint64_t offset, std::uint64_t length) {
  OVERLAPPED ov = at(offset);
  if (!::UnlockFileEx(f.get(), 0, low(length), high(length), &ov)) return win::error("unlock", "");
  return {};
}

Result<bool> range_locked_elsewhere(const File& probe, std::uint64_t offset, std::uint64_t length) {
  Result<bool> taken = try_lock_range(probe, offset, length);
  if (!taken) return taken.error();
  if (!taken.value()) return true;
  if (Status s = unlock_range(probe, offset, length); !s) return s.error();
  return false;
}

Result<bool> try_lock_file(const File& f) { return try_lock_range(f, 0, kWholeFile); }

Status unlock_file(const File& f) { return unlock_range(f, 0, kWholeFile); }

}  // namespace assetfetch::platform
