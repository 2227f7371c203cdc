#include "cache/cache_admin.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "base/digest.h"
#include "cache/cache.h"
#include "cache/file_lock.h"
#include "cache/object_lock.h"
#include "verify/hasher.h"

#include "platform/directory.h"
#include "platform/file.h"
#include "platform/fs_ops.h"
#include "platform/path.h"
#include "platform/process.h"

namespace assetfetch {

namespace fs = std::filesystem;

namespace {

constexpr HashAlgorithm kAlgorithms[] = {HashAlgorithm::sha256, HashAlgorithm::sha512};

// Objects are read-only, which Windows' std::filesystem::remove refuses;
// platform::remove_file deletes them there too. A failure leaves the object
// for the next verify or prune.
void remove_object_file(const fs::path& p) { (void)platform::remove_file(platform::utf8_of(p)); }

// What is at `p`: the file a link leads to (follow), else the link itself.
std::optional<platform::FileIdentity> stat_of(const fs::path& p, bool follow) {
  platform::Result<platform::FileIdentity> id = platform::identity_of_path(platform::utf8_of(p), follow);
  if (!id) return std::nullopt;
  return id.value();
}

std::optional<platform::FileIdentity> regular_at(const fs::path& p) {
  auto id = stat_of(p, false);
  if (!id || id->kind != platform::FileKind::regular) return std::nullopt;
  return id;
}

// The paths in `dir`; none when it cannot be listed (a missing part of the
// cache holds nothing). platform::list_directory, not std::filesystem:
// mingw-w64's iterator lists the wrong folder past 260 characters.
std::vector<fs::path> paths_in(const fs::path& dir) {
  std::vector<fs::path> out;
  const auto entries = platform::list_directory(platform::utf8_of(dir));
  if (!entries) return out;
  for (const auto& e : entries.value()) out.push_back(dir / platform::path_from_utf8(e.name));
  return out;
}

std::time_t seconds(std::int64_t ns) { return static_cast<std::time_t>(ns / 1000000000); }

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

PartialKind classify_partial(const std::string& name) {
  // ".tmp": ours (unique_fd.h); "<key>.filled.<random>": a journal being rewritten.
  if (ends_with(name, ".tmp") || name.find(".filled.") != std::string::npos) return PartialKind::temporary;
  if (ends_with(name, ".part.bad")) return PartialKind::bad;
  if (ends_with(name, ".filled")) return PartialKind::journal;
  if (ends_with(name, ".part")) return PartialKind::part;
  if (ends_with(name, ".json")) return PartialKind::record;
  return PartialKind::stray;
}

// "<algo>-<hex>" from a name in partial/ or locks/.
std::string key_of(const std::string& name) { return name.substr(0, name.find('.')); }

std::optional<Digest> digest_of_key(const std::string& key) {
  auto dash = key.find('-');
  if (dash == std::string::npos) return std::nullopt;
  auto algo = parse_algorithm(key.substr(0, dash));
  std::string hex = key.substr(dash + 1);
  if (algo && hex.size() == digest_hex_length(*algo) && is_hex(hex)) return Digest{*algo, hex};
  return std::nullopt;
}

// Whether a running process holds the whole-file lock `lock` (health.lock,
// and the per-object lock files of earlier builds), without creating it.
bool file_lock_held(const fs::path& lock) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(lock, ec))) return false;
  FileLock l;
  try {
    return !l.try_lock(lock);
  } catch (const std::exception&) {
    return true;  // cannot tell: leave it alone
  }
}

}  // namespace

long temporary_owner(const std::string& name) {
  std::vector<std::string> parts;  // the name split on dots
  std::size_t start = 0;
  for (std::size_t dot; (dot = name.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(name.substr(start, dot - start));
  parts.push_back(name.substr(start));
  // "<stem>.<pid>.<16 hex>[...]": create_temporary_in and the destination's .part.
  for (std::size_t i = parts.size(); i-- > 1;)
    if (parts[i].size() == 16 && is_hex(parts[i]) && all_digits(parts[i - 1])) return std::stol(parts[i - 1]);
  // hash's work file "hash-<pid>-<n>" (and what its job writes beside it).
  if (name.rfind("hash-", 0) == 0) {
    const std::size_t dash = name.find('-', 5);
    const std::string pid = name.substr(5, dash == std::string::npos ? std::string::npos : dash - 5);
    if (dash != std::string::npos && all_digits(pid) && pid.size() < 10) return std::stol(pid);
  }
  // Older builds: "<stem>.<pid>.<n>.tmp", "<stem>.<pid>.tmp", "<stem>.<pid>.link.tmp".
  if (!ends_with(name, ".tmp")) return 0;
  parts.pop_back();
  if (parts.size() >= 3 && all_digits(parts[parts.size() - 2]) && all_digits(parts[parts.size() - 1]))
    return std::stol(parts[parts.size() - 2]);
  if (parts.size() >= 2 && all_digits(parts.back())) return std::stol(parts.back());
  if (parts.size() >= 3 && parts.back() == "link" && all_digits(parts[parts.size() - 2]))
    return std::stol(parts[parts.size() - 2]);
  return 0;
}

bool process_alive(long pid) {
  if (pid <= 0) return false;
  return platform::pid_alive(static_cast<std::uint64_t>(pid));
}

const char* partial_kind_name(PartialKind k) {
  switch (k) {
    case PartialKind::part: return "part";
    case PartialKind::record: return "record";
    case PartialKind::journal: return "journal";
    case PartialKind::bad: return "bad";
    case PartialKind::temporary: return "temporary";
    case PartialKind::stray: return "stray";
  }
  return "stray";
}

std::vector<CacheObjectInfo> list_objects(const fs::path& root) {
  std::vector<CacheObjectInfo> out;
  Cache cache(root);
  cache.check_tree();  // never list (or remove) through a linked folder
  for (HashAlgorithm algo : kAlgorithms) {
    for (const fs::path& file : paths_in(cache.objects_dir(algo))) {
      std::string hex = platform::utf8_of(file.filename());
      if (hex.size() != digest_hex_length(algo) || !is_hex(hex)) continue;  // temporaries
      const auto st = regular_at(file);
      if (!st) continue;  // list_unsafe_objects
      CacheObjectInfo o;
      o.digest = Digest{algo, hex};
      o.file = file;
      o.size = st->size;
      o.dev = st->device;
      o.ino = st->file_id;
      o.last_use = seconds(st->mtime_ns);
      if (const auto stamp = stat_of(cache.stamp_path(o.digest), true)) o.last_use = seconds(stamp->mtime_ns);
      out.push_back(std::move(o));
    }
  }
  return out;
}

std::vector<fs::path> list_unsafe_objects(const fs::path& root) {
  std::vector<fs::path> out;
  const Cache cache(root);
  cache.check_tree();
  for (HashAlgorithm algo : kAlgorithms) {
    for (const fs::path& file : paths_in(cache.objects_dir(algo))) {
      std::string hex = platform::utf8_of(file.filename());
      if (hex.size() != digest_hex_length(algo) || !is_hex(hex)) continue;
      const auto st = stat_of(file, false);
      if (st && st->kind != platform::FileKind::regular) out.push_back(file);
    }
  }
  return out;
}

std::vector<PartialInfo> list_partials(const fs::path& root) {
  std::vector<PartialInfo> out;
  Cache cache(root);
  cache.check_tree();
  std::map<std::string, bool> held;  // by key: one probe per download
  for (const fs::path& file : paths_in(cache.partial_dir())) {
    PartialInfo p;
    p.file = file;
    const std::string name = platform::utf8_of(file.filename());
    const auto st = stat_of(file, false);
    if (!st) continue;
    p.is_link = st->kind == platform::FileKind::link;
    p.kind = st->kind != platform::FileKind::regular ? PartialKind::stray : classify_partial(name);
    p.size = st->size;
    p.modified = seconds(st->mtime_ns);
    const std::string key = key_of(name);
    p.digest = digest_of_key(key);
    auto [it, fresh] = held.try_emplace(key, false);
    if (fresh) it->second = p.digest && cache.object_locks().held_elsewhere(&*p.digest);
    p.in_use = it->second;
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const PartialInfo& a, const PartialInfo& b) { return a.file < b.file; });
  return out;
}

std::vector<LockInfo> list_locks(const fs::path& root) {
  std::vector<LockInfo> out;
  const Cache cache(root);
  cache.check_tree();
  const ObjectLocks objects(cache.lock_file());
  for (const fs::path& file : paths_in(cache.locks_dir()))
    out.push_back({file, file == objects.file() ? objects.held_elsewhere(nullptr) : file_lock_held(file)});
  std::sort(out.begin(), out.end(), [](const LockInfo& a, const LockInfo& b) { return a.file < b.file; });
  return out;
}

std::vector<fs::path> verify_objects(const fs::path& root) {
  std::vector<fs::path> corrupt = list_unsafe_objects(root);
  std::error_code ec;
  for (const auto& p : corrupt) remove_object_file(p);  // a link goes, its target stays
  for (const auto& o : list_objects(root)) {
    bool ok = false;
    try {
      ok = hash_file(o.file, o.digest.algorithm) == o.digest.hex;
    } catch (const std::exception&) {
      ok = false;
    }
    if (ok) continue;
    corrupt.push_back(o.file);
    remove_object_file(o.file);
    fs::remove(Cache(root).stamp_path(o.digest), ec);
  }
  return corrupt;
}

namespace {

// Removes what partial/ holds for downloads nobody runs, each under its lock.
void prune_partials(const fs::path& root, const std::set<std::string>& resumable_keys, PruneResult& r) {
  std::map<std::string, std::vector<PartialInfo>> by_key;
  for (auto& p : list_partials(root))
    if (!p.in_use) by_key[key_of(platform::utf8_of(p.file.filename()))].push_back(p);
  Cache cache(root);
  for (const auto& [key, entries] : by_key) {
    ObjectLock lock;  // names that are no digest have no download to wait for
    try {
      if (auto d = digest_of_key(key)) {
        lock = cache.try_lock_object(*d);
        if (!lock.held()) continue;  // a download just started
      }
    } catch (const std::exception&) {
      continue;  // a read-only cache, or an unsafe lock file
    }
    const bool resumable = resumable_keys.count(key) > 0;
    for (const auto& p : entries) {
      bool keep = resumable && !p.is_link &&
                  (p.kind == PartialKind::part || p.kind == PartialKind::record || p.kind == PartialKind::journal);
      std::error_code ec;
      if (!keep && fs::remove(p.file, ec)) r.removed_temporaries.push_back(p.file);
    }
  }
}

// Lock files nobody holds: removed while held, so a fetch that opened the old
// file notices (FileLock checks the name still leads to its file). Never the
// shared objects.lock: a fetch holding bytes of the removed file would no
// longer exclude one that creates a new file at the name.
void prune_locks(const fs::path& root, PruneResult& r) {
  const fs::path shared = Cache(root).lock_file();
  for (const auto& l : list_locks(root)) {
    if (l.held || l.file == shared) continue;
    std::error_code ec;
    const bool regular = regular_at(l.file).has_value();
    FileLock lock;
    try {
      if (regular && !lock.try_lock(l.file)) continue;
    } catch (const std::exception&) {
      continue;
    }
    if (fs::remove(l.file, ec)) r.removed_locks.push_back(l.file);
  }
}

}  // namespace

std::vector<TemporaryInfo> list_temporaries(const fs::path& root) {
  std::vector<TemporaryInfo> out;
  Cache(root).check_tree();  // never list (or remove) through a linked folder
  const auto entries = platform::list_tree(platform::utf8_of(root));  // unreadable folders left out
  if (!entries) return out;
  for (const auto& e : entries.value()) {
    if (e.kind != platform::FileKind::regular) continue;
    const fs::path file = root / platform::path_from_utf8(e.name);
    const auto st = regular_at(file);
    if (!st) continue;
    const long pid = temporary_owner(platform::utf8_of(file.filename()));
    if (pid <= 0) continue;
    TemporaryInfo t;
    t.file = file;
    t.size = st->size;
    t.modified = seconds(st->mtime_ns);
    t.owner_pid = pid;
    t.owner_alive = process_alive(pid);
    out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end(), [](const TemporaryInfo& a, const TemporaryInfo& b) { return a.file < b.file; });
  return out;
}

PruneResult prune_cache(const fs::path& root, std::optional<std::uint64_t> max_size,
                        const std::set<std::string>& resumable) {
  PruneResult r;
  std::error_code ec;
  const Cache cache(root);
  // Temporaries whose writer is gone.
  for (const auto& t : list_temporaries(root))
    if (!t.owner_alive && fs::remove(t.file, ec)) r.removed_temporaries.push_back(t.file);
  prune_partials(root, resumable, r);
  for (const auto& p : list_unsafe_objects(root))
    if (fs::remove(p, ec)) r.removed_temporaries.push_back(p);
  prune_locks(root, r);

  // Objects, grouped by inode (one blob may have a sha256 and a sha512 name).
  struct Group {
    std::vector<CacheObjectInfo> names;
    std::uint64_t size = 0;
    std::time_t last_use = 0;
  };
  std::map<std::pair<std::uint64_t, std::uint64_t>, Group> groups;
  for (auto& o : list_objects(root)) {
    Group& g = groups[{o.dev, o.ino}];
    g.size = o.size;
    g.last_use = std::max(g.last_use, o.last_use);
    g.names.push_back(std::move(o));
  }
  std::vector<Group*> order;
  for (auto& [key, g] : groups) {
    r.total_before += g.size;
    order.push_back(&g);
  }
  std::stable_sort(order.begin(), order.end(), [](const Group* a, const Group* b) { return a->last_use < b->last_use; });
  r.total_after = r.total_before;
  if (!max_size) return r;
  for (Group* g : order) {
    if (r.total_after <= *max_size) break;
    for (const auto& o : g->names) {
      remove_object_file(o.file);
      fs::remove(cache.stamp_path(o.digest), ec);
      r.removed_objects.push_back(o.file);
    }
    r.total_after -= g->size;
  }
  return r;
}

}  // namespace assetfetch
