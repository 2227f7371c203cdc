#include "cache/object_lock.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <mutex>
#include <system_error>
#include <unordered_set>

#include "cache/cache.h"
#include "cache/unique_fd.h"

namespace assetfetch {

namespace fs = std::filesystem;

struct ObjectLocks::Table {
  fs::path file;
  std::mutex mutex;
  UniqueFd fd;                              // opened on first try_lock
  std::unordered_set<std::uint64_t> held;  // slots this descriptor holds
};

namespace {

// One byte at `slot`: F_WRLCK/F_UNLCK there, or (len 0) the whole file.
struct flock byte_at(short type, std::uint64_t slot, off_t len = 1) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = static_cast<off_t>(slot);
  fl.l_len = len;
  return fl;
}

void open_table(ObjectLocks::Table& t) {
  fs::create_directories(t.file.parent_path());
  try {
    t.fd = open_or_create_regular(t.file, O_RDWR | O_CREAT);  // O_NOFOLLOW: a link fails with ELOOP
  } catch (const std::system_error& e) {
    // A planted link gets the cache's own refusal (UnsafeCache, with the
    // fix). Anything else (read-only cache, a directory at the name) stays
    // a system_error, which still lets a cache hit be served.
    if (e.code().value() == ELOOP) Cache::check_entry(t.file);
    throw;
  }
}

}  // namespace

std::uint64_t ObjectLocks::slot_of(const Digest& d) {
  std::uint64_t v = 0;
  const std::size_t n = std::min<std::size_t>(16, d.hex.size());
  std::from_chars(d.hex.data(), d.hex.data() + n, v, 16);  // a digest's hex is validated upstream
  return v % kSlots;
}

ObjectLocks::ObjectLocks(fs::path lock_file) : table_(std::make_shared<Table>()) {
  table_->file = std::move(lock_file);
}

const fs::path& ObjectLocks::file() const { return table_->file; }

ObjectLock ObjectLocks::try_lock(const Digest& d) {
  const std::uint64_t slot = slot_of(d);
  std::lock_guard<std::mutex> guard(table_->mutex);
  if (!table_->fd) open_table(*table_);
  if (table_->held.count(slot)) return {};  // another thread of ours has it
  struct flock fl = byte_at(F_WRLCK, slot);
  if (::fcntl(table_->fd.get(), F_OFD_SETLK, &fl) != 0) {
    if (errno == EAGAIN || errno == EACCES) return {};
    throw std::system_error(errno, std::generic_category(), "cannot lock " + table_->file.string());
  }
  table_->held.insert(slot);
  return ObjectLock(table_, slot);
}

bool ObjectLocks::held_elsewhere(const Digest* d) const {
  UniqueFd probe;
  int fd = -1;
  {
    std::lock_guard<std::mutex> guard(table_->mutex);
    fd = table_->fd.get();
  }
  if (fd < 0) {
    struct stat st {};
    if (::lstat(table_->file.c_str(), &st) != 0) return false;  // absent: nobody locks through it
    try {
      probe = open_regular_readonly(table_->file);
    } catch (const std::exception&) {
      return true;  // cannot tell: callers then leave things alone
    }
    fd = probe.get();
  }
  // Our own locks never conflict with our descriptor; a separate probe sees all.
  struct flock fl = d ? byte_at(F_WRLCK, slot_of(*d)) : byte_at(F_WRLCK, 0, 0);
  if (::fcntl(fd, F_OFD_GETLK, &fl) != 0) return true;
  return fl.l_type != F_UNLCK;
}

ObjectLock::ObjectLock(std::shared_ptr<ObjectLocks::Table> table, std::uint64_t slot)
    : table_(std::move(table)), slot_(slot) {}

ObjectLock::~ObjectLock() { unlock(); }

ObjectLock::ObjectLock(ObjectLock&& other) noexcept : table_(std::move(other.table_)), slot_(other.slot_) {}

ObjectLock& ObjectLock::operator=(ObjectLock&& other) noexcept {
  if (this != &other) {
    unlock();
    table_ = std::move(other.table_);
    slot_ = other.slot_;
  }
  return *this;
}

void ObjectLock::unlock() {
  if (!table_) return;
  {
    std::lock_guard<std::mutex> guard(table_->mutex);
    struct flock fl = byte_at(F_UNLCK, slot_);
    ::fcntl(table_->fd.get(), F_OFD_SETLK, &fl);  // cannot fail for a lock we hold
    table_->held.erase(slot_);
  }
  table_.reset();
}

}  // namespace assetfetch
