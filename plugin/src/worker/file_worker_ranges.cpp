// FileWorker: range fetches (BITS AddFileWithRanges), cut or fetched.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "worker/file_worker.h"
#include "worker/file_worker_util.h"
#include "worker/finisher.h"
#include "cache/install.h"
#include "cache/unique_fd.h"
#include "worker/local_source.h"
#include "transfer/redact.h"

namespace assetfetch {

namespace fs = std::filesystem;
using namespace worker_util;

void FileWorker::begin_ranges() {
  mode_ = Mode::ranges;
  try {
    out_fd_ = open_new_temporary(temporary_, true);
  } catch (const std::exception& e) {
    fail(ErrorCode::internal, ErrorCause::local_file, e.what());
    return;
  }
  // Back-to-back ranges with no EOF length can be placed before the remote
  // size is known; then ranges cached under their own digest need no request.
  if (spec_.layout != Layout::concatenated) return;
  for (const auto& r : spec_.ranges)
    if (r.to_eof()) return;
  std::string why;
  if (!place(std::nullopt, &why)) {
    fail(ErrorCode::internal, ErrorCause::local_file, why);
    return;
  }
  if (next_range_index() >= range_states_.size()) finish_all_ranges();
}

bool FileWorker::ranges_fit(std::uint64_t remote_size, std::string* why) const {
  std::vector<PlacedRange> placed;
  return place_ranges(spec_.ranges, remote_size, spec_.layout, &placed, why);
}

bool FileWorker::place(std::optional<std::uint64_t> remote_size, std::string* why) {
  std::vector<PlacedRange> placed;
  if (!place_ranges(spec_.ranges, remote_size.value_or(kLengthToEof), spec_.layout, &placed, why)) return false;
  range_states_.clear();
  for (const auto& p : placed) {
    RangeState rs;
    rs.placed = p;
    range_states_.push_back(std::move(rs));
  }
  range_order_.resize(range_states_.size());
  for (std::size_t i = 0; i < range_order_.size(); ++i) range_order_[i] = i;
  std::sort(range_order_.begin(), range_order_.end(), [this](std::size_t a, std::size_t b) {
    return range_states_[a].placed.offset < range_states_[b].placed.offset;
  });
  remote_size_ = remote_size;
  if (spec_.layout == Layout::sparse && ::ftruncate(out_fd_.get(), static_cast<off_t>(*remote_size)) != 0) {
    *why = "cannot size " + temporary_.string();
    return false;
  }
  // Ranges already in the cache under their own digest are copied, not
  // fetched (not the one whose request is placing the ranges right now).
  if (cache_) {
    for (std::size_t i = groups_.empty() ? 0 : 1; i < range_states_.size(); ++i) {
      const auto& d = spec_.ranges[i].digest;
      if (!d) continue;
      try {
        if (cache_->lookup(*d) != Cache::Lookup::hit) continue;
        UniqueFd in = open_regular_readonly(cache_->object_path(*d));
        copy_fd_range(in.get(), 0, out_fd_.get(), range_states_[i].placed.output_offset, range_states_[i].placed.length);
        range_states_[i].done = range_states_[i].verified = true;
      } catch (const std::exception&) {
        // not usable from the cache (unsafe entry, I/O error): fetch it
      }
    }
  }
  return true;
}
std::size_t FileWorker::next_range_index() const {
  for (std::size_t i = 0; i < range_states_.size(); ++i)
    if (!range_states_[i].done) return i;
  return range_states_.size();
}

bool FileWorker::check_range_headers(std::uint32_t id, const TransferResult& r, Refusal* refusal) {
  RangeGroup* g = find_group(id);
  if (!g) {
    *refusal = {TransferFault::released, "the ranges of this request were released"};
    return false;
  }
  if (r.status != 206) {
    *refusal = {TransferFault::range_unsupported, "the server ignored Range and answered " + std::to_string(r.status)};
    return false;
  }
  const auto& cr = r.content_range;
  if (!cr.present || !cr.total_known || cr.first != g->start) {
    *refusal = {TransferFault::range_unsupported,
                "wrong Content-Range in answer to bytes=" + std::to_string(g->start) + "-"};
    return false;
  }
  if (!ranges_placed()) {
    std::string why;
    if (!place(cr.total, &why)) {
      *refusal = {TransferFault::range_invalid, why};
      return false;
    }
    g = find_group(id);  // place() may not move groups, but be safe
    range_states_[0].in_flight = true;
    if (g->end == 0) g->end = range_states_[0].placed.offset + range_states_[0].placed.length;
  } else if (!remote_size_) {
    // Placed early (before the size was known): check the ranges fit now.
    std::string why;
    if (!ranges_fit(cr.total, &why)) {
      *refusal = {TransferFault::range_invalid, why};
      return false;
    }
    remote_size_ = cr.total;
  } else if (cr.total != *remote_size_) {
    *refusal = {TransferFault::size_mismatch, "this source reports " + std::to_string(cr.total) + " bytes, earlier " +
                                                  std::to_string(*remote_size_)};
    return false;
  }
  if (cr.last + 1 != g->end) {
    *refusal = {TransferFault::range_unsupported, "Content-Range " + std::to_string(cr.first) + "-" +
                                                      std::to_string(cr.last) + " does not match the request"};
    return false;
  }
  return true;
}
bool FileWorker::write_range(RangeGroup& g, const char* data, std::size_t n, Refusal* refusal) {
  while (n > 0) {
    if (g.cursor >= g.members.size()) {
      *refusal = {TransferFault::over_bound, "the server sent more bytes than the ranges hold"};
      return false;
    }
    const std::size_t index = g.members[g.cursor];
    RangeState& rs = range_states_[index];
    std::size_t piece = static_cast<std::size_t>(std::min<std::uint64_t>(n, rs.placed.length - rs.received));
    if (!pwrite_all(out_fd_.get(), data, piece, rs.placed.output_offset + rs.received)) {
      *refusal = {TransferFault::local_write, "writing " + temporary_.string() + ": " + std::strerror(errno)};
      return false;
    }
    if (const auto& d = spec_.ranges[index].digest) {
      if (!rs.hasher) rs.hasher.emplace(d->algorithm);
      rs.hasher->update(data, piece);
    }
    rs.received += piece;
    data += piece;
    n -= piece;
    if (rs.received == rs.placed.length) ++g.cursor;
  }
  if (events_.progress) events_.progress();
  return true;
}

FileWorker::RangeGroup* FileWorker::find_group(std::uint32_t id) {
  for (auto& g : groups_)
    if (g.id == id) return &g;
  return nullptr;
}

std::unique_ptr<Transfer> FileWorker::make_range_request() {
  RangeGroup g;
  g.id = next_group_id_++;
  g.candidate = walk_.index();
  if (!ranges_placed()) {
    // The first answer tells the remote size; only then can the rest be placed.
    if (!groups_.empty()) return nullptr;
    const ByteRange& r = spec_.ranges[0];
    g.members = {0};
    g.start = r.offset;
    g.end = r.to_eof() ? 0 : r.offset + r.length;
  } else {
    if (groups_.size() >= kParallelRanges) return nullptr;
    std::size_t k = 0;
    auto available = [this](std::size_t i) { return !range_states_[i].done && !range_states_[i].in_flight; };
    while (k < range_order_.size() && !available(range_order_[k])) ++k;
    if (k == range_order_.size()) {
      if (groups_.empty() && next_range_index() >= range_states_.size()) finish_all_ranges();
      return nullptr;
    }
    const RangeState& first = range_states_[range_order_[k]];
    g.members = {range_order_[k]};
    g.start = first.placed.offset;
    g.end = first.placed.offset + first.placed.length;
    // Coalesce ranges that continue exactly where this one ends.
    while (k + 1 < range_order_.size()) {
      const RangeState& nx = range_states_[range_order_[k + 1]];
      if (!available(range_order_[k + 1]) || nx.placed.offset != g.end ||
          g.end - g.start + nx.placed.length > kCoalesceCap)
        break;
      g.members.push_back(range_order_[k + 1]);
      g.end += nx.placed.length;
      ++k;
    }
    for (std::size_t m : g.members) {
      range_states_[m].in_flight = true;
      range_states_[m].received = 0;
      range_states_[m].hasher.reset();
    }
  }
  TransferRequest req;
  req.url = walk_.url();
  req.headers = headers_for(walk_.current(), req.url);
  req.store = store_for(walk_.current(), req.url);
  req.retry = &options_.retry;
  req.tls = &options_.tls;
  req.range = range_header(g.start, g.end ? std::optional(g.end - g.start) : std::nullopt);
  req.segment = g.id;
  const std::uint32_t id = g.id;
  groups_.push_back(std::move(g));
  phase_ = Phase::transferring;
  auto check = [this, id](const TransferResult& r, Refusal* why) { return check_range_headers(id, r, why); };
  auto sink = [this, id](const char* p, std::size_t n, Refusal* why) {
    RangeGroup* group = find_group(id);
    if (!group) *why = {TransferFault::released, "the ranges of this request were released"};
    return group && write_range(*group, p, n, why);
  };
  try {
    return std::make_unique<Transfer>(std::move(req), check, sink);
  } catch (const std::exception& e) {
    fail(ErrorCode::internal, ErrorCause::local_file, e.what());
    return nullptr;
  }
}

void FileWorker::release_group(std::uint32_t id) {
  for (auto it = groups_.begin(); it != groups_.end(); ++it) {
    if (it->id != id) continue;
    for (std::size_t m : it->members) {
      if (m >= range_states_.size()) continue;
      RangeState& rs = range_states_[m];
      rs.in_flight = false;
      if (!rs.done) {
        rs.received = 0;
        rs.hasher.reset();
      }
    }
    groups_.erase(it);
    return;
  }
}

void FileWorker::on_range_transfer_done(const TransferResult& r, const Transfer& t) {
  const auto id = static_cast<std::uint32_t>(t.request().segment);
  RangeGroup* g = find_group(id);
  if (g && g->candidate == walk_.index()) {
    if (!groups_.empty() && phase_ == Phase::transferring) phase_ = Phase::idle;
    completing_group_ = id;
    handle_result(r, t.request().url, t.request().range);
  }
  // Started on a candidate already left behind, or not finished: fetch again.
  release_group(id);
  if (phase_ == Phase::done || phase_ == Phase::failed) return;
  if (!groups_.empty()) phase_ = Phase::transferring;
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

bool FileWorker::verify_range(std::size_t index, std::string* mismatch) {
  RangeState& rs = range_states_[index];
  if (const auto& d = spec_.ranges[index].digest) {
    std::string got = rs.hasher ? rs.hasher->finish_hex() : Hasher(d->algorithm).finish_hex();
    if (got != d->hex) {
      any_mismatch_ = true;
      rs.received = 0;
      rs.hasher.reset();
      *mismatch = "range " + format_range(spec_.ranges[index]) + ": hash mismatch: expected sha256 " + d->hex +
                  ", got " + got;
      return false;
    }
    rs.verified = true;
    if (cache_) {
      // Cache the verified range under its own digest.
      try {
        fs::create_directories(cache_->tmp_dir());
        NewTemporary tmp = create_temporary_in(cache_->tmp_dir(), d->hex, ".range.tmp");
        copy_fd_range(out_fd_.get(), rs.placed.output_offset, tmp.fd.get(), 0, rs.placed.length);
        tmp.fd.reset();
        cache_->adopt(tmp.path, *d);
      } catch (const std::exception&) {
        // Caching is an optimisation; the range itself is fine.
      }
    }
  }
  rs.done = true;
  return true;
}

void FileWorker::finish_group(std::uint32_t id) {
  RangeGroup* g = find_group(id);
  if (!g) return;
  bool short_body = false;
  std::string mismatch;
  for (std::size_t m : g->members) {
    RangeState& rs = range_states_[m];
    rs.in_flight = false;
    if (rs.received != rs.placed.length) {
      short_body = true;
      continue;
    }
    std::string why;
    if (!verify_range(m, &why) && mismatch.empty()) mismatch = why;
  }
  std::size_t from = g->candidate;
  release_group(id);
  if (!mismatch.empty()) {
    failover(ErrorCause::hash_mismatch, mismatch);
    return;
  }
  if (short_body) {
    retry_or_failover("short range body", std::nullopt);
    return;
  }
  if (result_.source.empty()) result_.source = redact_url(walk_.candidate(from).url);
  if (groups_.empty() && next_range_index() >= range_states_.size()) finish_all_ranges();
}
void FileWorker::finish_all_ranges() {
  out_fd_.reset();
  bool verified = true;
  std::uint64_t total = 0;
  for (const auto& rs : range_states_) {
    verified = verified && rs.verified;
    total += rs.placed.length;
  }
  result_.verified = verified;
  result_.bytes = spec_.layout == Layout::sparse ? *remote_size_ : total;
  lock_.unlock();
  phase_ = Phase::done;
}

}  // namespace assetfetch
