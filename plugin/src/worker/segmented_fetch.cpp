#include "worker/segmented_fetch.h"
#include "platform/path.h"

#include <algorithm>
#include <cstring>

#include <curl/curl.h>

namespace assetfetch {

namespace fs = std::filesystem;

int connections_for_file(int user_limit, std::size_t usable_mirrors) {
  const int automatic = usable_mirrors > 1 ? 4 : 8;
  return user_limit > 0 ? std::min(user_limit, automatic) : automatic;
}

SegmentedFetch::SegmentedFetch(const platform::File& file, fs::path part, std::uint64_t size, std::uint64_t filled, StreamHasher* hasher,
                               std::size_t primary_candidate, std::vector<std::size_t> usable, Tuning tuning,
                               const SpanSet& prefilled, FilledJournal* journal, WriteStage* stage)
    : file_(&file),
      journal_(journal),
      stage_(stage),
      part_(std::move(part)),
      size_(size),
      hasher_(hasher),
      hashed_(filled),
      usable_(std::move(usable)),
      max_connections_(std::max(1, tuning.max_connections)),
      min_split_(std::max<std::uint64_t>(tuning.min_split, 4096)),
      tuning_(tuning) {
  for (const auto& span : prefilled.spans())
    if (span.end > filled) prefilled_.add(std::max(span.start, filled), std::min(span.end, size));
  // Segment 0 is the transfer already running from `filled`: it runs to the
  // end, or to the first span an earlier run wrote.
  Segment s;
  s.id = next_id_++;
  s.start = s.pos = filled;
  s.end = size;
  for (const auto& span : prefilled_.spans())
    if (span.start >= filled) {
      s.end = span.start;
      break;
    }
  s.candidate = primary_candidate;
  start(s, Clock::now());
  s.served.emplace_back(s.start, s.candidate);
  segments_.push_back(s);
  // What an earlier run wrote: done segments (hashed from disk in turn); the
  // holes after them: segments waiting to start.
  auto add = [&](std::uint64_t from, std::uint64_t to, bool done) {
    if (from >= to) return;
    Segment x;
    x.id = next_id_++;
    x.start = from;
    x.end = to;
    x.pos = x.flushed = done ? to : from;
    x.candidate = primary_candidate;
    if (!done) x.served.emplace_back(from, x.candidate);
    segments_.push_back(x);
  };
  std::uint64_t at = s.end;
  for (const auto& span : prefilled_.spans()) {
    add(at, span.start, false);
    add(std::max(span.start, at), span.end, true);
    at = std::max(at, span.end);
  }
  add(at, size, false);
  std::sort(segments_.begin(), segments_.end(), [](const Segment& a, const Segment& b) { return a.start < b.start; });
  // Holes from a kill need their own requests anyway: no probe first.
  if (segments_.size() > 1 && !prefilled_.empty()) growth_ = Growth::settled;
}

const SegmentedFetch::Segment* SegmentedFetch::find(std::uint32_t id) const {
  auto i = index_of(id);
  return i ? &segments_[*i] : nullptr;
}

std::uint64_t SegmentedFetch::bytes_written() const {
  std::uint64_t n = 0;
  for (const auto& s : segments_) n += s.pos - s.start;
  return n;
}

bool SegmentedFetch::complete() const { return hashed_ >= size_; }

bool SegmentedFetch::any_in_flight() const {
  return std::any_of(segments_.begin(), segments_.end(), [](const Segment& s) { return s.in_flight; });
}

std::size_t SegmentedFetch::in_flight_on(std::size_t candidate) const {
  return static_cast<std::size_t>(std::count_if(segments_.begin(), segments_.end(), [&](const Segment& s) {
    return s.in_flight && s.candidate == candidate;
  }));
}

std::optional<std::size_t> SegmentedFetch::next_to_start(Clock::time_point now) {
  if (flying() >= static_cast<std::size_t>(max_connections_) || usable_.empty()) return std::nullopt;
  // First, segments waiting for a (re)start.
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    Segment& s = segments_[i];
    if (s.done() || s.in_flight || now < s.retry_at) continue;
    if (std::find(usable_.begin(), usable_.end(), s.candidate) == usable_.end()) {
      // Its candidate was dropped: the least busy usable one takes it.
      s.candidate = *std::min_element(usable_.begin(), usable_.end(), [&](std::size_t a, std::size_t b) {
        return in_flight_on(a) < in_flight_on(b);
      });
      s.served.emplace_back(s.pos, s.candidate);
    }
    start(s, now);
    return i;
  }
  return grow(now);
}

std::size_t SegmentedFetch::flying() const {
  return static_cast<std::size_t>(
      std::count_if(segments_.begin(), segments_.end(), [](const Segment& s) { return s.in_flight; }));
}

void SegmentedFetch::start(Segment& s, Clock::time_point now) {
  s.in_flight = true;
  s.flushed = s.pos;
  s.began = now;
  s.began_pos = s.pos;
  s.first_byte = {};
}

bool SegmentedFetch::write(std::size_t i, const char* data, std::size_t n, bool* segment_done, std::string* error) {
  Segment& s = segments_[i];
  *segment_done = false;
  note_bytes(s);
  std::uint64_t room = s.end > s.pos ? s.end - s.pos : 0;
  std::size_t take = n < room ? n : static_cast<std::size_t>(room);
  if (stage_ && s.pos == hashed_) {
    // In order (s.buf is empty here: hashed_ <= flushed <= pos): the stage
    // writes, journals and hashes it off this thread.
    if (auto failed = stage_->append({file_, journal_, hasher_}, s.pos, data, take)) {
      *error = "writing " + platform::utf8_of(part_) + ": " + failed->describe();
      return false;
    }
    hashed_ += take;
    s.pos += take;
    s.flushed = s.pos;  // handed over: on disk once the stage drains
    if (take < n) {
      *segment_done = true;
      return false;
    }
    return true;
  }
  // libcurl hands over 16 KiB at a time: gather up to 1 MiB per write(2).
  if (s.buf.empty()) s.buf.reserve(kWriteBuffer + CURL_MAX_WRITE_SIZE);
  s.buf.insert(s.buf.end(), data, data + take);
  // At the prefix: hash straight from the network buffer.
  if (s.pos == hashed_) {
    hasher_->update(data, take);
    hashed_ += take;
  }
  s.pos += take;
  if (s.buf.size() >= kWriteBuffer && !flush(s, error)) return false;
  advance_hash(8u << 20);
  if (take < n) {
    *segment_done = true;
    return false;
  }
  return true;
}

bool SegmentedFetch::flush(Segment& s, std::string* error) {
  if (s.buf.empty()) return true;
  const char* data = s.buf.data();
  const std::size_t n = s.buf.size();
  if (auto st = platform::write_all_at(*file_, data, n, s.flushed); !st) {
    *error = "writing " + platform::utf8_of(part_) + ": " + platform::native_error_text(st.error().native);
    return false;
  }
  if (journal_) journal_->record(s.flushed, s.flushed + n);
  s.flushed += n;
  s.buf.clear();
  return true;
}

bool SegmentedFetch::drain_stage(std::string* error) {
  if (!stage_) return true;
  auto failed = stage_->drain();
  if (failed) *error = "writing " + platform::utf8_of(part_) + ": " + failed->describe();
  return !failed;
}

bool SegmentedFetch::flush_all(std::string* error) {
  for (auto& s : segments_)
    if (!flush(s, error)) return false;
  return drain_stage(error);
}

std::optional<std::size_t> SegmentedFetch::index_of(std::uint32_t id) const {
  for (std::size_t i = 0; i < segments_.size(); ++i)
    if (segments_[i].id == id) return i;
  return std::nullopt;
}

std::optional<SegmentedFetch::Clock::time_point> SegmentedFetch::next_retry() const {
  std::optional<Clock::time_point> t;
  for (const auto& s : segments_)
    if (!s.done() && !s.in_flight && (!t || s.retry_at < *t)) t = s.retry_at;
  return t;
}

void SegmentedFetch::advance_hash(std::size_t budget) {
  for (const Segment& s : segments_) {
    if (s.end <= hashed_ || s.start > hashed_) continue;
    // `s` holds hashed_: read back what it has written (to disk) beyond it.
    // The stage may still hash in-order bytes before hashed_: it goes first.
    if (stage_ && hashed_ < s.flushed && budget > 0) stage_->drain();  // a failure is sticky: reported by the next write
    while (hashed_ < s.flushed && budget > 0) {
      std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(s.flushed - hashed_, 1u << 20));
      want = std::min(want, budget);
      std::size_t r = hasher_->update_from_file(file_->get(), hashed_, want);
      if (r == 0) return;  // retried at the next write or at catch_up_hash
      hashed_ += r;
      budget -= r;
    }
    if (hashed_ < s.end) return;  // a gap: wait for this segment
  }
}

bool SegmentedFetch::catch_up_hash(std::string* error) {
  if (!flush_all(error)) return false;
  advance_hash(SIZE_MAX);
  return true;
}

bool SegmentedFetch::finished(std::size_t i, std::string* error) {
  Segment& s = segments_[i];
  if (!flush(s, error) || !drain_stage(error)) return false;
  std::vector<char>().swap(s.buf);
  double secs = std::chrono::duration<double>(Clock::now() - s.began).count();
  if (s.in_flight && secs > 0.001 && s.pos - s.began_pos >= (64u << 10)) {
    finished_rates_.emplace_back(s.candidate, static_cast<double>(s.pos - s.began_pos) / secs);
    if (s.id == probe_id_ && growth_ == Growth::probing) probe_finished_rate_ = finished_rates_.back().second;
  }
  s.in_flight = false;
  s.attempts = 0;
  return true;
}

bool SegmentedFetch::failed(std::size_t i, std::optional<std::chrono::milliseconds> retry_in, std::string* error) {
  Segment& s = segments_[i];
  if (!flush(s, error)) return false;  // what arrived is good: the retry goes on from pos
  s.in_flight = false;
  if (retry_in) {
    ++s.attempts;
    s.retry_at = Clock::now() + *retry_in;
    return true;
  }
  std::size_t bad = s.candidate;
  std::erase(usable_, bad);
  s.attempts = 0;
  return true;
}

std::vector<std::pair<std::string, std::size_t>> SegmentedFetch::differing(const fs::path& assembled,
                                                                          const fs::path& good) const {
  std::vector<std::pair<std::string, std::size_t>> out;
  auto a = platform::open_regular(platform::utf8_of(assembled));
  auto g = platform::open_regular(platform::utf8_of(good));
  if (!a || !g) return out;
  std::vector<char> ba(1 << 20), bg(1 << 20);
  auto read_exactly = [](const platform::File& f, char* buf, std::size_t want, std::uint64_t at) {
    auto n = platform::read_at(f, buf, want, at);
    return n && n.value() == want;  // a short read ends the comparison of that span
  };
  for (const Segment& s : segments_) {
    for (std::size_t k = 0; k < s.served.size(); ++k) {
      std::uint64_t from = s.served[k].first;
      std::uint64_t to = k + 1 < s.served.size() ? s.served[k + 1].first : s.end;
      bool differ = false;
      for (std::uint64_t at = from; at < to && !differ;) {
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(to - at, ba.size()));
        if (!read_exactly(a.value(), ba.data(), want, at) || !read_exactly(g.value(), bg.data(), want, at)) break;
        differ = std::memcmp(ba.data(), bg.data(), want) != 0;
        at += want;
      }
      if (differ) out.emplace_back("bytes " + std::to_string(from) + "-" + std::to_string(to - 1), s.served[k].second);
    }
  }
  return out;
}

}  // namespace assetfetch
