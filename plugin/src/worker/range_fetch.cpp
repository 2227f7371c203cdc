#include "worker/range_fetch.h"


#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "cache/install.h"
#include "platform/path.h"

namespace assetfetch {

namespace fs = std::filesystem;

RangeFetch::RangeFetch(const FileSpec& spec, fs::path temporary, Cache* cache, std::size_t max_parallel)
    : spec_(spec),
      temporary_(std::move(temporary)),
      cache_(cache),
      out_(open_new_temporary(temporary_, true)),
      max_parallel_(std::clamp<std::size_t>(max_parallel, 1, kParallel)) {
  // Back-to-back ranges with no EOF length can be placed before the remote
  // size is known; then ranges cached under their own digest need no request.
  if (spec_.layout != Layout::concatenated) return;
  for (const auto& r : spec_.ranges)
    if (r.to_eof()) return;
  std::string why;
  if (!place(std::nullopt, &why)) throw std::runtime_error(why);
}

bool RangeFetch::fits(std::uint64_t remote_size, std::string* why) const {
  std::vector<PlacedRange> placed;
  return place_ranges(spec_.ranges, remote_size, spec_.layout, &placed, why);
}

bool RangeFetch::place(std::optional<std::uint64_t> remote_size, std::string* why) {
  std::vector<PlacedRange> placed;
  if (!place_ranges(spec_.ranges, remote_size.value_or(kLengthToEof), spec_.layout, &placed, why)) return false;
  states_.clear();
  for (const auto& p : placed) {
    RangeState rs;
    rs.placed = p;
    states_.push_back(std::move(rs));
  }
  order_.resize(states_.size());
  for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = i;
  std::sort(order_.begin(), order_.end(),
            [this](std::size_t a, std::size_t b) { return states_[a].placed.offset < states_[b].placed.offset; });
  remote_size_ = remote_size;
  if (spec_.layout == Layout::sparse && !platform::truncate(out_, *remote_size)) {
    *why = "cannot size " + platform::utf8_of(temporary_);
    return false;
  }
  // Ranges already in the cache under their own digest are copied, not
  // fetched (not the one whose request is placing the ranges right now).
  if (cache_) {
    for (std::size_t i = groups_.empty() ? 0 : 1; i < states_.size(); ++i) {
      const auto& d = spec_.ranges[i].digest;
      if (!d) continue;
      try {
        if (cache_->lookup(*d) != Cache::Lookup::hit) continue;
        UniqueFd in = open_regular_readonly(cache_->object_path(*d));
        copy_fd_range(in.get(), 0, out_.get(), states_[i].placed.output_offset, states_[i].placed.length);
        states_[i].done = states_[i].verified = true;
      } catch (const std::exception&) {
        // not usable from the cache (unsafe entry, I/O error): fetch it
      }
    }
  }
  return true;
}

std::size_t RangeFetch::next_undone() const {
  for (std::size_t i = 0; i < states_.size(); ++i)
    if (!states_[i].done) return i;
  return states_.size();
}

RangeFetch::Group* RangeFetch::find(std::uint32_t id) {
  for (auto& g : groups_)
    if (g.request.id == id) return &g;
  return nullptr;
}

std::optional<RangeFetch::Request> RangeFetch::next_request(std::size_t candidate) {
  Group g;
  g.request.id = next_id_++;
  g.candidate = candidate;
  if (!placed()) {
    // The first answer tells the remote size; only then can the rest be placed.
    if (!groups_.empty()) return std::nullopt;
    const ByteRange& r = spec_.ranges[0];
    g.members = {0};
    g.request.start = r.offset;
    g.request.end = r.to_eof() ? 0 : r.offset + r.length;
  } else {
    if (groups_.size() >= max_parallel_) return std::nullopt;
    std::size_t k = 0;
    auto available = [this](std::size_t i) { return !states_[i].done && !states_[i].in_flight; };
    while (k < order_.size() && !available(order_[k])) ++k;
    if (k == order_.size()) return std::nullopt;
    const RangeState& first = states_[order_[k]];
    g.members = {order_[k]};
    g.request.start = first.placed.offset;
    g.request.end = first.placed.offset + first.placed.length;
    // Coalesce ranges that continue exactly where this one ends.
    while (k + 1 < order_.size()) {
      const RangeState& nx = states_[order_[k + 1]];
      if (!available(order_[k + 1]) || nx.placed.offset != g.request.end ||
          g.request.end - g.request.start + nx.placed.length > kCoalesceCap)
        break;
      g.members.push_back(order_[k + 1]);
      g.request.end += nx.placed.length;
      ++k;
    }
    for (std::size_t m : g.members) {
      states_[m].in_flight = true;
      states_[m].received = 0;
      states_[m].hasher.reset();
    }
  }
  groups_.push_back(g);
  return g.request;
}

RangeFetch::Request RangeFetch::local_request(std::size_t index, std::size_t candidate) {
  Group g;
  g.request.id = next_id_++;
  g.request.start = states_[index].placed.offset;
  g.request.end = g.request.start + states_[index].placed.length;
  g.members = {index};
  g.candidate = candidate;
  states_[index].in_flight = true;
  states_[index].received = 0;
  states_[index].hasher.reset();
  groups_.push_back(g);
  return g.request;
}

bool RangeFetch::check_headers(std::uint32_t id, const TransferResult& r, Refusal* refusal) {
  Group* g = find(id);
  if (!g) {
    *refusal = {TransferFault::released, "the ranges of this request were released"};
    return false;
  }
  if (r.status != 206) {
    *refusal = {TransferFault::range_unsupported, "the server ignored Range and answered " + std::to_string(r.status)};
    return false;
  }
  const auto& cr = r.content_range;
  if (!cr.present || !cr.total_known || cr.first != g->request.start) {
    *refusal = {TransferFault::range_unsupported,
                "wrong Content-Range in answer to bytes=" + std::to_string(g->request.start) + "-"};
    return false;
  }
  std::string why;
  if (!placed()) {
    if (!place(cr.total, &why)) {
      *refusal = {TransferFault::range_invalid, why};
      return false;
    }
    states_[0].in_flight = true;
    if (g->request.end == 0) g->request.end = states_[0].placed.offset + states_[0].placed.length;
  } else if (!remote_size_) {
    // Placed early (before the size was known): check the ranges fit now.
    if (!fits(cr.total, &why)) {
      *refusal = {TransferFault::range_invalid, why};
      return false;
    }
    remote_size_ = cr.total;
  } else if (cr.total != *remote_size_) {
    *refusal = {TransferFault::size_mismatch, "this source reports " + std::to_string(cr.total) + " bytes, earlier " +
                                                  std::to_string(*remote_size_)};
    return false;
  }
  if (cr.last + 1 != g->request.end) {
    *refusal = {TransferFault::range_unsupported, "Content-Range " + std::to_string(cr.first) + "-" +
                                                      std::to_string(cr.last) + " does not match the request"};
    return false;
  }
  return true;
}

bool RangeFetch::write(std::uint32_t id, const char* data, std::size_t n, Refusal* refusal) {
  Group* g = find(id);
  if (!g) {
    *refusal = {TransferFault::released, "the ranges of this request were released"};
    return false;
  }
  while (n > 0) {
    if (g->cursor >= g->members.size()) {
      *refusal = {TransferFault::over_bound, "the server sent more bytes than the ranges hold"};
      return false;
    }
    const std::size_t index = g->members[g->cursor];
    RangeState& rs = states_[index];
    std::size_t piece = static_cast<std::size_t>(std::min<std::uint64_t>(n, rs.placed.length - rs.received));
    if (auto st = platform::write_all_at(out_, data, piece, rs.placed.output_offset + rs.received); !st) {
      *refusal = {TransferFault::local_write,
                  "writing " + platform::utf8_of(temporary_) + ": " + platform::native_error_text(st.error().native)};
      return false;
    }
    if (const auto& d = spec_.ranges[index].digest) {
      if (!rs.hasher) rs.hasher.emplace(d->algorithm);
      rs.hasher->update(data, piece);
    }
    rs.received += piece;
    data += piece;
    n -= piece;
    if (rs.received == rs.placed.length) ++g->cursor;
  }
  return true;
}

std::optional<std::size_t> RangeFetch::candidate_of(std::uint32_t id) const {
  for (const auto& g : groups_)
    if (g.request.id == id) return g.candidate;
  return std::nullopt;
}

bool RangeFetch::verify(std::size_t index, std::string* mismatch) {
  RangeState& rs = states_[index];
  if (const auto& d = spec_.ranges[index].digest) {
    std::string got = rs.hasher ? rs.hasher->finish_hex() : Hasher(d->algorithm).finish_hex();
    if (got != d->hex) {
      rs.received = 0;
      rs.hasher.reset();
      *mismatch = "range " + format_range(spec_.ranges[index]) + ": hash mismatch: expected sha256 " + d->hex +
                  ", got " + got;
      return false;
    }
    rs.verified = true;
    cache_range(index, *d);
  }
  rs.done = true;
  return true;
}

void RangeFetch::cache_range(std::size_t index, const Digest& digest) {
  if (!cache_) return;
  // Cache the verified range under its own digest.
  try {
    fs::create_directories(cache_->tmp_dir());
    NewTemporary tmp = create_temporary_in(cache_->tmp_dir(), digest.hex, ".range.tmp");
    copy_fd_range(out_.get(), states_[index].placed.output_offset, tmp.fd.get(), 0, states_[index].placed.length);
    tmp.fd.reset();
    cache_->adopt(tmp.path, digest);
  } catch (const std::exception&) {
    // Caching is an optimisation; the range itself is fine.
  }
}

RangeFetch::GroupEnd RangeFetch::finish(std::uint32_t id) {
  GroupEnd end;
  Group* g = find(id);
  if (!g) return end;
  end.candidate = g->candidate;
  for (std::size_t m : g->members) {
    RangeState& rs = states_[m];
    rs.in_flight = false;
    if (rs.received != rs.placed.length) {
      end.short_body = true;
      continue;
    }
    std::string why;
    if (!verify(m, &why) && end.mismatch.empty()) end.mismatch = why;
  }
  release(id);
  return end;
}

void RangeFetch::release(std::uint32_t id) {
  for (auto it = groups_.begin(); it != groups_.end(); ++it) {
    if (it->request.id != id) continue;
    for (std::size_t m : it->members) {
      if (m >= states_.size()) continue;
      RangeState& rs = states_[m];
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

RangeFetch::Totals RangeFetch::close() {
  out_.reset();
  Totals t;
  for (const auto& rs : states_) {
    t.verified = t.verified && rs.verified;
    t.bytes += rs.placed.length;
  }
  if (spec_.layout == Layout::sparse && remote_size_) t.bytes = *remote_size_;
  return t;
}

std::uint64_t RangeFetch::received() const {
  std::uint64_t n = 0;
  for (const auto& r : states_) n += r.done ? r.placed.length : r.received;
  return n;
}

std::uint64_t RangeFetch::total() const {
  std::uint64_t n = 0;
  for (const auto& r : states_) n += r.placed.length;
  return n;
}

std::vector<ByteRange> RangeFetch::filled() const {
  std::vector<ByteRange> out;
  for (const auto& r : states_) {
    if (r.done) out.push_back({r.placed.offset, r.placed.length, std::nullopt});
    else if (r.received > 0) out.push_back({r.placed.offset, r.received, std::nullopt});
  }
  return out;
}

}  // namespace assetfetch
