// WholeFetch: handing a large file to SegmentedFetch and back.
#include <algorithm>

#include "transfer/redact.h"
#include "worker/requests.h"
#include "worker/whole_fetch.h"

namespace assetfetch {

namespace fs = std::filesystem;

void WholeFetch::maybe_start_segments() {
  if (seg_ || segmenting_disabled_ || !remote_size_ || !part_fd_ || !cached_ || !in_.spec.digest) return;
  // Spans an earlier run wrote beyond the prefix are skipped: only the holes
  // are fetched, so segmenting is worth it whatever is left.
  SpanSet ahead = resume_spans_;
  ahead.clip(*remote_size_);
  const bool holes = ahead.total() > ahead.prefix() && ahead.prefix() <= filled_;
  if (*remote_size_ - filled_ < in_.options.segment_threshold && !holes) return;
  const CandidateWalk& walk = host_.walk();
  std::vector<std::size_t> usable;
  for (std::size_t c = walk.index(); c < walk.size(); ++c) {
    std::string scheme = url_scheme(walk.candidate(c).url);
    if (scheme == "http" || scheme == "https") usable.push_back(c);
  }
  // One connection allowed: the first request stays the only one (no probe,
  // no segments; spans an earlier run wrote past the hashed prefix are
  // fetched again).
  const int connections = connections_for_file(in_.options.max_connections_per_file, usable.size());
  if (connections < 2) return;
  SegmentedFetch::Tuning tuning;
  tuning.max_connections = connections;
  tuning.min_split = in_.options.segment_min_split;
  tuning.probe_after = in_.options.segment_probe_after;
  tuning.local_capacity = in_.options.segment_local_capacity;
  tuning.loop = in_.loop;
  if (!stage_) stage_ = std::make_unique<WriteStage>();
  seg_ = std::make_unique<SegmentedFetch>(part_fd_, part_, *remote_size_, filled_, &*hasher_, walk.index(),
                                          usable, tuning, ahead, &journal_, stage_.get());
}

std::unique_ptr<Transfer> WholeFetch::make_segment_request(std::size_t index) {
  const auto& s = seg_->segment(index);
  TransferRequest req = request_to(host_.walk(), in_.options, s.candidate, range_header(s.pos, s.end - s.pos), s.id);
  // A segment is there to add a connection's worth of rate: never a stream
  // of a connection already open (perhaps capped per connection).
  req.own_connection = true;
  const std::uint32_t id = s.id;
  const std::uint64_t start = s.pos;
  const std::uint64_t size = seg_->size();
  auto check = [start, size](const TransferResult& r, Refusal* why) {
    if (r.status != 206 || !r.content_range.present || r.content_range.first != start ||
        !r.content_range.total_known || r.content_range.total != size) {
      *why = {TransferFault::range_unsupported, "answered " + std::to_string(r.status) + " to a segment request"};
      return false;
    }
    return true;
  };
  auto sink = [this, id](const char* p, std::size_t n, Refusal* why) {
    auto i = seg_ ? seg_->index_of(id) : std::nullopt;
    if (!i) {
      *why = {TransferFault::released, "the segment was released"};
      return false;
    }
    bool segment_done = false;
    std::string error;
    if (!seg_->write(*i, p, n, &segment_done, &error)) {
      *why = error.empty() ? Refusal{TransferFault::segment_done, "segment done"}
                           : Refusal{TransferFault::local_write, error};
      return false;
    }
    if (in_.events.progress) in_.events.progress();
    return true;
  };
  host_.set_phase(FetchPhase::transferring);
  try {
    return std::make_unique<Transfer>(std::move(req), check, sink);
  } catch (const std::exception& e) {
    host_.fail(ErrorCode::internal, ErrorCause::local_file, e.what());
    return nullptr;
  }
}

void WholeFetch::on_segment_done(const TransferResult& r, const Transfer& t) {
  const std::uint32_t id = t.request().segment < 0 ? 0u : static_cast<std::uint32_t>(t.request().segment);
  auto index = seg_->index_of(id);
  if (!index) return;
  const auto& s = seg_->segment(*index);
  // The same reading as a whole-file answer (classify), refined by what only
  // a segment knows: its own end is "done" (segment_done), a 206 that stops
  // short of it is a short body.
  Verdict v = classify(r);
  if (r.aborted && r.fault == TransferFault::segment_done) v = Verdict{};
  if (v.prognosis == Prognosis::done && !s.done()) {
    v.prognosis = Prognosis::retry;
    v.cause = ErrorCause::transport;
    v.detail = "short body: the segment ends at " + std::to_string(s.end) + ", got to " + std::to_string(s.pos);
  }
  // A segment follows no redirect and never restarts the file: any other
  // verdict drops this candidate for the remaining segments.
  if (v.prognosis == Prognosis::redirect || v.prognosis == Prognosis::restart) v.prognosis = Prognosis::failover;
  AttemptRecord rec = attempt_record(host_.asset_label(), t.request().url, t.request().range, r, v);
  if (v.prognosis == Prognosis::fail) {
    if (in_.events.attempt) in_.events.attempt(rec);
    host_.fail(v.code, v.cause, v.detail, v.http_status);
    return;
  }
  std::string err;
  if (v.prognosis == Prognosis::done) {
    if (!seg_->finished(*index, &err)) {
      host_.fail(ErrorCode::internal, ErrorCause::local_file, err);
      return;
    }
  } else {
    // The walk's retry rule, counted per segment: the same backoff,
    // Retry-After cap and attempts as a whole-file answer.
    std::optional<std::chrono::milliseconds> retry_in;
    if (v.prognosis == Prognosis::retry) retry_in = host_.walk().backoff(s.attempts + 1, v.retry_after);
    if (!retry_in) rec.outcome = AttemptOutcome::failover;
    const std::size_t from = s.candidate;
    if (!seg_->failed(*index, retry_in, &err)) {
      host_.fail(ErrorCode::internal, ErrorCause::local_file, err);
      return;
    }
    if (!retry_in && in_.events.failover)
      in_.events.failover(redact_url(host_.walk().candidate(from).url), "the other segment sources", v.detail);
  }
  if (in_.events.attempt) in_.events.attempt(rec);
  // Every byte belongs to some segment from the start: all done, all written.
  const bool all_done = std::all_of(seg_->segments().begin(), seg_->segments().end(),
                                    [](const SegmentedFetch::Segment& x) { return x.done(); });
  if (all_done && !seg_->any_in_flight()) {
    all_segments_done();
    return;
  }
  host_.set_phase(seg_->any_in_flight() ? FetchPhase::transferring : FetchPhase::idle);
}

void WholeFetch::all_segments_done() {
  std::string err;
  if (!seg_->catch_up_hash(&err)) {
    host_.fail(ErrorCode::internal, ErrorCause::local_file, err);
    return;
  }
  filled_ = seg_->size();
  // The source names the first mirror and counts the others that served bytes.
  std::vector<std::size_t> seen;
  for (const auto& x : seg_->segments()) {
    for (std::size_t k = 0; k < x.served.size(); ++k) {
      const std::uint64_t until = k + 1 < x.served.size() ? x.served[k + 1].first : x.pos;
      const std::size_t c = x.served[k].second;
      if (until > x.served[k].first && std::find(seen.begin(), seen.end(), c) == seen.end()) seen.push_back(c);
    }
  }
  host_.file_result().source = redact_url(host_.walk().current().url) +
                          (seen.size() > 1 ? " (+" + std::to_string(seen.size() - 1) + " more)" : std::string());
  finished_seg_ = std::move(seg_);
  finish();
}

void WholeFetch::abandon_segments(const std::string& why) {
  // Every written span stays (the journal has it); the next candidate goes
  // on as one stream from the hashed prefix.
  std::string err;
  const bool hashed = seg_->catch_up_hash(&err);
  filled_ = hashed ? seg_->hashed() : 0;
  seg_.reset();
  segmenting_disabled_ = true;
  if (!hashed) restart();
  else resume_spans_ = journal_.filled();
  host_.failover(ErrorCause::transport, why);
}

void WholeFetch::name_bad_mirrors(const fs::path& good) {
  if (!bad_assembly_) return;
  for (const auto& [span, c] : bad_assembly_->differing(bad_file_, good))
    in_.events.warning("mirror " + redact_url(host_.walk().candidate(c).url) + " served different bytes for " +
                       span + "; its bytes were dropped");
  std::error_code ec;
  fs::remove(bad_file_, ec);
  bad_assembly_.reset();
}

}  // namespace assetfetch
