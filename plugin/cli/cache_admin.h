// Inspecting and maintaining the local cache for `assetfetch cache`: listing
// objects and partial downloads, re-hashing every object, and pruning the
// least recently used objects (a stamp's mtime is the last use: Cache::touch)
// plus temporaries left by dead processes. Layout: see plugin/src/cache/cache.h.
#pragma once

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "assetfetch/types.h"

namespace assetfetch::cli {

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

std::vector<CacheObjectInfo> list_objects(const std::filesystem::path& root);
std::vector<PartialInfo> list_partials(const std::filesystem::path& root);
std::vector<LockInfo> list_locks(const std::filesystem::path& root);
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
};

// Removes, while holding each download's lock so no fetch can start on it:
// - temporaries (*.tmp) whose writer's pid is gone;
// - partial downloads (.part, .json, .filled) nobody is downloading (lock not
//   held) and no job record names, and every unheld .bad and temporary;
// - links and strays in partial/ and objects/ (never followed);
// - lock files nobody holds (earlier builds' per-object ones), never objects.lock.
// Age plays no part: a download holds its lock from start to end, so an
// unheld partial is one nobody is writing. Then, when max_size is set, the
// least recently used objects until the distinct object bytes are <=
// max_size. Names of one inode (sha256 + sha512) go together.
PruneResult prune_cache(const std::filesystem::path& root, std::optional<std::uint64_t> max_size);

// "500", "10K", "1.5G", "2T", "3MiB": bytes or K/M/G/T (powers of 1024).
// Throws InputError naming `what` and the accepted forms.
std::uint64_t parse_size(const std::string& text, const std::string& what);

// "2024-05-01 12:00:00 UTC"
std::string format_time(std::time_t t);

}  // namespace assetfetch::cli
