// WholeFetch: the whole file into one partial (a FetchStrategy).
//
// - The partial is the cache's (named by the digest, or FileSpec::resume_key)
//   when there is a cache, else the destination's temporary; it is resumed
//   only where its journal says bytes were written, for the size they were
//   written for, and (unverified files) with an If-Range validator.
// - Every request asks for a range from the first missing byte: a 206 says
//   the server can serve segments, and a large file then goes on as a
//   SegmentedFetch (several connections, several mirrors) over the same
//   partial, hasher and journal; anything else goes on as one stream.
// - Bytes are written, journaled and hashed off the transfer thread
//   (WriteStage); the hash is checked at the end: a match is adopted into
//   the cache, written back and installed (finisher.h), a mismatch drops
//   the bytes and fails over (or, for bytes resumed from an earlier run,
//   fetches again from byte 0 once).
//
// Sources: whole_fetch.cpp (partial, requests, stream), whole_fetch_segments.cpp
// (SegmentedFetch hand-over), whole_fetch_finish.cpp (verify, deliver, mismatch).
// Threading: the job's transfer thread only.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "cache/cache.h"
#include "cache/filled_journal.h"
#include "cache/unique_fd.h"
#include "verify/stream_hasher.h"
#include "worker/fetch_strategy.h"
#include "worker/segmented_fetch.h"
#include "worker/write_stage.h"

namespace assetfetch {

// The whole file goes through the cache (a digest, or a resume key for a
// file fetched whole).
bool caches_whole_file(const FetchInputs& in);
// What names the cache's partial: the digest, else FileSpec::resume_key.
const Digest& partial_key(const FileSpec& spec);

class WholeFetch final : public FetchStrategy {
 public:
  // Opens (or resumes) the partial; a failure fails the file through `host`.
  explicit WholeFetch(FetchHost& host);
  ~WholeFetch() override;

  std::optional<std::unique_ptr<Transfer>> next_in_flight(Clock::time_point now) override;
  std::unique_ptr<Transfer> next_request() override;
  void read_local(const std::filesystem::path& source) override;
  void on_transfer_done(const TransferResult& r, const Transfer& transfer) override;
  void refine(const TransferResult& r, Verdict& v) override;
  void on_answer_done() override;
  void restart() override;
  void on_failover(const Verdict& v) override;
  std::unique_ptr<FetchStrategy> fallback() override { return nullptr; }
  void interrupt() override;
  void close_failed() override;
  void drop_temporaries(bool keep_resumable) override;
  std::uint64_t bytes_transferred() const override;
  std::optional<std::uint64_t> bytes_total() const override;
  std::vector<ByteRange> filled_ranges() const override;

 private:
  void open_partial();
  bool check_headers(const TransferResult& r, Refusal* refusal);
  bool write(const char* data, std::size_t n, Refusal* refusal);
  // Waits until the stage wrote what write() gave it; without `refusal` a
  // failure fails the file.
  bool flush_writes(Refusal* refusal);
  void release_buffers();
  void open_journal(std::uint64_t size);
  void close_journal(bool remove);

  // Segments (whole_fetch_segments.cpp).
  void maybe_start_segments();
  std::unique_ptr<Transfer> make_segment_request(std::size_t index);
  void on_segment_done(const TransferResult& r, const Transfer& t);
  void all_segments_done();
  void abandon_segments(const std::string& why);
  void name_bad_mirrors(const std::filesystem::path& good);

  // The end (whole_fetch_finish.cpp): verify, then deliver or handle the
  // mismatch (resumed bytes are fetched again, others fail over).
  void finish();
  void deliver();
  void refetch_resumed();
  void drop_mismatched(const std::string& got);

  FetchHost& host_;
  const FetchInputs& in_;
  const bool cached_;  // caches_whole_file()

  std::filesystem::path part_;  // the cache's partial or the destination's temporary
  UniqueFd part_fd_;
  std::optional<StreamHasher> hasher_;
  std::uint64_t filled_ = 0;  // the prefix written (and hashed) in order
  std::optional<std::uint64_t> remote_size_;
  PartialMeta meta_;
  // What of the cache partial is really written (resume trusts only this).
  FilledJournal journal_;
  // Spans an earlier run (or a suspended pass) left, beyond filled_: the
  // segmented fetch skips them.
  SpanSet resume_spans_;
  // The partial holds bytes from an earlier run: a mismatch then first means
  // "fetch again from byte 0", never "every source is wrong".
  bool resumed_bytes_ = false;
  // A resume record (validators, journal) may exist for the partial: the
  // end removes them; an asset that never had one skips those unlinks.
  bool records_ = false;
  // The last answer was a 416 saying every byte is here already.
  bool complete_by_416_ = false;
  static constexpr std::uint64_t kResumableSize = 256u << 10;  // smaller files keep no resume record
  // Writes, journals and hashes the one-stream bytes off the transfer thread;
  // drained before part_fd_ closes or hasher_ is used here.
  std::unique_ptr<WriteStage> stage_;
  // Segmented download of a large file (several connections and mirrors).
  std::unique_ptr<SegmentedFetch> seg_;
  bool segmenting_disabled_ = false;
  std::unique_ptr<SegmentedFetch> finished_seg_;  // the last segmented pass, until verified
  std::unique_ptr<SegmentedFetch> bad_assembly_;  // to name a mirror after a mismatch
  std::filesystem::path bad_file_;
};

}  // namespace assetfetch
