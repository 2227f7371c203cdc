// RangedFetch: the byte ranges a caller asked for (BITS AddFileWithRanges),
// a FetchStrategy over RangeFetch's bookkeeping (range_fetch.h: placement,
// coalesced requests, per-range digests, the local file).
//
// Up to RangeFetch::kParallel requests (fewer under
// JobOptions::max_connections_per_file) run at once on the walk's current
// candidate; a file:// candidate is read range by range. When no candidate
// honours Range, fallback() hands over to a WholeFetch that cuts the ranges
// from the verified whole file (DESIGN.md).
//
// Threading: the job's transfer thread only.
#pragma once

#include <memory>

#include "worker/fetch_strategy.h"
#include "worker/range_fetch.h"

namespace assetfetch {

class RangedFetch final : public FetchStrategy {
 public:
  // Places the ranges; a failure fails the file through `host`, and ranges
  // all satisfied already (from the cache) make the file done at once.
  explicit RangedFetch(FetchHost& host);

  std::optional<std::unique_ptr<Transfer>> next_in_flight(Clock::time_point now) override;
  std::unique_ptr<Transfer> next_request() override;
  void read_local(const std::filesystem::path& source) override;
  void on_transfer_done(const TransferResult& r, const Transfer& transfer) override;
  void refine(const TransferResult& r, Verdict& v) override;
  void on_answer_done() override;
  void restart() override {}  // nothing is kept across a range's requests
  void on_failover(const Verdict& v) override;
  std::unique_ptr<FetchStrategy> fallback() override;
  void interrupt() override {}
  void close_failed() override;
  void drop_temporaries(bool keep_resumable) override;
  std::uint64_t bytes_transferred() const override;
  std::optional<std::uint64_t> bytes_total() const override;
  std::vector<ByteRange> filled_ranges() const override;

 private:
  bool read_local_ranges(const std::filesystem::path& source, std::string* why);
  void finish_group(std::uint32_t id);
  void finish_all();

  FetchHost& host_;
  const FetchInputs& in_;
  // Null once the whole-file fallback took over: in-flight requests' sinks
  // then refuse their bytes.
  std::unique_ptr<RangeFetch> ranges_;
  std::uint32_t completing_group_ = 0;
  bool any_range_unsupported_ = false;
};

}  // namespace assetfetch
