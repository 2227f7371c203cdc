#include "cache/file_lock.h"

#include <stdexcept>
#include <system_error>

#include "cache/unique_fd.h"
#include "platform/lock.h"
#include "platform/path.h"

namespace assetfetch {

FileLock::~FileLock() { unlock(); }

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    unlock();
    file_ = std::move(other.file_);
  }
  return *this;
}

bool FileLock::try_lock(const std::filesystem::path& lock_file) {
  unlock();
  std::filesystem::create_directories(lock_file.parent_path());
  const std::string name = platform::utf8_of(lock_file);
  // `cache prune` removes lock files nobody holds (while holding them): a lock
  // taken on a file that is no longer at its name guards nothing, so try again
  // on the file that is there now. Bounded: each pass lost a race to prune.
  for (int pass = 0; pass < 16; ++pass) {
    platform::File f = open_or_create_regular(lock_file);
    platform::Result<bool> taken = platform::try_lock_file(f);
    if (!taken) throw std::system_error(taken.error().error_code(), platform::utf8_of(lock_file));
    if (!taken.value()) return false;
    platform::Result<platform::FileIdentity> held = platform::identity(f);
    platform::Result<platform::FileIdentity> named = platform::identity_of_path(name);
    if (held && named && held->same_file(named.value())) {
      file_ = std::move(f);
      return true;
    }
  }
  throw std::runtime_error("cannot hold the lock " + platform::utf8_of(lock_file) + ": it keeps being removed");
}

void FileLock::unlock() {
  if (file_) {
    (void)platform::unlock_file(file_);
    file_.reset();
  }
}

}  // namespace assetfetch
