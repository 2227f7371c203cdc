// Inspecting and maintaining the local cache: listing objects, partial
// downloads, locks and temporaries, re-hashing every object, and pruning the
// least recently used objects (a stamp's mtime is the last use: Cache::touch)
// plus temporaries left by dead processes. Layout: cache.h (every path comes
// from Cache). What needs job records (resumable partials, a destination's
// temporaries) is added on top by core/maintenance.h.
#pragma once

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "assetfetch/types.h"

namespace assetfetch {

struct CacheObjectInfo {
  Digest digest;
  std::filesystem::path file;
  std::uint64_t size = 0;
  std::time_t last_use = 0;  // stamp mtime, else the object's mtime
  std::uint64_t dev = 0, ino = 0;
};

// Everything in partial/ that belongs to one download: the bytes, their
// validators, the filled-ranges journal, a copy set aside after a mismatch;
// plus our temporaries there and anything else (links, strays).
enum class PartialKind { part, record, journal, bad, temporary, stray };
const char* partial_kind_name(PartialKind k);  // "part", "record", "journal", "bad", "temporary", "stray"

struct PartialInfo {
  std::filesystem::path file;  // e.g. <root>/partial/<algo>-<hex>.part
  PartialKind kind = PartialKind::part;
  std::optional<Digest> digest;
  std::uint64_t size = 0;
  std::time_t modified = 0;
  bool is_link = false;  // never followed; `prune` removes it
  bool in_use = false;   // its object's byte of locks/objects.lock is held by a running process
};

struct LockInfo {
  std::filesystem::path file;  // <root>/locks/objects.lock, health.lock, or an earlier build's <algo>-<hex>.lock
  bool held = false;           // by a running process (objects.lock: any object's byte)
};

// A file some process writes to rename later: "<stem>.<pid>.<random>..."
// (unique_fd.h create_temporary_in, the destination's ".part"), an older
// "<stem>.<pid>[.<n>].tmp", or hash's "hash-<pid>-<n>" work file. Its owner
// is the pid in the name.
struct TemporaryInfo {
  std::filesystem::path file;
  std::uint64_t size = 0;
  std::time_t modified = 0;
  long owner_pid = 0;
  bool owner_alive = false;  // that process still runs: never removed
  std::string job;           // the job whose record names it (destination temporaries); else empty
};

// The owner's pid in a temporary's name (see TemporaryInfo); 0 when the name
// carries none.
long temporary_owner(const std::string& name);
// True when `pid` names a running process (this one included).
bool process_alive(long pid);

std::vector<CacheObjectInfo> list_objects(const std::filesystem::path& root);
std::vector<PartialInfo> list_partials(const std::filesystem::path& root);
std::vector<LockInfo> list_locks(const std::filesystem::path& root);
// Temporaries anywhere in the cache tree (tmp/, objects/, jobs/...) whose
// name carries an owner (temporary_owner), never through a link.
std::vector<TemporaryInfo> list_temporaries(const std::filesystem::path& root);
// Entries of objects/<algo>/ that are links or not regular files (never
// followed; `verify` and `prune` remove them).
std::vector<std::filesystem::path> list_unsafe_objects(const std::filesystem::path& root);

// Re-hashes every object; removes corrupt ones (and their stamps) and links
// or other non-regular entries under objects/. Returns their paths.
std::vector<std::filesystem::path> verify_objects(const std::filesystem::path& root);

struct PruneResult {
  std::uint64_t total_before = 0, total_after = 0;  // distinct object bytes
  std::vector<std::filesystem::path> removed_objects;
  std::vector<std::filesystem::path> removed_temporaries;  // partials, records, journals, .bad, *.tmp, links
  std::vector<std::filesystem::path> removed_locks;
  // <cache>/stores/ (writeback/store_marks.h): marks of objects no longer
  // cached, and folders of stores unused and not configured.
  std::size_t removed_store_marks = 0, removed_store_folders = 0;
};

// Removes, while holding each download's lock so no fetch can start on it:
// - temporaries (list_temporaries) whose writer's pid is gone;
// - partial downloads (.part, .json, .filled) nobody is downloading (lock not
//   held) and whose "<algo>-<hex>" key is not in `resumable` (the digests job
//   records name), and every unheld .bad and temporary;
// - links and strays in partial/ and objects/ (never followed);
// - lock files nobody holds (earlier builds' per-object ones), never objects.lock.
// Age plays no part: a download holds its lock from start to end, so an
// unheld partial is one nobody is writing. Then, when max_size is set, the
// least recently used objects until the distinct object bytes are <=
// max_size. Names of one inode (sha256 + sha512) go together.
PruneResult prune_cache(const std::filesystem::path& root, std::optional<std::uint64_t> max_size,
                        const std::set<std::string>& resumable);

}  // namespace assetfetch
