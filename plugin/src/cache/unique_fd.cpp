#include "cache/unique_fd.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

namespace assetfetch {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void throw_errno(int err, const fs::path& p, const std::string& what) {
  std::string hint;
  if (err == ELOOP || err == EEXIST)
    hint = " (a symbolic link or another file is in the way; assetfetch never follows links "
           "there: remove it and run again)";
  throw std::system_error(err, std::generic_category(), what + " " + p.string() + hint);
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

int UniqueFd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

UniqueFd open_new_temporary(const fs::path& path, bool replace) {
  constexpr int kFlags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::open(path.c_str(), kFlags, 0644);
  // Something at the name (a file, a planted link): with `replace` it goes
  // (unlink never follows a link) and the name is created again. Trying the
  // create first saves an unlink per temporary, whose name is usually new.
  if (fd < 0 && errno == EEXIST && replace) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno(errno, path, "cannot replace");
    fd = ::open(path.c_str(), kFlags, 0644);
  }
  if (fd < 0) throw_errno(errno, path, "cannot create");
  return UniqueFd(fd);
}

UniqueFd open_or_create_regular(const fs::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno(errno, path, "cannot open");
  UniqueFd owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno(errno, path, "cannot stat");
  if (!S_ISREG(st.st_mode))
    throw std::system_error(EINVAL, std::generic_category(),
                            path.string() + " is not a regular file; remove it and run again");
  return owned;
}

UniqueFd open_regular_readonly(const fs::path& path) { return open_or_create_regular(path, O_RDONLY); }

std::string random_suffix() {
  unsigned char bytes[8];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::system_error(errno, std::generic_category(), "getrandom");
    got += static_cast<std::size_t>(n);
  }
  char hex[2 * sizeof bytes + 1];
  for (std::size_t i = 0; i < sizeof bytes; ++i) std::snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
  return std::string(hex, 2 * sizeof bytes);
}

NewTemporary create_temporary_in(const fs::path& dir, const std::string& stem, const std::string& suffix) {
  // A collision with a 64-bit random name means someone planted it: retry a
  // few times, then report.
  for (int attempt = 0;; ++attempt) {
    fs::path p = dir / (stem + "." + std::to_string(::getpid()) + "." + random_suffix() + suffix);
    try {
      return {open_new_temporary(p, false), p};
    } catch (const std::system_error& e) {
      if (e.code().value() != EEXIST || attempt >= 3) throw;
    }
  }
}

void write_file_atomic(const fs::path& target, const std::string& content) {
  fs::create_directories(target.parent_path());
  NewTemporary tmp = create_temporary_in(target.parent_path(), target.filename().string(), ".tmp");
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(tmp.fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::unlink(tmp.path.c_str());
      throw_errno(err, tmp.path, "cannot write");
    }
    done += static_cast<std::size_t>(n);
  }
  tmp.fd.reset();
  std::error_code ec;
  fs::rename(tmp.path, target, ec);
  if (ec) {
    ::unlink(tmp.path.c_str());
    throw std::system_error(ec, "cannot rename " + tmp.path.string() + " to " + target.string());
  }
}

fs::path create_private_directory(const fs::path& parent, const std::string& prefix) {
  std::string name = (parent / (prefix + "XXXXXX")).string();
  if (::mkdtemp(name.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(), "cannot create a directory in " + parent.string());
  return name;
}

}  // namespace assetfetch
