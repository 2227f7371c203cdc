// The cache as a host maintains it: cache_admin.h plus what job records know
// (core/maintenance.h).
#include <set>

#include "config/config.h"
#include "core/maintenance.h"
#include "writeback/store_marks.h"

namespace assetfetch {

namespace fs = std::filesystem;

namespace {

// "<algo>-<hex>" of every digest a record names: those partials stay resumable.
std::set<std::string> resumable_keys(const std::vector<JobEntry>& jobs) {
  std::set<std::string> keys;
  for (const auto& j : jobs)
    for (const auto& f : j.record.files)
      if (f.digest) keys.insert(std::string(algorithm_name(f.digest->algorithm)) + "-" + f.digest->hex);
  return keys;
}

}  // namespace

CacheListing list_cache(const fs::path& root) {
  CacheListing l;
  l.objects = list_objects(root);
  l.partials = list_partials(root);
  l.locks = list_locks(root);
  l.temporaries = list_temporaries(root);
  std::set<fs::path> seen;  // a destination inside the cache (hash's tmp/ work file) is listed once
  for (const auto& t : l.temporaries) seen.insert(t.file);
  for (const auto& j : list_jobs(root, nullptr))
    for (auto& t : destination_temporaries(j.record))
      if (seen.insert(t.file).second) l.temporaries.push_back(std::move(t));
  return l;
}

std::vector<fs::path> verify_cache(const fs::path& root) { return verify_objects(root); }

PruneResult prune(const fs::path& root, std::optional<std::uint64_t> max_size, const Config* sources) {
  const auto jobs = list_jobs(root, nullptr);  // an unreadable record protects nothing
  PruneResult r = prune_cache(root, max_size, resumable_keys(jobs));
  std::error_code ec;
  for (const auto& j : jobs)
    for (const auto& t : destination_temporaries(j.record))
      if (!t.owner_alive && fs::remove(t.file, ec)) r.removed_temporaries.push_back(t.file);
  // Every source counts, read-only ones too: one may have been writable.
  std::set<std::string> configured;
  if (sources)
    for (const auto& s : sources->sources) configured.insert(store_id_of_template(s.url_template));
  const StoreMarksPruned marks = prune_store_marks(root, configured, fs::file_time_type::clock::now());
  r.removed_store_marks = marks.marks;
  r.removed_store_folders = marks.stores;
  return r;
}

}  // namespace assetfetch
