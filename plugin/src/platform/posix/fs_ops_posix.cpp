// Name-level operations on POSIX.
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "platform/posix/features.h"
#ifdef AF_HAVE_FICLONE
#include <sys/ioctl.h>
#endif

#include <cerrno>
#include <cstdio>

#include "platform/fs_ops.h"

namespace assetfetch::platform {

Status replace_file(std::string_view from, std::string_view to, ReplaceOptions) {
  const std::string f(from), t(to);
  if (::rename(f.c_str(), t.c_str()) != 0) return last_error("rename " + f + " to", t);
  return {};
}

Status clone_file(const File& in, const File& out) {
#ifdef AF_HAVE_FICLONE
  if (::ioctl(out.get(), FICLONE, in.get()) == 0) return {};
  return last_error("clone", "");  // EOPNOTSUPP, EXDEV, EINVAL: Errc::unsupported or invalid_argument
#else
  (void)in;
  (void)out;
  return PlatformError{Errc::unsupported, 0, "clone", "", "no block cloning in this build"};
#endif
}

Status copy_range(const File& in, std::uint64_t in_offset, const File& out, std::uint64_t out_offset,
                  std::uint64_t length) {
#ifdef AF_HAVE_COPY_FILE_RANGE
  auto i = static_cast<loff_t>(in_offset);
  auto o = static_cast<loff_t>(out_offset);
  while (length > 0) {
    const std::size_t chunk = length > (1u << 30) ? (1u << 30) : static_cast<std::size_t>(length);
    const ssize_t n = ::copy_file_range(in.get(), &i, out.get(), &o, chunk, 0);
    if (n > 0) {
      length -= static_cast<std::uint64_t>(n);
      continue;
    }
    if (n == 0) return PlatformError{Errc::io, 0, "copy", "", "the source is shorter than expected"};
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) return last_error("copy", "");
    break;  // e.g. across filesystems on older kernels: the rest by hand
  }
  in_offset = static_cast<std::uint64_t>(i);
  out_offset = static_cast<std::uint64_t>(o);
#endif
  if (length == 0) return {};
  return copy_through_buffer(in, in_offset, out, out_offset, length);
}

Status hard_link(std::string_view from, std::string_view to) {
  const std::string f(from), t(to);
  if (::link(f.c_str(), t.c_str()) != 0) return last_error("link " + f + " as", t);
  return {};
}

Status make_read_only(std::string_view path) {
  const std::string p(path);
  if (::chmod(p.c_str(), 0444) != 0) return last_error("make read-only", p);
  return {};
}

Status remove_file(std::string_view path) {
  const std::string p(path);
  if (::unlink(p.c_str()) != 0 && errno != ENOENT) return last_error("remove", p);
  return {};
}

Status make_directories(std::string_view path) {
  std::string p(path);
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p.empty()) return {};
  if (::mkdir(p.c_str(), 0755) == 0) return {};
  if (errno == EEXIST) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return {};
    return PlatformError{Errc::exists, EEXIST, "create the folder", p, "a file has that name"};
  }
  if (errno != ENOENT) return last_error("create the folder", p);
  const auto slash = p.rfind('/');
  if (slash == std::string::npos || slash == 0) return last_error("create the folder", p);
  if (Status s = make_directories(std::string_view(p).substr(0, slash)); !s) return s;
  if (::mkdir(p.c_str(), 0755) != 0 && errno != EEXIST) return last_error("create the folder", p);
  return {};
}

Result<std::string> make_private_directory(std::string_view parent, std::string_view prefix) {
  std::string name = std::string(parent) + "/" + std::string(prefix) + "XXXXXX";
  if (::mkdtemp(name.data()) == nullptr) return last_error("create a folder in", std::string(parent));
  return name;
}

bool can_write_directory(std::string_view path) {
  const std::string p(path);
  return ::access(p.c_str(), W_OK) == 0;
}

Result<DiskSpace> disk_space(std::string_view path) {
  const std::string p(path);
  struct statvfs st {};
  if (::statvfs(p.c_str(), &st) != 0) return last_error("read the free space of", p);
  const std::uint64_t unit = st.f_frsize ? st.f_frsize : st.f_bsize;
  return DiskSpace{static_cast<std::uint64_t>(st.f_bavail) * unit, static_cast<std::uint64_t>(st.f_blocks) * unit};
}

Result<std::uint64_t> free_space(std::string_view path) {
  Result<DiskSpace> s = disk_space(path);
  if (!s) return s.error();
  return s.value().available;
}

}  // namespace assetfetch::platform
