#include "cache/install.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <set>
#include <utility>
#include <system_error>
#include <vector>

#include "cache/unique_fd.h"

namespace assetfetch {
namespace {

[[noreturn]] void fail(const std::filesystem::path& p, const char* what) {
  throw std::system_error(errno, std::generic_category(), std::string(what) + " " + p.string());
}

// Read and write through a buffer: what copy_file_range falls back to, and
// the one way to copy that never turns into a clone (copy_file_range itself
// shares extents on XFS and btrfs).
void copy_through_buffer(int fd_in, loff_t in, int fd_out, loff_t out, std::uint64_t length) {
  std::vector<char> buf(static_cast<std::size_t>(length < (1u << 20) ? length : (1u << 20)));
  while (length > 0) {
    std::size_t want = length < buf.size() ? static_cast<std::size_t>(length) : buf.size();
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

using DevicePair = std::pair<dev_t, dev_t>;  // (source, destination)

std::mutex refused_mu;
std::set<DevicePair>& refused_pairs() {
  static std::set<DevicePair> pairs;  // a handful at most: one per pair of filesystems seen
  return pairs;
}

bool clone_refused(const DevicePair& pair) {
  std::lock_guard lock(refused_mu);
  return refused_pairs().count(pair) != 0;
}

void remember_clone_refused(const DevicePair& pair) {
  std::lock_guard lock(refused_mu);
  refused_pairs().insert(pair);
}

}  // namespace

void copy_fd_range(int fd_in, std::uint64_t in_offset, int fd_out, std::uint64_t out_offset,
                   std::uint64_t length) {
  auto in = static_cast<loff_t>(in_offset);
  auto out = static_cast<loff_t>(out_offset);
  while (length > 0) {
    std::size_t chunk = length > (1u << 30) ? (1u << 30) : static_cast<std::size_t>(length);
    ssize_t n = ::copy_file_range(fd_in, &in, fd_out, &out, chunk, 0);
    if (n > 0) {
      length -= static_cast<std::uint64_t>(n);
      continue;
    }
    if (n == 0) throw std::runtime_error("copy: source is shorter than expected");
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
      throw std::system_error(errno, std::generic_category(), "copy_file_range");
    break;  // e.g. across filesystems on older kernels: the rest by hand
  }
  if (length > 0) copy_through_buffer(fd_in, in, fd_out, out, length);
}

bool clone_or_copy(const std::filesystem::path& from, const std::filesystem::path& to) {
  UniqueFd in = open_regular_readonly(from);
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) fail(from, "cannot stat");
  // `to` is always a temporary of ours: whatever is at its name goes, and the
  // new file is never opened through a link.
  UniqueFd out = open_new_temporary(to, true);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size < kCloneMinSize) {
    copy_through_buffer(in.get(), 0, out.get(), 0, size);
    return false;
  }
  // Once a pair of filesystems has refused a clone, do not ask it again (one
  // failed ioctl per installed file adds up over thousands of small assets);
  // other pairs still may: a job can install onto ext4 and XFS alike.
  struct stat out_st {};
  if (::fstat(out.get(), &out_st) != 0) fail(to, "cannot stat");
  const DevicePair pair{st.st_dev, out_st.st_dev};
  if (!clone_refused(pair)) {
    if (::ioctl(out.get(), FICLONE, in.get()) == 0) return true;
    if (errno == EOPNOTSUPP || errno == ENOTTY || errno == EINVAL || errno == ENOSYS || errno == EXDEV)
      remember_clone_refused(pair);
  }
  copy_fd_range(in.get(), 0, out.get(), 0, size);
  return false;
}

void hardlink_readonly(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  std::filesystem::remove(to, ec);
  std::filesystem::create_hard_link(from, to);
  ::chmod(to.c_str(), 0444);
}

}  // namespace assetfetch
