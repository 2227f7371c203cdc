// A job whose transfers keep their connections, DNS answers and TLS sessions
// in a libcurl share that outlives it (transfer/curl_share.h), for the next
// job run in that share: the background service's workers (service/) make
// their jobs this way, one share per worker. Internal: create_job() (the
// public job.h) makes jobs that share nothing.
#pragma once

#include <memory>
#include <string>

#include "assetfetch/job.h"
#include "transfer/curl_share.h"

namespace assetfetch {

// As create_job(); `share` must outlive the job and be used by no other job
// at the same time (libcurl shares no connection cache between threads).
std::unique_ptr<Job> create_job_in_share(std::string name, JobOptions options, ConnectionShare& share);

}  // namespace assetfetch
