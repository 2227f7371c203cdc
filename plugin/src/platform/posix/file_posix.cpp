// File on POSIX: descriptors opened with O_NOFOLLOW | O_CLOEXEC.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "platform/file.h"
#include "platform/posix/classic_locks.h"
#include "platform/posix/features.h"

namespace assetfetch::platform {

namespace {

std::int64_t ns_of(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + static_cast<std::int64_t>(t.tv_nsec);
}

FileIdentity identity_of_stat(const struct stat& st) {
  FileIdentity id;
  id.kind = S_ISREG(st.st_mode)   ? FileKind::regular
            : S_ISDIR(st.st_mode) ? FileKind::directory
            : S_ISLNK(st.st_mode) ? FileKind::link
                                  : FileKind::other;
  id.device = static_cast<std::uint64_t>(st.st_dev);
  id.file_id = static_cast<std::uint64_t>(st.st_ino);
  id.size = static_cast<std::uint64_t>(st.st_size);
#ifdef __APPLE__
  id.mtime_ns = ns_of(st.st_mtimespec);
  id.ctime_ns = ns_of(st.st_ctimespec);
#else
  id.mtime_ns = ns_of(st.st_mtim);
  id.ctime_ns = ns_of(st.st_ctim);
#endif
  return id;
}

}  // namespace

void File::reset(NativeHandle h) {
#ifdef AF_HAVE_OFD_LOCKS
  if (h_ >= 0) ::close(h_);
#else
  // A close drops every classic lock this process holds on the file.
  if (h_ >= 0) posix::close_descriptor(h_);
#endif
  h_ = h;
}

Result<File> create_exclusive(std::string_view path) {
  const std::string p(path);
  const int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return last_error("create", p);
  return File(fd);
}

Result<File> open_regular(std::string_view path, OpenOptions o) {
  const std::string p(path);
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused
  // below); it changes nothing for a regular file.
  int flags = (o.write ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  if (o.create) flags |= O_CREAT;
  if (!o.follow_links) flags |= O_NOFOLLOW;
  File f(::open(p.c_str(), flags, 0644));
  if (!f) return last_error("open", p);
  struct stat st {};
  if (::fstat(f.get(), &st) != 0) return last_error("stat", p);
  if (S_ISDIR(st.st_mode)) return PlatformError{Errc::is_directory, 0, "open", p, {}};
  if (!S_ISREG(st.st_mode)) return PlatformError{Errc::not_regular, 0, "open", p, {}};
  return f;
}

Result<std::size_t> read_at(const File& f, void* buf, std::size_t len, std::uint64_t offset) {
  for (;;) {
    const ssize_t n = ::pread(f.get(), buf, len, static_cast<off_t>(offset));
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return last_error("read", "");
  }
}

Status write_all_at(const File& f, const void* buf, std::size_t len, std::uint64_t offset) {
  const char* p = static_cast<const char*>(buf);
  while (len > 0) {
    const ssize_t n = ::pwrite(f.get(), p, len, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return last_error("write", "");
    p += n;
    len -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return {};
}

Result<std::size_t> read_some(const File& f, void* buf, std::size_t len) {
  for (;;) {
    const ssize_t n = ::read(f.get(), buf, len);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return last_error("read", "");
  }
}

Status write_all(const File& f, const void* buf, std::size_t len) {
  const char* p = static_cast<const char*>(buf);
  while (len > 0) {
    const ssize_t n = ::write(f.get(), p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return last_error("write", "");
    p += n;
    len -= static_cast<std::size_t>(n);
  }
  return {};
}

Status flush(const File& f) {
  if (::fsync(f.get()) != 0) return last_error("flush", "");
  return {};
}

void advise_sequential(const File& f) {
#if defined(POSIX_FADV_SEQUENTIAL) && !defined(__APPLE__)
  (void)::posix_fadvise(f.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
#else
  (void)f;
#endif
}

Status truncate(const File& f, std::uint64_t size) {
  if (::ftruncate(f.get(), static_cast<off_t>(size)) != 0) return last_error("truncate", "");
  return {};
}

Result<FileIdentity> identity(const File& f) {
  struct stat st {};
  if (::fstat(f.get(), &st) != 0) return last_error("stat", "");
  return identity_of_stat(st);
}

Result<FileIdentity> identity_of_path(std::string_view path, bool follow_links) {
  const std::string p(path);
  struct stat st {};
  if ((follow_links ? ::stat(p.c_str(), &st) : ::lstat(p.c_str(), &st)) != 0) return last_error("stat", p);
  return identity_of_stat(st);
}

}  // namespace assetfetch::platform
