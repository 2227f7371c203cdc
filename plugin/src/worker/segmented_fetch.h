// SegmentedFetch: one large file fetched as segments over several
// connections and from several mirrors at once (issue 5).
//
// Design goals:
// - The file is handed out as pieces (size/16, at most 8 MiB) in file order,
//   one request each, to the least busy mirror that is not far slower than
//   the fastest measured one. Each piece is written at its own offset.
// - When no piece is left, a free connection of the fastest mirror takes the
//   larger half of the segment expected to finish last — or all of it when
//   that segment's mirror is four times slower — so a slow mirror never holds
//   back completion.
// - The whole-file hash is computed over the contiguous prefix as it grows:
//   bytes arriving at the prefix are hashed from the network buffer; bytes
//   ahead of it are read back (from the page cache) once the prefix reaches
//   them. No second full read of the file.
// - Each segment remembers which candidate served it, so a hash mismatch can
//   name the mirror that served different bytes.
//
// Threading: used only from the job's transfer thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cache/filled_journal.h"
#include "verify/stream_hasher.h"

namespace assetfetch {

class SegmentedFetch {
 public:
  using Clock = std::chrono::steady_clock;


  struct Segment {
    std::uint32_t id = 0;  // stable: indices shift when a segment is split
    std::uint64_t start = 0, end = 0;  // [start, end); end may shrink when split
    std::uint64_t pos = 0;             // next byte to write
    std::size_t candidate = 0;         // index into the worker's candidate list
    bool in_flight = false;
    int attempts = 0;
    Clock::time_point retry_at{};
    Clock::time_point began{};  // when its current request started
    std::uint64_t began_pos = 0;  // pos then
    std::uint64_t flushed = 0;    // bytes before this offset are on disk
    std::vector<char> buf;        // received, not yet written (from `flushed`)
    std::vector<std::pair<std::uint64_t, std::size_t>> served;  // (offset, candidate) changes
    bool done() const { return pos >= end; }
  };

  // `primary` is already fetching [filled, size) from `primary_candidate`;
  // `usable` are the candidates that may serve further segments. `prefilled`
  // are spans beyond `filled` already on disk (an earlier run's): they are
  // never fetched again. Every span written is recorded in `journal`.
  SegmentedFetch(int fd, std::filesystem::path part, std::uint64_t size, std::uint64_t filled, StreamHasher* hasher,
                 std::size_t primary_candidate, std::vector<std::size_t> usable, int max_connections,
                 std::uint64_t min_split, const SpanSet& prefilled, FilledJournal* journal);

  std::uint64_t size() const { return size_; }
  // Also write every byte to `fd` (the destination's temporary); a failed
  // write there stops the mirroring and mirror_failed() says so.
  void set_mirror_fd(int fd) { mirror_fd_ = fd; }
  bool mirror_failed() const { return mirror_failed_; }
  std::uint64_t bytes_written() const;
  bool complete() const;  // every byte written and hashed
  bool all_assigned() const { return next_unassigned_ >= size_; }
  const std::vector<Segment>& segments() const { return segments_; }
  const Segment& segment(std::size_t i) const { return segments_[i]; }
  std::optional<std::size_t> index_of(std::uint32_t id) const;
  // The earliest time a segment waiting for a retry may start.
  std::optional<Clock::time_point> next_retry() const;

  // The next segment to start (assigned, marked in flight), or nullopt.
  std::optional<std::size_t> next_to_start(Clock::time_point now);
  // Writes body bytes of segment `i`. Returns false with `segment_done` set
  // when the server sends past the segment's end (it was split while in
  // flight: the transfer should stop), or on I/O error.
  bool write(std::size_t i, const char* data, std::size_t n, bool* segment_done, std::string* error);
  // Outcome of segment `i`'s transfer (writes what it still buffers; false
  // with `error` when that fails).
  bool finished(std::size_t i, std::string* error);
  // A failed transfer: retry on the same candidate after `delay`, or (when
  // retry is false) drop that candidate for this file and reassign.
  bool failed(std::size_t i, bool retry, std::chrono::milliseconds delay, int max_attempts, std::string* error);
  bool any_in_flight() const;
  bool has_usable_candidates() const { return !usable_.empty(); }
  // Writes every buffer and hashes whatever of the prefix can be hashed now.
  bool catch_up_hash(std::string* error);
  // The contiguous prefix that has been hashed.
  std::uint64_t hashed() const { return hashed_; }
  // Ranges (and candidates) whose bytes differ between `assembled` and `good`.
  std::vector<std::pair<std::string, std::size_t>> differing(const std::filesystem::path& assembled,
                                                             const std::filesystem::path& good) const;

 private:
  void advance_hash(std::size_t budget_bytes);
  bool flush(Segment& s, std::string* error);
  bool flush_all(std::string* error);
  static constexpr std::size_t kWriteBuffer = 1u << 20;
  std::optional<std::size_t> split_for(std::size_t candidate, Clock::time_point now);
  // Where unassigned work starts at or after `pos` (past prefilled spans),
  // and where the piece starting there must end at the latest.
  std::uint64_t skip_prefilled(std::uint64_t pos) const;
  std::uint64_t piece_end(std::uint64_t start) const;
  // Bytes per second of a segment's current request; 0 while too early to say.
  double rate_of(const Segment& s, Clock::time_point now) const;
  double candidate_rate(std::size_t candidate, Clock::time_point now) const;
  void start(Segment& s, Clock::time_point now);
  std::size_t in_flight_on(std::size_t candidate) const;

  int fd_;
  FilledJournal* journal_;
  SpanSet prefilled_;
  int mirror_fd_ = -1;
  bool mirror_failed_ = false;
  std::filesystem::path part_;
  std::uint64_t size_;
  StreamHasher* hasher_;
  std::uint64_t hashed_;
  std::vector<Segment> segments_;  // kept sorted by start
  std::vector<std::size_t> usable_;
  int max_connections_;
  std::uint64_t min_split_;  // segments smaller than this are never split again
  static constexpr std::uint64_t kMaxPiece = 8u << 20;
  std::uint64_t piece_ = 0;            // size of the pieces handed out in order
  std::uint64_t next_unassigned_ = 0;  // where the next piece starts
  std::uint32_t next_id_ = 0;
  std::vector<std::pair<std::size_t, double>> finished_rates_;  // (candidate, bytes/s)
};

}  // namespace assetfetch
