// SegmentedFetch: one large file fetched over several connections and from
// several mirrors at once, when measurement says it pays (issues 5 and 9).
//
// Design goals:
// - Start with the one open-ended request already running (the primary) and
//   never cut it early: on a fast single mirror one stream is fastest (the
//   local side, not the network, is the limit) and every extra request costs
//   a slow server its per-request time.
// - After a probe delay, add ONE connection (the probe) taking the tail half
//   of what is left, but only if another mirror exists or the primary's rate
//   is clearly below what the local side writes and hashes, and enough is
//   left to gain. If the total rate does not rise by 20% once the probe is
//   measured, stay there: the two requests finish their ranges, no more are
//   made. If it does, grow by splitting, from the tail, the segment
//   expected to finish last: with one mirror in steps that double the
//   connections, or go straight to the cap when the last step scaled
//   nearly linearly (a server's per-connection cap is what a second one
//   shows; n+1 connections cannot add 20% past 5), each measured over the next
//   probe window and kept only while the total rose by 20% again (the
//   probe's window ends early when the probe's bytes since its first byte
//   keep pace with what the primary had at the same age); with
//   several, whenever a connection is free, up to max_connections.
// - Added segments go on connections of their own (TransferRequest::
//   own_connection): as HTTP/2 streams of the primary's connection they
//   would share its cap.
// - With several mirrors a free connection of the fastest one takes the
//   larger half of the segment expected to finish last, or all of it when
//   that segment's mirror is four times slower, so a slow mirror never holds
//   back completion (slow-mirror stealing).
// - Spans an earlier run wrote (the journal's) are never fetched again: the
//   holes between them are segments waiting to start.
// - The whole-file hash is computed over the contiguous prefix as it grows:
//   bytes arriving at the prefix go to the WriteStage (when given), which
//   writes, journals and hashes them off the transfer thread; bytes ahead of
//   it are gathered and written here, and read back (from the page cache)
//   once the prefix reaches them, after the stage has drained (the hash
//   takes bytes in file order).
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
#include "platform/file.h"
#include "transfer/loop_meter.h"
#include "verify/stream_hasher.h"
#include "worker/write_stage.h"

namespace assetfetch {

// The most connections one file may use: the automatic choice (4 with
// several usable mirrors, 8 with one, reached only while each step of
// growth pays), capped by the user's limit
// (JobOptions::max_connections_per_file; 0 or less: no cap).
int connections_for_file(int user_limit, std::size_t usable_mirrors);

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
    Clock::time_point first_byte{};  // its first body byte (unset: none yet)
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
  // `stage` (may be null: everything is written here) writes the in-order
  // bytes; it must outlive this object, and `hasher` is only touched here
  // once it has drained.
  struct Tuning {
    int max_connections = 2;
    std::uint64_t min_split = 2u << 20;  // segments smaller than this are never split
    std::chrono::milliseconds probe_after{500};
    double local_capacity = 200.0 * (1u << 20);  // bytes/s one stream may reach before extra ones can help
    // The job's loop (may be null): one that hardly waits for its sockets is
    // limited by this side, and a second connection to the same mirror
    // cannot help (loop_meter.h).
    const LoopMeter* loop = nullptr;
    double local_bound_share = 0.9;  // loop busy at least this much: this side limits
  };
  SegmentedFetch(const platform::File& file, std::filesystem::path part, std::uint64_t size, std::uint64_t filled, StreamHasher* hasher,
                 std::size_t primary_candidate, std::vector<std::size_t> usable, Tuning tuning,
                 const SpanSet& prefilled, FilledJournal* journal, WriteStage* stage = nullptr);


  std::uint64_t size() const { return size_; }
  std::uint64_t bytes_written() const;
  bool complete() const;  // every byte written and hashed
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
  // A failed transfer: retry on the same candidate after `retry_in` (the
  // candidate walk's rule, CandidateWalk::backoff, from Segment::attempts),
  // or (nullopt) drop that candidate for this file and reassign.
  bool failed(std::size_t i, std::optional<std::chrono::milliseconds> retry_in, std::string* error);
  bool any_in_flight() const;
  std::size_t flying() const;  // segments in flight
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
  bool flush_all(std::string* error);  // and drains the stage
  bool drain_stage(std::string* error);
  static constexpr std::size_t kWriteBuffer = 1u << 20;
  std::optional<std::size_t> split_for(std::size_t candidate, Clock::time_point now, bool by_remainder = false);
  // The next connection to add, by the growth policy (design goals).
  std::optional<std::size_t> grow(Clock::time_point now);
  // The loop hardly waited for its sockets of late, or has not been
  // measured long enough to say (Tuning::loop).
  bool local_side_limits(Clock::time_point now) const;
  const Segment* find(std::uint32_t id) const;
  // Bytes per second of a segment's current request; 0 while too early to say.
  double rate_of(const Segment& s, Clock::time_point now) const;
  double candidate_rate(std::size_t candidate, Clock::time_point now) const;
  void start(Segment& s, Clock::time_point now);
  // Records a segment's first byte, and the primary's ramp while single.
  void note_bytes(Segment& s);
  // The probe, at the same age since its first byte, has as many bytes as
  // the primary had (80%), and the primary has not slowed down: a cap per
  // connection, shown before the window ends (a new connection's handshake
  // and slow start take most of a window at 50 ms RTT).
  bool probe_keeps_pace(Clock::time_point now) const;
  // A measuring window starts: growth_ becomes probing.
  void begin_window(Clock::time_point now);
  std::size_t in_flight_on(std::size_t candidate) const;

  const platform::File* file_;  // the partial; outlives this object
  FilledJournal* journal_;
  WriteStage* stage_;
  SpanSet prefilled_;
  std::filesystem::path part_;
  std::uint64_t size_;
  StreamHasher* hasher_;
  std::uint64_t hashed_;
  std::vector<Segment> segments_;  // kept sorted by start
  std::vector<std::size_t> usable_;
  int max_connections_;
  std::uint64_t min_split_;  // segments smaller than this are never split again
  Tuning tuning_;
  enum class Growth { single, probing, growing, settled };
  Growth growth_ = Growth::single;
  double single_rate_ = 0;        // the primary's rate when the probe started
  std::uint32_t probe_id_ = 0;
  Clock::time_point probe_started_{};
  double probe_finished_rate_ = 0;  // the probe's rate, if it finished early
  // One mirror, growing in steps: the bytes written when the step's window
  // began, the connections the step grows to, those added so far in it.
  std::uint64_t window_bytes_ = 0;
  std::size_t grow_to_ = 0;
  std::size_t added_ = 0;
  std::size_t prev_conns_ = 1, window_conns_ = 1;  // in flight in the last window and in this one
  int steps_ = 0;  // steps that paid
  // The primary's bytes by the end of each kRampStep since its first byte
  // (the first kRampSteps), and the primary's position when the window began.
  static constexpr std::chrono::milliseconds kRampStep{25};
  static constexpr std::size_t kRampSteps = 80;
  static constexpr std::chrono::milliseconds kRampMinAge{150};
  std::vector<std::uint64_t> primary_ramp_;
  std::uint64_t primary_ramp_last_ = 0;
  std::uint64_t primary_window_pos_ = 0;
  // The longest an added request took to its first byte.
  Clock::duration setup_time_{};
  std::uint32_t next_id_ = 0;
  std::vector<std::pair<std::size_t, double>> finished_rates_;  // (candidate, bytes/s)
};

}  // namespace assetfetch
