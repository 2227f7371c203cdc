#include "cache/cache.h"
#include "base/env_names.h"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "cache/install.h"
#include "cache/unique_fd.h"
#include "platform/environment.h"
#include "platform/file.h"
#include "platform/fs_ops.h"
#include "platform/path.h"
#include "platform/process.h"
#include "verify/hasher.h"

namespace assetfetch {

namespace fs = std::filesystem;

namespace {

std::string key(const Digest& d) { return std::string(algorithm_name(d.algorithm)) + "-" + d.hex; }

std::optional<platform::FileIdentity> stat_of(const fs::path& p) {
  platform::Result<platform::FileIdentity> id = platform::identity_of_path(platform::utf8_of(p), true);
  if (!id) return std::nullopt;
  return id.value();
}

// What a stamp records: size, file id and ctime (which no one can set back);
// ctime as seconds and nanoseconds, as earlier builds wrote it.
std::string stamp_of(const platform::FileIdentity& id) {
  std::ostringstream s;
  s << id.size << ' ' << id.file_id << ' ' << id.ctime_ns / 1000000000 << ' ' << id.ctime_ns % 1000000000;
  return s.str();
}

std::string stat_stamp(const fs::path& p) {
  const auto id = stat_of(p);
  return id ? stamp_of(*id) : std::string();
}

// A free name for a temporary beside `dir`'s entries (hard links are made
// at a name, not opened, so they cannot go through create_temporary_in).
fs::path temp_name_in(const fs::path& dir, const std::string& stem) {
  return dir / (stem + "." + std::to_string(platform::current_pid()) + "." + random_suffix() + ".tmp");
}

// What is wrong with a cache entry that must be a `want` (directory,
// regular) and never a link; empty when it is fine or absent. `seen`
// (optional) gets what is there, a default FileIdentity when it is absent.
std::string unsafe_entry(const fs::path& p, platform::FileKind want, platform::FileIdentity* seen = nullptr) {
  if (seen) *seen = {};
  platform::Result<platform::FileIdentity> id = platform::identity_of_path(platform::utf8_of(p));
  if (!id) return {};
  if (seen) *seen = id.value();
  if (id.value().kind == platform::FileKind::link) return platform::utf8_of(p) + " is a symbolic link";
  if (id.value().kind != want)
    return platform::utf8_of(p) + (want == platform::FileKind::directory ? " is not a directory" : " is not a regular file");
  return {};
}

[[noreturn]] void refuse_entry(const std::string& what) {
  throw UnsafeCache("unsafe cache: " + what +
                           "; assetfetch never follows links inside its cache. Remove it (the cache "
                           "rebuilds what it needs) or use another --cache-dir");
}

}  // namespace

Cache::Cache(fs::path root) : root_(std::move(root)), locks_(root_ / "locks" / "objects.lock") {}

fs::path Cache::default_root() {
  // UTF-8 on every OS (Windows' getenv gives the ANSI code page).
  if (auto v = platform::environment_value(env::kCacheDir); v && !v->empty()) return platform::path_from_utf8(*v);
  if (auto v = platform::environment_value(env::kXdgCacheHome); v && !v->empty())
    return platform::path_from_utf8(*v) / "assetfetch";
  if (auto v = platform::environment_value(env::kHome); v && !v->empty())
    return platform::path_from_utf8(*v) / ".cache" / "assetfetch";
  return fs::temp_directory_path() / "assetfetch-cache";
}

fs::path Cache::object_path(const Digest& d) const { return objects_dir(d.algorithm) / d.hex; }
fs::path Cache::stamp_path(const Digest& d) const { return stamps_dir(d.algorithm) / d.hex; }
fs::path Cache::partial_path(const Digest& d) const { return partial_dir() / (key(d) + ".part"); }
fs::path Cache::journal_path(const Digest& d) const { return partial_dir() / (key(d) + ".filled"); }
fs::path Cache::lock_file() const { return locks_.file(); }
fs::path Cache::tmp_dir() const { return root_ / "tmp"; }
fs::path Cache::jobs_dir() const { return root_ / "jobs"; }
fs::path Cache::objects_dir(HashAlgorithm a) const { return root_ / "objects" / algorithm_name(a); }
fs::path Cache::stamps_dir(HashAlgorithm a) const { return root_ / "stamps" / algorithm_name(a); }
fs::path Cache::partial_dir() const { return root_ / "partial"; }
fs::path Cache::locks_dir() const { return root_ / "locks"; }

void Cache::write_stamp(const Digest& d) const {
  const std::string stamp = stat_stamp(object_path(d));
  // A small object goes unstamped: creating the stamp file costs more than
  // re-hashing the object on each use (which is what an unstamped object gets).
  if (stamp.empty() || std::stoull(stamp) < kUnstampedBelow) return;
  write_file_atomic(stamp_path(d), stamp);
}

void Cache::check_tree() const {
  // Once per Cache (a job): eleven lstat calls per asset add up over a sync
  // of thousands. Entries are still checked one by one (check_entry).
  if (tree_checked_.load(std::memory_order_acquire)) return;
  for (const char* dir : {"objects", "objects/sha256", "objects/sha512", "partial", "locks", "tmp", "stamps",
                          "stamps/sha256", "stamps/sha512", "jobs", "installed", "stores"})
    if (auto why = unsafe_entry(root_ / dir, platform::FileKind::directory); !why.empty()) refuse_entry(why);
  tree_checked_.store(true, std::memory_order_release);
}

void Cache::check_entry(const fs::path& entry) {
  if (auto why = unsafe_entry(entry, platform::FileKind::regular); !why.empty()) refuse_entry(why);
}

std::string Cache::recorded_stamp(const Digest& d) const {
  std::ifstream in(stamp_path(d));
  std::string recorded;
  std::getline(in, recorded);
  return recorded;
}

bool Cache::stamp_matches(const Digest& d) const {
  const std::string recorded = recorded_stamp(d);
  return !recorded.empty() && recorded == stat_stamp(object_path(d));
}

void Cache::linking(const Digest& d, const std::function<void()>& link) const {
  const fs::path obj = object_path(d);
  // One stat for both the stamp check and the comparison after: a write
  // after it moves mtime, so it can never be carried over.
  const auto before = stat_of(obj);
  const bool stamped = before && recorded_stamp(d) == stamp_of(*before);
  link();
  if (!stamped) return;
  const auto after = stat_of(obj);
  if (!after || after->file_id != before->file_id || after->size != before->size ||
      after->mtime_ns != before->mtime_ns)
    return;  // not only a link: the next use re-hashes
  try {
    write_stamp(d);
  } catch (const std::exception&) {
    // A read-only cache: the next use re-hashes, as before.
  }
}

Cache::Lookup Cache::lookup(const Digest& d) {
  fs::path obj = object_path(d);
  // A link here is refused, never hashed or installed through; the same
  // lstat says whether it is there (one system call for a miss).
  platform::FileIdentity st;
  if (auto why = unsafe_entry(obj, platform::FileKind::regular, &st); !why.empty()) refuse_entry(why);
  if (st.kind != platform::FileKind::regular) return Lookup::miss;
  if (stamp_matches(d)) return Lookup::hit;
  // Unknown or changed since verified: check the bytes themselves.
  bool ok = false;
  try {
    ok = hash_file(obj, d.algorithm) == d.hex;
  } catch (const std::exception&) {
    ok = false;
  }
  if (ok) {
    try {
      write_stamp(d);
    } catch (const std::exception&) {
      // A read-only cache still serves hits; it only re-hashes next time.
    }
    return Lookup::hit;
  }
  // Objects are read-only: platform::remove_file clears the attribute Windows
  // would refuse the removal for.
  (void)platform::remove_file(platform::utf8_of(obj));
  (void)platform::remove_file(platform::utf8_of(stamp_path(d)));
  return Lookup::healed;
}

void Cache::adopt(const fs::path& verified, const Digest& d, const std::optional<Digest>& also) {
  fs::path obj = object_path(d);
  // Only a regular file goes into objects/, never a link planted at its name.
  platform::FileIdentity st;
  if (auto why = unsafe_entry(verified, platform::FileKind::regular, &st); !why.empty()) refuse_entry(why);
  check_tree();
  (void)platform::make_read_only(platform::utf8_of(verified));
  // The folder exists but for the first object of a cache (or after a
  // prune): rename first, create it only when the rename says so (no stat
  // of objects/<algo> per asset).
  // (platform::replace_file: a typed not_found on every OS; mingw-w64's
  // fs::rename reports a missing folder as an I/O error.)
  const std::string from = platform::utf8_of(verified), to = platform::utf8_of(obj);
  platform::Status moved = platform::replace_file(from, to);
  if (!moved && moved.error().code == platform::Errc::not_found) {
    fs::create_directories(obj.parent_path());
    for (const fs::path& dir : {obj.parent_path().parent_path(), obj.parent_path()})
      if (auto why = unsafe_entry(dir, platform::FileKind::directory); !why.empty()) refuse_entry(why);
    moved = platform::replace_file(from, to);
  }
  if (!moved) throw std::system_error(moved.error().error_code(), "cannot move into the cache: " + moved.error().message());
  // A small object gets no stamp (write_stamp): its size is known, no stat.
  if (st.size >= kUnstampedBelow) write_stamp(d);
  if (also) {
    fs::path other = object_path(*also);
    fs::create_directories(other.parent_path());
    std::error_code ec;
    fs::path tmp = temp_name_in(other.parent_path(), also->hex);
    // Both the link and the rename move the inode's ctime: the first name's
    // stamp follows them.
    linking(d, [&] {
      fs::create_hard_link(obj, tmp, ec);
      if (!ec) fs::rename(tmp, other, ec);
    });
    if (!ec) write_stamp(*also);
  }
}

void Cache::store_copy(const fs::path& verified, const Digest& d) {
  fs::create_directories(tmp_dir());
  fs::path tmp = temp_name_in(tmp_dir(), d.hex);
  clone_or_copy(verified, tmp);  // creates it with O_EXCL | O_NOFOLLOW
  adopt(tmp, d);
}

void Cache::touch(const Digest& d) {
  // atime is unreliable (relatime, noatime): mtime of the stamp records use,
  // or the object's own mtime when it has no stamp (re-hashed on use anyway).
  std::error_code ec;
  fs::last_write_time(stamp_path(d), fs::file_time_type::clock::now(), ec);
  if (ec) fs::last_write_time(object_path(d), fs::file_time_type::clock::now(), ec);
}

std::optional<PartialMeta> Cache::read_partial_meta(const Digest& d, bool* absent) const {
  if (absent) *absent = false;
  fs::path p = partial_path(d);
  p.replace_extension(".json");
  // One open for the common case (no record): the platform's open refuses a
  // link (O_NOFOLLOW) and a non-regular file, as check_entry would.
  platform::Result<platform::File> f = platform::open_regular(platform::utf8_of(p), {});
  if (!f) {
    if (f.error().code == platform::Errc::not_found) {
      if (absent) *absent = true;
      return std::nullopt;
    }
    check_entry(p);  // names a link or a folder planted here
    return std::nullopt;
  }
  std::string text;
  char buf[4096];
  for (;;) {
    platform::Result<std::size_t> n = platform::read_some(f.value(), buf, sizeof buf);
    if (!n) return std::nullopt;
    if (n.value() == 0) break;
    text.append(buf, n.value());
    if (text.size() > 64 * 1024) return std::nullopt;  // not a record of ours
  }
  try {
    auto j = nlohmann::json::parse(text);
    PartialMeta m;
    m.remote_size_known = j.value("remote_size_known", false);
    m.remote_size = j.value("remote_size", std::uint64_t{0});
    m.etag = j.value("etag", std::string());
    m.last_modified = j.value("last_modified", std::string());
    return m;
  } catch (const std::exception&) {
    return std::nullopt;  // a torn record only costs a restart from byte 0
  }
}

void Cache::write_partial_meta(const Digest& d, const PartialMeta& m) const {
  fs::path p = partial_path(d);
  p.replace_extension(".json");
  nlohmann::json j{{"remote_size_known", m.remote_size_known},
                   {"remote_size", m.remote_size},
                   {"etag", m.etag},
                   {"last_modified", m.last_modified}};
  write_file_atomic(p, j.dump());
}

void Cache::remove_partial_meta(const Digest& d) const {
  std::error_code ec;
  fs::path p = partial_path(d);
  p.replace_extension(".json");
  fs::remove(p, ec);
}

void Cache::remove_partial(const Digest& d) const {
  std::error_code ec;
  fs::path p = partial_path(d);
  fs::remove(p, ec);
  fs::remove(journal_path(d), ec);
  fs::path bad = p;
  bad += ".bad";
  fs::remove(bad, ec);
  p.replace_extension(".json");
  fs::remove(p, ec);
}

}  // namespace assetfetch
