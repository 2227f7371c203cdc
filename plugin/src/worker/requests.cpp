#include "worker/requests.h"

#include "transfer/curl_url.h"
#include "transfer/store_auth.h"

namespace assetfetch {

std::string range_header(std::uint64_t first, std::optional<std::uint64_t> length) {
  return std::to_string(first) + "-" + (length ? std::to_string(first + *length - 1) : std::string());
}

HeaderList headers_for(const Candidate& c, const std::string& url) {
  if (c.headers.empty()) return {};
  const std::string origin = curl_origin(url);
  if (origin.empty() || origin != curl_origin(c.url)) return {};
  return c.headers;
}

TransferRequest request_to(const CandidateWalk& walk, const JobOptions& options, std::size_t c, std::string range,
                           long segment) {
  TransferRequest req;
  req.url = c == walk.index() ? walk.url() : walk.candidate(c).url;
  req.headers = headers_for(walk.candidate(c), req.url);
  req.store = store_for(walk.candidate(c), req.url);
  req.retry = &options.retry;
  req.tls = &options.tls;
  req.range = std::move(range);
  req.segment = segment;
  return req;
}

}  // namespace assetfetch
