#include "cache/install.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>
#include <vector>

#include "cache/unique_fd.h"

namespace assetfetch {
namespace {

[[noreturn]] void fail(const std::filesystem::path& p, const char* what) {
  throw std::system_error(errno, std::generic_category(), std::string(what) + " " + p.string());
}

}  // namespace

void copy_fd_range(int fd_in, std::uint64_t in_offset, int fd_out, std::uint64_t out_offset,
                   std::uint64_t length) {
  auto in = static_cast<loff_t>(in_offset);
  auto out = static_cast<loff_t>(out_offset);
  bool use_cfr = true;
  std::vector<char> buf;
  while (length > 0) {
    std::size_t chunk = length > (1u << 30) ? (1u << 30) : static_cast<std::size_t>(length);
    if (use_cfr) {
      ssize_t n = ::copy_file_range(fd_in, &in, fd_out, &out, chunk, 0);
      if (n > 0) {
        length -= static_cast<std::uint64_t>(n);
        continue;
      }
      if (n == 0) throw std::runtime_error("copy: source is shorter than expected");
      if (errno == EINTR) continue;
      if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
        throw std::system_error(errno, std::generic_category(), "copy_file_range");
      use_cfr = false;  // e.g. across filesystems on older kernels: plain copy
      buf.resize(1 << 20);
    }
    std::size_t want = chunk < buf.size() ? chunk : buf.size();
    ssize_t n = ::pread(fd_in, buf.data(), want, in);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "read");
    if (n == 0) throw std::runtime_error("copy: source is shorter than expected");
    std::size_t done = 0;
    while (done < static_cast<std::size_t>(n)) {
      ssize_t w = ::pwrite(fd_out, buf.data() + done, static_cast<std::size_t>(n) - done, out);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) throw std::system_error(errno, std::generic_category(), "write");
      done += static_cast<std::size_t>(w);
      out += w;
    }
    in += n;
    length -= static_cast<std::uint64_t>(n);
  }
}

bool clone_or_copy(const std::filesystem::path& from, const std::filesystem::path& to) {
  UniqueFd in = open_regular_readonly(from);
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) fail(from, "cannot stat");
  // `to` is always a temporary of ours: whatever is at its name goes, and the
  // new file is never opened through a link.
  UniqueFd out = open_new_temporary(to, true);
  // Once a filesystem pair has refused a clone, do not ask again (one failed
  // ioctl per installed file adds up over thousands of small assets).
  static std::atomic<bool> clone_refused{false};
  if (!clone_refused.load(std::memory_order_relaxed)) {
    if (::ioctl(out.get(), FICLONE, in.get()) == 0) return true;
    if (errno == EOPNOTSUPP || errno == ENOTTY || errno == EINVAL || errno == ENOSYS)
      clone_refused.store(true, std::memory_order_relaxed);
  }
  copy_fd_range(in.get(), 0, out.get(), 0, static_cast<std::uint64_t>(st.st_size));
  return false;
}

void hardlink_readonly(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  std::filesystem::remove(to, ec);
  std::filesystem::create_hard_link(from, to);
  ::chmod(to.c_str(), 0444);
}

}  // namespace assetfetch
