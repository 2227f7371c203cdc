#include "cache/unique_fd.h"
#include "core/install_record.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "verify/hasher.h"
#include "core/range.h"

namespace assetfetch {

namespace fs = std::filesystem;

namespace {

fs::path record_path(const fs::path& cache_dir, const fs::path& dest) {
  Hasher h(HashAlgorithm::sha256);
  std::string p = dest.string();
  h.update(p.data(), p.size());
  return cache_dir / "installed" / h.finish_hex();
}

std::string file_state(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
  std::ostringstream s;
  s << st.st_size << ' ' << st.st_ino << ' ' << st.st_mtim.tv_sec << '.' << st.st_mtim.tv_nsec << ' '
    << st.st_ctim.tv_sec << '.' << st.st_ctim.tv_nsec;
  return s.str();
}

}  // namespace

std::string install_request_key(const FileSpec& spec) {
  std::string key = spec.digest ? std::string(algorithm_name(spec.digest->algorithm)) + ":" + spec.digest->hex : "";
  if (spec.ranges_given) {
    key += spec.layout == Layout::sparse ? " sparse" : " ranges";
    for (const auto& r : spec.ranges) key += " " + format_range(r);
  }
  return key;
}

bool installed_in_place(const fs::path& cache_dir, const FileSpec& spec) {
  if (cache_dir.empty() || !spec.digest) return false;
  fs::path dest = fs::absolute(spec.local_name);
  std::ifstream in(record_path(cache_dir, dest));
  std::string key, state;
  if (!std::getline(in, key) || !std::getline(in, state)) return false;
  return key == install_request_key(spec) && !state.empty() && state == file_state(dest);
}

void record_install(const fs::path& cache_dir, const FileSpec& spec) {
  if (cache_dir.empty() || !spec.digest) return;
  try {
    fs::path dest = fs::absolute(spec.local_name);
    fs::path rec = record_path(cache_dir, dest);
    fs::create_directories(rec.parent_path());
    write_file_atomic(rec, install_request_key(spec) + "\n" + file_state(dest) + "\n" + dest.string() + "\n");
  } catch (const std::exception&) {
    // Only an optimisation: the next run re-checks through the cache.
  }
}

}  // namespace assetfetch
