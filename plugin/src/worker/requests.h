// How a strategy's requests are built: the one TransferRequest builder
// (candidate, headers, store credentials, the job's retry and TLS policy)
// and the Range header value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "assetfetch/job.h"
#include "transfer/transfer.h"
#include "worker/candidate_walk.h"

namespace assetfetch {

// "first-last", or "first-" without a length.
std::string range_header(std::uint64_t first, std::optional<std::uint64_t> length);

// Headers go only to the exact origin they were configured for, as libcurl
// parses it (an unparsable URL gets none).
HeaderList headers_for(const Candidate& c, const std::string& url);

// A request to candidate `c` of `walk`: the walk's current URL (a redirect
// included) for the current candidate, its headers and store credentials,
// the job's retry and TLS policy; `segment` tags segment and range requests.
TransferRequest request_to(const CandidateWalk& walk, const JobOptions& options, std::size_t c, std::string range,
                           long segment = -1);

}  // namespace assetfetch
