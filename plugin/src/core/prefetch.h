// A job's transfers handed to another process through the cache (the
// background service, issue 19 item 4), without the core knowing who that is.
//
// A job made with a Prefetch asks it first, on its transfer thread, to put
// into the cache the files the cache can hold (a digest, no ranges, a cache,
// never started, not in the cache yet); then its own loop runs as always and
// finds them there (from_cache), fetching in-process whatever the prefetch
// left (absent, busy, lost: it resumes from the cache's partial). Complete and
// cancel stay the caller's, so nothing is installed before complete().
//
// The other side is a cache-only job: it fetches into the cache and installs
// nothing (no temporaries beside the destinations, no folders made there, no
// job record); it takes only files the cache can hold.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "assetfetch/job.h"

namespace assetfetch {

// What the prefetch reports; `file` indexes the specs it was given. Called on
// the job's transfer thread; the job relays them to its callbacks with no lock
// held.
struct PrefetchEvents {
  std::function<void(const AttemptRecord&)> attempt;
  std::function<void(std::size_t file, const std::string& from, const std::string& to, const std::string& reason)>
      failover;
  std::function<void(const std::string& asset, const std::string& message)> warning;
  std::function<void(std::size_t file, const Progress&)> progress;
};

class Prefetch {
 public:
  virtual ~Prefetch() = default;
  // Puts what it can of `files` (candidates expanded, destinations absolute)
  // into options.cache_dir. Returns when it is done or gave up, or soon (within
  // about 100 ms) after `stop` says so; what it leaves, the job fetches itself.
  virtual void run(const std::string& job_name, const JobOptions& options, const std::vector<FileSpec>& files,
                   const PrefetchEvents& events, const std::function<bool()>& stop) = 0;
};

// create_job() with a prefetch (null: none).
std::unique_ptr<Job> create_job(std::string name, JobOptions options, std::shared_ptr<Prefetch> prefetch);

// A job that fills the cache and installs nothing (the service's side of a
// prefetch). add_file() refuses a file the cache cannot hold; complete()
// refuses; destroying it after wait() leaves only cache objects.
std::unique_ptr<Job> create_cache_only_job(std::string name, JobOptions options);

}  // namespace assetfetch
