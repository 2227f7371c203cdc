// FileWorker: range fetches (BITS AddFileWithRanges), fetched through a
// RangeFetch (range_fetch.h) or cut from the whole file (finisher.h).
#include <algorithm>

#include "worker/file_worker.h"
#include "worker/file_worker_util.h"
#include "worker/finisher.h"
#include "transfer/redact.h"

namespace assetfetch {

namespace fs = std::filesystem;
using namespace worker_util;

void FileWorker::begin_ranges() {
  mode_ = Mode::ranges;
  try {
    const int limit = options_.max_connections_per_file;
    ranges_ = std::make_unique<RangeFetch>(spec_, temporary_, cache_,
                                           limit > 0 ? static_cast<std::size_t>(limit) : RangeFetch::kParallel);
  } catch (const std::exception& e) {
    fail(ErrorCode::internal, ErrorCause::local_file, e.what());
    return;
  }
  if (ranges_->placed() && ranges_->all_done()) finish_all_ranges();
}

std::unique_ptr<Transfer> FileWorker::make_range_request() {
  auto asked = ranges_->next_request(walk_.index());
  if (!asked) {
    if (ranges_->placed() && !ranges_->in_flight() && ranges_->all_done()) finish_all_ranges();
    return nullptr;
  }
  TransferRequest req = request_to(
      walk_.index(), range_header(asked->start, asked->end ? std::optional(asked->end - asked->start) : std::nullopt),
      asked->id);
  const std::uint32_t id = asked->id;
  phase_ = Phase::transferring;
  // The whole-file fallback may replace the RangeFetch while this is in flight.
  auto check = [this, id](const TransferResult& r, Refusal* why) {
    if (ranges_) return ranges_->check_headers(id, r, why);
    *why = {TransferFault::released, "no longer fetching ranges"};
    return false;
  };
  auto sink = [this, id](const char* p, std::size_t n, Refusal* why) {
    if (!ranges_) *why = {TransferFault::released, "no longer fetching ranges"};
    if (!ranges_ || !ranges_->write(id, p, n, why)) return false;
    if (events_.progress) events_.progress();
    return true;
  };
  try {
    return std::make_unique<Transfer>(std::move(req), check, sink);
  } catch (const std::exception& e) {
    ranges_->release(id);
    fail(ErrorCode::internal, ErrorCause::local_file, e.what());
    return nullptr;
  }
}

void FileWorker::on_range_transfer_done(const TransferResult& r, const Transfer& t) {
  const auto id = static_cast<std::uint32_t>(t.request().segment);
  if (ranges_ && ranges_->candidate_of(id) == walk_.index()) {
    if (phase_ == Phase::transferring) phase_ = Phase::idle;
    completing_group_ = id;
    handle_result(r, t.request().url, t.request().range);
  }
  // Started on a candidate already left behind, or not finished: fetch again.
  if (ranges_) ranges_->release(id);
  if (phase_ == Phase::done || phase_ == Phase::failed) return;
  if (ranges_ && ranges_->in_flight()) phase_ = Phase::transferring;
  else if (phase_ == Phase::transferring) phase_ = Phase::idle;
}

void FileWorker::cut_ranges_from(const fs::path& whole, bool verified) {
  try {
    auto cut = cut_ranges(spec_, whole, temporary_);
    if (auto* failure = std::get_if<Failure>(&cut)) {
      if (failure->cause == ErrorCause::hash_mismatch) any_mismatch_ = true;
      fail(failure->code, failure->cause, failure->message);
      return;
    }
    result_.verified = verified;
    result_.bytes = std::get<std::uint64_t>(cut);
    phase_ = Phase::done;
  } catch (const std::exception& e) {
    fail(ErrorCode::internal, ErrorCause::local_file, e.what());
  }
}

void FileWorker::finish_group(std::uint32_t id) {
  RangeFetch::GroupEnd end = ranges_->finish(id);
  if (!end.mismatch.empty()) {
    any_mismatch_ = true;
    failover(ErrorCause::hash_mismatch, end.mismatch);
    return;
  }
  if (end.short_body) {
    retry_or_failover("short range body", std::nullopt);
    return;
  }
  if (result_.source.empty()) result_.source = redact_url(walk_.candidate(end.candidate).url);
  if (!ranges_->in_flight() && ranges_->all_done()) finish_all_ranges();
}

void FileWorker::finish_all_ranges() {
  RangeFetch::Totals totals = ranges_->close();
  result_.verified = totals.verified;
  result_.bytes = totals.bytes;
  lock_.unlock();
  phase_ = Phase::done;
}

}  // namespace assetfetch
