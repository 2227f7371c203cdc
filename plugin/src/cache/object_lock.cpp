#include "cache/object_lock.h"

#include <charconv>
#include <mutex>
#include <system_error>
#include <unordered_set>

#include "cache/cache.h"
#include "cache/unique_fd.h"
#include "platform/lock.h"
#include "platform/path.h"

namespace assetfetch {

namespace fs = std::filesystem;

struct ObjectLocks::Table {
  fs::path file;
  std::mutex mutex;
  UniqueFd fd;                              // opened on first try_lock
  std::unordered_set<std::uint64_t> held;  // slots this descriptor holds
};

namespace {

void open_table(ObjectLocks::Table& t) {
  fs::create_directories(t.file.parent_path());
  platform::Result<platform::File> f =
      platform::open_regular(platform::utf8_of(t.file), {.write = true, .create = true});  // never through a link
  if (f) {
    t.fd = std::move(f).value();
    return;
  }
  // A planted link gets the cache's own refusal (UnsafeCache, with the
  // fix). Anything else (read-only cache, a directory at the name) stays
  // a system_error, which still lets a cache hit be served.
  if (f.error().code == platform::Errc::is_link) Cache::check_entry(t.file);
  throw std::system_error(f.error().error_code(), f.error().message());
}

[[noreturn]] void lock_failed(const platform::PlatformError& e, const fs::path& file) {
  throw std::system_error(e.error_code(), "cannot lock " + platform::utf8_of(file));
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
  platform::Result<bool> taken = platform::try_lock_range(table_->fd, slot, 1);
  if (!taken) lock_failed(taken.error(), table_->file);
  if (!taken.value()) return {};
  table_->held.insert(slot);
  return ObjectLock(table_, slot);
}

bool ObjectLocks::held_elsewhere(const Digest* d) const {
  const std::uint64_t offset = d ? slot_of(*d) : 0;
  const std::uint64_t length = d ? 1 : kSlots;
  {
    // Our own locks never conflict with our handle on POSIX; a slot we hold
    // is answered here, since a Windows probe through our handle would meet
    // it (the whole-file probe still does there: docs/windows.md). A
    // separate probe (no table open yet) sees all.
    std::lock_guard<std::mutex> guard(table_->mutex);
    if (d && table_->held.count(offset)) return false;
    if (table_->fd) {
      platform::Result<bool> held = platform::range_locked_elsewhere(table_->fd, offset, length);
      return !held || held.value();
    }
  }
  if (!platform::identity_of_path(platform::utf8_of(table_->file))) return false;  // absent: nobody locks through it
  platform::Result<platform::File> probe = platform::open_regular(platform::utf8_of(table_->file));
  if (!probe) return true;  // cannot tell: callers then leave things alone
  platform::Result<bool> held = platform::range_locked_elsewhere(probe.value(), offset, length);
  return !held || held.value();
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
    (void)platform::unlock_range(table_->fd, slot_, 1);  // cannot fail for a lock we hold
    table_->held.erase(slot_);
  }
  table_.reset();
}

}  // namespace assetfetch
