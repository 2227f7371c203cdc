// Looking after a cache and the jobs recorded in it, for any host (the CLI's
// `cache` and `job` commands), and the files a host puts into the cache or
// takes out of it itself (`hash`, `x-script`): what cache/cache_admin.h sees in the cache
// tree, plus what only the job records know: which partial downloads stay
// resumable, and the temporaries a killed job left beside its destinations
// (<local_name>.<pid>.<random>.part). Nothing here removes a file whose
// owner still runs (download lock held, or its pid alive).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cache/cache.h"  // UnsafeCache: what these throw for a linked cache tree
#include "cache/cache_admin.h"
#include "core/job_record.h"
#include "assetfetch/job.h"
#include "base/digest.h"

namespace assetfetch {

// --- The cache ---------------------------------------------------------------

struct CacheListing {
  std::vector<CacheObjectInfo> objects;
  std::vector<PartialInfo> partials;
  std::vector<LockInfo> locks;
  // The cache tree's temporaries, then those beside the destinations of
  // recorded jobs (TemporaryInfo::job set).
  std::vector<TemporaryInfo> temporaries;
};
CacheListing list_cache(const std::filesystem::path& root);

// Re-hashes every object (verify_objects).
std::vector<std::filesystem::path> verify_cache(const std::filesystem::path& root);

// prune_cache(), keeping the partials recorded jobs can resume, then the
// temporaries of recorded jobs whose owner is gone (in removed_temporaries),
// then the store marks (writeback/store_marks.h) of objects no longer cached
// and of stores that `sources` (the config of the prune, may be null) does
// not name and nothing used for 30 days: other configs may share the cache.
PruneResult prune(const std::filesystem::path& root, std::optional<std::uint64_t> max_size,
                  const Config* sources = nullptr);

// --- Job records (<cache>/jobs/<name>.json) ---------------------------------

struct JobEntry {
  std::filesystem::path file;
  JobRecord record;
  // "running", "interrupted" (its process is gone mid-transfer), or the record's state.
  std::string status;
};

// Every readable record, by file name; each unreadable one adds a warning.
std::vector<JobEntry> list_jobs(const std::filesystem::path& root, std::vector<std::string>* warnings);
// Throws InputError naming the name (job_name_problem) or the missing record.
JobEntry find_job(const std::filesystem::path& root, const std::string& name);
// Bytes of the file's partial download in the cache (0 when none).
std::uint64_t partial_bytes(const std::filesystem::path& root, const RecordedFile& file);
// The temporaries `record`'s files left beside their destinations.
std::vector<TemporaryInfo> destination_temporaries(const JobRecord& record);

// Drops the record, its partial downloads and the temporaries beside its
// destinations. Throws std::runtime_error when its process still runs.
// Returns what was removed.
std::vector<std::filesystem::path> cancel_job(const std::filesystem::path& root, const std::string& name);
// Throws std::runtime_error naming the process when `record`'s owner runs.
void refuse_if_running(const JobRecord& record, const char* verb);

// --- Files a host puts into the cache or takes out of it ------------------

// The digest of a file's bytes (`fetch --no-verify` shows it, `hash` prints it).
Digest digest_of_file(const std::filesystem::path& file, HashAlgorithm algo);

// Where a download with no hash to check lands (`hash`): a new name
// "hash-<pid>-<n>" in the cache's tmp/ (the same filesystem, so adopting it
// is a rename), else in the temporary directory (no cache).
std::filesystem::path unverified_download_path(const std::filesystem::path& cache_dir);
// The key the cache keeps such a download's partial under
// (FileSpec::resume_key), so the same URLs resume it.
Digest unverified_resume_key(const std::vector<std::string>& urls);

struct AdoptedFile {
  enum class Kept { added, already_there, no_cache } kept = Kept::no_cache;
  std::filesystem::path object;  // the cache object (added)
};
// Makes `file`, whose bytes have digest `d`, the cache's object (a rename);
// removes it instead when the cache holds that object already, or when
// `cache_dir` is empty (no cache).
AdoptedFile adopt_file(const std::filesystem::path& cache_dir, const std::filesystem::path& file, const Digest& d);

// Copies the cached object `d` to `dst` (written beside it, mode 0644, then
// renamed over it) and records the use; nullopt when the cache (empty
// `cache_dir`: none) does not hold it. Throws std::filesystem_error on a
// failed copy.
std::optional<FileResult> copy_cached_object(const std::filesystem::path& cache_dir, const Digest& d,
                                             const std::filesystem::path& dst);

}  // namespace assetfetch
