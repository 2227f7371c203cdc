// RangeFetch: the state of one BITS AddFileWithRanges fetch — where each
// range goes in the local file, which are written, verified and cached, and
// which Range requests are in flight (adjacent ranges coalesced into one).
// It never picks a URL or decides what an answer means for the walk:
// RangedFetch does that (ranged_fetch.cpp) with a Verdict.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "assetfetch/job.h"
#include "cache/cache.h"
#include "cache/unique_fd.h"
#include "base/range.h"
#include "transfer/transfer.h"
#include "verify/hasher.h"

namespace assetfetch {

class RangeFetch {
 public:
  static constexpr std::size_t kParallel = 4;  // requests in flight, at most
  // Creates the output temporary (throws std::system_error naming it).
  // Ranges that need no remote size are placed at once, and those cached
  // under their own digest are copied from the cache. At most max_parallel
  // requests (1 to kParallel) are in flight at once.
  RangeFetch(const FileSpec& spec, std::filesystem::path temporary, Cache* cache,
             std::size_t max_parallel = kParallel);

  bool placed() const { return !states_.empty(); }
  bool all_done() const { return next_undone() >= states_.size(); }
  bool in_flight() const { return !groups_.empty(); }
  // Whether the spec's ranges fit a remote file of this size.
  bool fits(std::uint64_t remote_size, std::string* why) const;
  // Places the ranges for a remote file of this size (nullopt: only when no
  // range needs it), copying those cached under their own digest.
  bool place(std::optional<std::uint64_t> remote_size, std::string* why);

  // One Range request: ranges contiguous in the remote file.
  struct Request {
    std::uint32_t id = 0;
    std::uint64_t start = 0, end = 0;  // end 0: to the end of the remote file
  };
  // The next request for `candidate`: the first range until the remote size
  // is known, then up to max_parallel coalesced groups. nullopt: nothing to ask.
  std::optional<Request> next_request(std::size_t candidate);
  // A request for one range, read from a local file.
  Request local_request(std::size_t index, std::size_t candidate);
  std::size_t size() const { return states_.size(); }
  bool done(std::size_t index) const { return states_[index].done; }

  // The answer's headers, before its first byte (places the ranges on the
  // first answer), and its body.
  bool check_headers(std::uint32_t id, const TransferResult& r, Refusal* refusal);
  bool write(std::uint32_t id, const char* data, std::size_t n, Refusal* refusal);

  // The request's candidate, if it is still in flight.
  std::optional<std::size_t> candidate_of(std::uint32_t id) const;
  // A request answered to its end: verifies (and caches) its ranges.
  struct GroupEnd {
    bool short_body = false;
    std::string mismatch;  // the first range that did not match its digest
    std::size_t candidate = 0;
  };
  GroupEnd finish(std::uint32_t id);
  // Forgets a request; its unfinished ranges are asked again later.
  void release(std::uint32_t id);

  // Closes the output; the local file's size and whether every range was verified.
  struct Totals {
    bool verified = true;
    std::uint64_t bytes = 0;
  };
  Totals close();
  // Bytes written so far, bytes asked, and the filled ranges (BITS).
  std::uint64_t received() const;
  std::uint64_t total() const;
  std::vector<ByteRange> filled() const;

 private:
  struct RangeState {
    PlacedRange placed;
    bool done = false;
    bool verified = false;
    bool in_flight = false;
    std::uint64_t received = 0;
    std::optional<Hasher> hasher;  // of this range's own digest, if it has one
  };
  struct Group {
    Request request;
    std::vector<std::size_t> members;  // range indices, contiguous in the remote file
    std::size_t cursor = 0;            // the member being written
    std::size_t candidate = 0;
  };
  static constexpr std::uint64_t kCoalesceCap = 16u << 20;

  Group* find(std::uint32_t id);
  std::size_t next_undone() const;
  bool verify(std::size_t index, std::string* mismatch);
  void cache_range(std::size_t index, const Digest& digest);

  const FileSpec& spec_;
  std::filesystem::path temporary_;
  Cache* cache_;
  UniqueFd out_;
  std::optional<std::uint64_t> remote_size_;
  std::vector<RangeState> states_;
  std::vector<std::size_t> order_;  // range indices by remote offset
  std::vector<Group> groups_;
  std::uint32_t next_id_ = 0;
  std::size_t max_parallel_;
};

}  // namespace assetfetch
