#include "cache/install.h"

#include <mutex>
#include <set>
#include <system_error>
#include <utility>

#include "cache/unique_fd.h"
#include "platform/fs_ops.h"
#include "platform/path.h"

namespace assetfetch {
namespace {

[[noreturn]] void fail(const platform::PlatformError& e, const std::filesystem::path& p, const char* what) {
  throw std::system_error(e.error_code(), std::string(what) + " " + platform::utf8_of(p));
}

using DevicePair = std::pair<std::uint64_t, std::uint64_t>;  // (source, destination)

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

void copy_or_throw(platform::Status s) {
  if (!s) throw std::system_error(s.error().error_code(), s.error().message());
}

}  // namespace

void copy_fd_range(const UniqueFd& in, std::uint64_t in_offset, const UniqueFd& out, std::uint64_t out_offset,
                   std::uint64_t length) {
  copy_or_throw(platform::copy_range(in, in_offset, out, out_offset, length));
}

void copy_fd_range(platform::NativeHandle in, std::uint64_t in_offset, platform::NativeHandle out,
                   std::uint64_t out_offset, std::uint64_t length) {
  const platform::BorrowedFile fin(in), fout(out);
  copy_fd_range(fin.file(), in_offset, fout.file(), out_offset, length);
}

bool clone_or_copy(const std::filesystem::path& from, const std::filesystem::path& to, std::uint64_t* size_out) {
  UniqueFd in = open_regular_readonly(from);
  platform::Result<platform::FileIdentity> in_id = platform::identity(in);
  if (!in_id) fail(in_id.error(), from, "cannot stat");
  // `to` is always a temporary of ours: whatever is at its name goes, and the
  // new file is never opened through a link.
  UniqueFd out = open_new_temporary(to, true);
  const std::uint64_t size = in_id.value().size;
  if (size_out) *size_out = size;  // `from` is read-only (an object) or ours alone: what it held is what `to` gets
  if (size < kCloneMinSize) {
    // Read and write: copy_file_range itself clones on XFS and btrfs.
    copy_or_throw(platform::copy_through_buffer(in, 0, out, 0, size));
    return false;
  }
  // Once a pair of filesystems has refused a clone, do not ask it again (one
  // failed ioctl per installed file adds up over thousands of small assets);
  // other pairs still may: a job can install onto ext4 and XFS alike.
  platform::Result<platform::FileIdentity> out_id = platform::identity(out);
  if (!out_id) fail(out_id.error(), to, "cannot stat");
  const DevicePair pair{in_id.value().device, out_id.value().device};
  if (!clone_refused(pair)) {
    platform::Status cloned = platform::clone_file(in, out);
    if (cloned) return true;
    if (cloned.error().code == platform::Errc::unsupported || cloned.error().code == platform::Errc::invalid_argument)
      remember_clone_refused(pair);
  }
  copy_fd_range(in, 0, out, 0, size);
  return false;
}

void hardlink_readonly(const std::filesystem::path& from, const std::filesystem::path& to) {
  const std::string t = platform::utf8_of(to);
  (void)platform::remove_file(t);
  if (platform::Status s = platform::hard_link(platform::utf8_of(from), t); !s)
    throw std::system_error(s.error().error_code(), s.error().message());
  (void)platform::make_read_only(t);
}

}  // namespace assetfetch
