// The local content-addressed cache (DESIGN.md "Content identity and the cache").
//
//   <root>/objects/<algo>/<hex>        exactly the asset's bytes, read-only
//   <root>/stamps/<algo>/<hex>         size, inode and ctime seen when verified (64 KiB and up)
//   <root>/partial/<algo>-<hex>.part   a resumable download (filled prefix)
//   <root>/partial/<algo>-<hex>.json   its validators (remote size, ETag, ...)
//   <root>/partial/<algo>-<hex>.filled the spans of the .part really written
//                                      (FilledJournal; resume trusts only it)
//   <root>/locks/objects.lock          one downloader per object: one byte of
//                                      this file per object (ObjectLocks, OFD
//                                      locks). Earlier builds made a
//                                      <algo>-<hex>.lock per object: ignored
//                                      now, and `cache prune` removes them.
//   <root>/tmp/                        temporaries, renamed into place
//   <root>/jobs/                       persisted job state
//
// No entry of the tree is followed through a symbolic link: check_tree()
// refuses linked directories, lookup() and the partial's readers refuse a
// linked or non-regular entry, with an error that names it and the fix.
//
// An object is trusted while its stamp matches (any write to the file changes
// its ctime); otherwise it is re-hashed on use, and removed if corrupt.
// Objects under kUnstampedBelow get no stamp, so they are re-hashed on every
// use (cheaper than creating a stamp file per object in a sync of thousands);
// their own mtime records the last use.
// Thread safety: methods are safe from several threads and processes; writes
// go through a temporary and a rename.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "assetfetch/types.h"
#include "cache/object_lock.h"

namespace assetfetch {

// A cache tree assetfetch refuses to use: a linked or mistyped entry.
class UnsafeCache : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PartialMeta {
  std::uint64_t remote_size = 0;
  bool remote_size_known = false;
  std::string etag;
  std::string last_modified;
};

class Cache {
 public:
  explicit Cache(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path object_path(const Digest& d) const;
  std::filesystem::path partial_path(const Digest& d) const;
  std::filesystem::path journal_path(const Digest& d) const;  // FilledJournal
  std::filesystem::path stamp_path(const Digest& d) const;
  std::filesystem::path lock_file() const;  // the shared objects.lock
  std::filesystem::path tmp_dir() const;
  std::filesystem::path jobs_dir() const;
  // The folders of the layout above, for the maintenance code (cache_admin.h).
  std::filesystem::path objects_dir(HashAlgorithm a) const;
  std::filesystem::path stamps_dir(HashAlgorithm a) const;
  std::filesystem::path partial_dir() const;
  std::filesystem::path locks_dir() const;

  // Throws UnsafeCache naming the first of objects/, partial/, locks/,
  // tmp/, stamps/, jobs/, installed/ (and the per-algorithm folders) that is a symbolic
  // link or not a directory, and the fix. Checks once per Cache: later calls
  // return at once after a check that passed.
  void check_tree() const;
  // The same for one file entry (an object, a partial, its record, the lock file).
  static void check_entry(const std::filesystem::path& entry);

  // The download lock of `d` (see ObjectLocks): held, or unheld when another
  // thread or process is fetching it. Throws UnsafeCache for a linked lock
  // file, std::system_error when it cannot be created (a read-only cache).
  ObjectLock try_lock_object(const Digest& d) { return locks_.try_lock(d); }
  const ObjectLocks& object_locks() const { return locks_; }

  enum class Lookup { hit, miss, healed };  // healed: a corrupt object was removed
  // Present and intact? Re-hashes only when the stamp does not match; a
  // stamp that cannot be written (read-only cache) does not fail a hit.
  Lookup lookup(const Digest& d);

  // Moves an already verified file into the store (rename; the file must be
  // on the cache's filesystem) and stamps it. `also` indexes the same bytes
  // under a second digest (a hardlink, both read-only).
  void adopt(const std::filesystem::path& verified, const Digest& d,
             const std::optional<Digest>& also = std::nullopt);
  // Copies a verified file into the store.
  void store_copy(const std::filesystem::path& verified, const Digest& d);
  // Marks an object as used now (for least-recently-used pruning).
  void touch(const Digest& d);
  // Runs `link`, which gives the object another name (a hardlinked install,
  // the second digest's name): that changes the object's ctime, and so its
  // stamp, but not its bytes. The stamp follows the change when it matched
  // just before and the object's size, inode and mtime are the same after (a
  // write in between would have moved mtime), so the next hit is not a full
  // re-hash; otherwise the next use re-hashes, as for any changed object.
  void linking(const Digest& d, const std::function<void()>& link) const;

  // `absent` (optional) is set when no record is there at all (not merely
  // unreadable or torn).
  std::optional<PartialMeta> read_partial_meta(const Digest& d, bool* absent = nullptr) const;
  void write_partial_meta(const Digest& d, const PartialMeta& meta) const;
  // Removes the partial, its validators, its journal and a kept .bad copy.
  void remove_partial(const Digest& d) const;
  void remove_partial_meta(const Digest& d) const;

  static std::filesystem::path default_root();  // env and XDG rules

  // Smaller objects carry no stamp (see above).
  static constexpr std::uint64_t kUnstampedBelow = 64u << 10;

 private:
  void write_stamp(const Digest& d) const;
  bool stamp_matches(const Digest& d) const;
  std::string recorded_stamp(const Digest& d) const;

  std::filesystem::path root_;
  mutable std::atomic<bool> tree_checked_{false};
  ObjectLocks locks_;  // opens the lock file once per Cache, on first use
};

}  // namespace assetfetch
