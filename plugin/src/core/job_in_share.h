// A job whose transfers keep their connections, DNS answers and TLS sessions
// in a libcurl share that outlives it (transfer/curl_share.h), for the next
// job run in that share: the background service's workers (service/) put
// each job they run in their own share. Internal: jobs of the library and
// the CLI share nothing.
#pragma once

#include "assetfetch/job.h"
#include "transfer/curl_share.h"

namespace assetfetch {

// Before the job's first resume(): its transfers join `share`. `share` must
// outlive the job and serve no other job at the same time (libcurl shares
// no connection cache between threads). False (nothing changes) for a Job
// the core did not make.
bool use_connection_share(Job& job, ConnectionShare& share);

}  // namespace assetfetch
