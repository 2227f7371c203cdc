// Files a host puts into the cache or takes out of it (core/maintenance.h).
#include <atomic>

#include "cache/cache.h"
#include "core/maintenance.h"
#include "platform/process.h"
#include "verify/hasher.h"

namespace assetfetch {

namespace fs = std::filesystem;

Digest digest_of_file(const fs::path& file, HashAlgorithm algo) { return Digest{algo, hash_file(file, algo)}; }

fs::path unverified_download_path(const fs::path& cache_dir) {
  static std::atomic<int> counter{0};
  fs::path dir = cache_dir.empty() ? fs::temp_directory_path() : Cache(cache_dir).tmp_dir();
  fs::create_directories(dir);
  return dir / ("hash-" + std::to_string(platform::current_pid()) + "-" + std::to_string(counter++));
}

Digest unverified_resume_key(const std::vector<std::string>& urls) {
  Hasher h(HashAlgorithm::sha256);
  const std::string tag = "assetfetch hash";
  h.update(tag.data(), tag.size());
  for (const std::string& url : urls) {
    h.update("\n", 1);
    h.update(url.data(), url.size());
  }
  return Digest{HashAlgorithm::sha256, h.finish_hex()};
}

AdoptedFile adopt_file(const fs::path& cache_dir, const fs::path& file, const Digest& d) {
  AdoptedFile out;
  if (cache_dir.empty()) {
    fs::remove(file);
    return out;
  }
  Cache cache(cache_dir);
  if (cache.lookup(d) == Cache::Lookup::hit) {
    fs::remove(file);
    out.kept = AdoptedFile::Kept::already_there;
    return out;
  }
  cache.adopt(file, d);
  out.kept = AdoptedFile::Kept::added;
  out.object = cache.object_path(d);
  return out;
}

std::optional<FileResult> copy_cached_object(const fs::path& cache_dir, const Digest& d, const fs::path& dst) {
  if (cache_dir.empty()) return std::nullopt;
  Cache cache(cache_dir);
  if (cache.lookup(d) != Cache::Lookup::hit) return std::nullopt;
  fs::path tmp = dst;
  tmp += ".copying";
  fs::copy_file(cache.object_path(d), tmp, fs::copy_options::overwrite_existing);
  // The object is read-only; the copy is the caller's to change.
  std::error_code ec;
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read,
                  fs::perm_options::replace, ec);
  fs::rename(tmp, dst);
  cache.touch(d);
  FileResult r;
  r.source = "cache";
  r.from_cache = r.verified = true;
  r.bytes = fs::file_size(dst);
  return r;
}

}  // namespace assetfetch
