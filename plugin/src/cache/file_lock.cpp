#include "cache/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>
#include <system_error>

#include "cache/unique_fd.h"

namespace assetfetch {

FileLock::~FileLock() { unlock(); }

FileLock::FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    unlock();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

bool FileLock::try_lock(const std::filesystem::path& lock_file) {
  unlock();
  std::filesystem::create_directories(lock_file.parent_path());
  // `cache prune` removes lock files nobody holds (while holding them): a lock
  // taken on a file that is no longer at its name guards nothing, so try again
  // on the file that is there now. Bounded: each pass lost a race to prune.
  for (int pass = 0; pass < 16; ++pass) {
    UniqueFd fd = open_or_create_regular(lock_file, O_RDWR | O_CREAT);
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) return false;
      throw std::system_error(errno, std::generic_category(), lock_file.string());
    }
    struct stat held {}, named {};
    if (::fstat(fd.get(), &held) == 0 && ::lstat(lock_file.c_str(), &named) == 0 && held.st_ino == named.st_ino &&
        held.st_dev == named.st_dev) {
      fd_ = fd.release();
      return true;
    }
  }
  throw std::runtime_error("cannot hold the lock " + lock_file.string() + ": it keeps being removed");
}

void FileLock::unlock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace assetfetch
