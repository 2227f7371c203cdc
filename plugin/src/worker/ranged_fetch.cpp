#include "worker/ranged_fetch.h"

#include "transfer/redact.h"
#include "worker/local_source.h"
#include "worker/requests.h"
#include "worker/whole_fetch.h"
#include "platform/path.h"

namespace assetfetch {

namespace fs = std::filesystem;

RangedFetch::RangedFetch(FetchHost& host) : host_(host), in_(host.inputs()) {
  try {
    const int limit = in_.options.max_connections_per_file;
    ranges_ = std::make_unique<RangeFetch>(in_.spec, in_.temporary, in_.cache,
                                           limit > 0 ? static_cast<std::size_t>(limit) : RangeFetch::kParallel);
  } catch (const std::exception& e) {
    host_.fail(ErrorCode::internal, ErrorCause::local_file, e.what());
    return;
  }
  if (ranges_->placed() && ranges_->all_done()) finish_all();
}

std::optional<std::unique_ptr<Transfer>> RangedFetch::next_in_flight(Clock::time_point now) {
  if (host_.phase() != FetchPhase::transferring) return std::nullopt;
  // More requests while some are in flight, on the current candidate; a
  // local candidate runs once the requests are in.
  const CandidateWalk& walk = host_.walk();
  if (!ranges_ || !ranges_->placed() || now < host_.wake_at() || walk.exhausted()) return nullptr;
  if (url_scheme(walk.url()) == "file") return nullptr;
  return next_request();
}

std::unique_ptr<Transfer> RangedFetch::next_request() {
  const CandidateWalk& walk = host_.walk();
  auto asked = ranges_->next_request(walk.index());
  if (!asked) {
    if (ranges_->placed() && !ranges_->in_flight() && ranges_->all_done()) finish_all();
    return nullptr;
  }
  TransferRequest req = request_to(
      walk, in_.options, walk.index(),
      range_header(asked->start, asked->end ? std::optional(asked->end - asked->start) : std::nullopt), asked->id);
  const std::uint32_t id = asked->id;
  host_.set_phase(FetchPhase::transferring);
  // The whole-file fallback may take over while this is in flight.
  auto check = [this, id](const TransferResult& r, Refusal* why) {
    if (ranges_) return ranges_->check_headers(id, r, why);
    *why = {TransferFault::released, "no longer fetching ranges"};
    return false;
  };
  auto sink = [this, id](const char* p, std::size_t n, Refusal* why) {
    if (!ranges_) *why = {TransferFault::released, "no longer fetching ranges"};
    if (!ranges_ || !ranges_->write(id, p, n, why)) return false;
    if (in_.events.progress) in_.events.progress();
    return true;
  };
  try {
    return std::make_unique<Transfer>(std::move(req), check, sink);
  } catch (const std::exception& e) {
    ranges_->release(id);
    host_.fail(ErrorCode::internal, ErrorCause::local_file, e.what());
    return nullptr;
  }
}

void RangedFetch::on_transfer_done(const TransferResult& r, const Transfer& t) {
  const auto id = static_cast<std::uint32_t>(t.request().segment);
  if (ranges_ && ranges_->candidate_of(id) == host_.walk().index()) {
    if (host_.phase() == FetchPhase::transferring) host_.set_phase(FetchPhase::idle);
    completing_group_ = id;
    host_.answer(r, t.request().url, t.request().range);
  }
  // Started on a candidate already left behind, or not finished: fetch again.
  if (ranges_) ranges_->release(id);
  const FetchPhase phase = host_.phase();
  if (phase == FetchPhase::done || phase == FetchPhase::failed) return;
  if (ranges_ && ranges_->in_flight()) host_.set_phase(FetchPhase::transferring);
  else if (phase == FetchPhase::transferring) host_.set_phase(FetchPhase::idle);
}

void RangedFetch::refine(const TransferResult& r, Verdict& v) {
  // A 416 for a range past the file's end is the caller's mistake (exit 2),
  // not a bad source.
  std::string why;
  if (r.status == 416 && v.prognosis == Prognosis::failover && r.content_range.unsatisfied && ranges_ &&
      !ranges_->fits(r.content_range.total, &why)) {
    v.prognosis = Prognosis::fail;
    v.code = ErrorCode::bad_input;
    v.cause = ErrorCause::range_invalid;
    v.detail = why;
  }
}

void RangedFetch::on_answer_done() { finish_group(completing_group_); }

void RangedFetch::on_failover(const Verdict& v) {
  if (v.cause == ErrorCause::range_unsupported) any_range_unsupported_ = true;
}

std::unique_ptr<FetchStrategy> RangedFetch::fallback() {
  if (!any_range_unsupported_) return nullptr;
  // No candidate honours Range: fetch the whole file and cut (DESIGN.md).
  in_.events.warning("no source supports byte ranges; fetching the whole file and cutting the ranges from it");
  ranges_.reset();
  return std::make_unique<WholeFetch>(host_);
}

void RangedFetch::read_local(const fs::path& source) {
  std::string why;
  const bool ok = read_local_ranges(source, &why);
  const FetchPhase phase = host_.phase();
  if (phase == FetchPhase::failed || phase == FetchPhase::done) return;
  if (!ok) host_.failover(ErrorCause::local_file, why);
}

bool RangedFetch::read_local_ranges(const fs::path& source, std::string* why) {
  std::error_code ec;
  auto size = fs::file_size(source, ec);
  if (ec) {
    *why = "cannot read " + platform::utf8_of(source) + ": " + ec.message();
    return false;
  }
  // Ranges placed without a size (no EOF length) may still lie past this
  // file's end: that is the caller's mistake (exit 2), not a bad source.
  std::string err;
  if (!(ranges_->placed() ? ranges_->fits(size, &err) : ranges_->place(size, &err))) {
    host_.fail(ErrorCode::bad_input, ErrorCause::range_invalid, err);
    return true;
  }
  const CandidateWalk& walk = host_.walk();
  for (std::size_t i = 0; i < ranges_->size(); ++i) {
    if (ranges_->done(i)) continue;
    const RangeFetch::Request asked = ranges_->local_request(i, walk.index());
    Refusal refusal;
    LocalRead lr = read_local_range(source, asked.start, asked.end - asked.start, [&](const char* p, std::size_t n) {
      return ranges_->write(asked.id, p, n, &refusal);
    });
    if (!lr.ok) {
      ranges_->release(asked.id);
      *why = refusal.detail.empty() ? lr.error : refusal.detail;
      return false;
    }
    RangeFetch::GroupEnd end = ranges_->finish(asked.id);
    if (!end.mismatch.empty()) {
      host_.note_mismatch();
      host_.failover(ErrorCause::hash_mismatch, end.mismatch);
      return true;
    }
    if (host_.file_result().source.empty()) host_.file_result().source = redact_url(walk.current().url);
  }
  finish_all();
  return true;
}

void RangedFetch::finish_group(std::uint32_t id) {
  RangeFetch::GroupEnd end = ranges_->finish(id);
  if (!end.mismatch.empty()) {
    host_.note_mismatch();
    host_.failover(ErrorCause::hash_mismatch, end.mismatch);
    return;
  }
  if (end.short_body) {
    host_.retry_or_failover("short range body", std::nullopt);
    return;
  }
  if (host_.file_result().source.empty()) host_.file_result().source = redact_url(host_.walk().candidate(end.candidate).url);
  if (!ranges_->in_flight() && ranges_->all_done()) finish_all();
}

void RangedFetch::finish_all() {
  RangeFetch::Totals totals = ranges_->close();
  host_.file_result().verified = totals.verified;
  host_.file_result().bytes = totals.bytes;
  host_.release_object_lock();
  host_.done();
}

void RangedFetch::close_failed() {
  if (ranges_) ranges_->close();  // stragglers' writes now fail; the state stays for the getters
}

void RangedFetch::drop_temporaries(bool) {
  if (ranges_) ranges_->close();
}

std::uint64_t RangedFetch::bytes_transferred() const {
  if (ranges_ && ranges_->placed()) return ranges_->received();
  if (host_.phase() == FetchPhase::done) return host_.file_result().bytes;
  return 0;
}

std::optional<std::uint64_t> RangedFetch::bytes_total() const {
  if (!ranges_ || !ranges_->placed()) return std::nullopt;
  return ranges_->total();
}

std::vector<ByteRange> RangedFetch::filled_ranges() const { return ranges_ ? ranges_->filled() : std::vector<ByteRange>{}; }

}  // namespace assetfetch
