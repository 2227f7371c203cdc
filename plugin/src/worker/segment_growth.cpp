// SegmentedFetch's growth policy (segmented_fetch.h, design goals): when
// to add a connection, which segment it takes, and how each step is
// measured. The data path (writing, journaling, hashing) is in
// segmented_fetch.cpp.
#include <algorithm>

#include "worker/segmented_fetch.h"

namespace assetfetch {

bool SegmentedFetch::local_side_limits(Clock::time_point now) const {
  if (!tuning_.loop) return false;
  // Not measured yet counts as limited: asked again at every call.
  const double busy = tuning_.loop->busy_share(now);
  return busy < 0 || busy >= tuning_.local_bound_share;
}

std::optional<std::size_t> SegmentedFetch::grow(Clock::time_point now) {
  const bool several_mirrors = usable_.size() > 1;
  switch (growth_) {
    case Growth::single: {
      const Segment* p = find(0);
      if (!p || !p->in_flight || now - p->began < tuning_.probe_after) return std::nullopt;
      const double rate = rate_of(*p, now);
      const std::uint64_t left = p->end - p->pos;
      // Worth a probe: something to gain (over a second of work left, room
      // for two pieces) and a reason to expect a gain (another mirror, or a
      // stream clearly slower than the local side). Re-checked at every call.
      if (rate <= 0 || static_cast<double>(left) < rate || left < 2 * min_split_) return std::nullopt;
      if (!several_mirrors && (rate >= tuning_.local_capacity || local_side_limits(now))) return std::nullopt;
      // The probe goes to another mirror when there is one.
      std::size_t to = p->candidate;
      for (std::size_t c : usable_)
        if (c != p->candidate) {
          to = c;
          break;
        }
      auto i = split_for(to, now);
      if (!i) return std::nullopt;
      single_rate_ = rate;
      probe_id_ = segments_[*i].id;
      begin_window(now);
      return i;
    }
    case Growth::probing: {
      const auto in_window = now - probe_started_;
      const bool early = in_window < tuning_.probe_after;
      if (early && !(steps_ == 0 && !several_mirrors && probe_keeps_pace(now))) return std::nullopt;
      // The total rate over the window since the last connections were
      // added; the first step is also judged by the requests' own rates.
      const double secs = std::chrono::duration<double>(in_window).count();
      const double window_rate = static_cast<double>(bytes_written() - window_bytes_) / secs;
      double total = window_rate;
      if (steps_ == 0) {
        total = probe_finished_rate_;
        for (const auto& s : segments_) total += rate_of(s, now);
      }
      const double linear_gain =
          static_cast<double>(window_conns_) / static_cast<double>(std::max<std::size_t>(1, prev_conns_));
      // Ended early, the probe is still in its ramp: its average understates it.
      if (early) total = std::max(total, linear_gain * single_rate_);
      if (total < 1.2 * single_rate_) {
        growth_ = Growth::settled;  // no gain: the requests finish, no more
        return std::nullopt;
      }
      ++steps_;
      growth_ = Growth::growing;
      if (!several_mirrors) {
        // It paid: double the connections (each step must gain 20% again,
        // measured over the next window), until the cap, until this side
        // limits, or until nothing is left worth splitting. A step whose
        // gain kept pace with its connections (80% of linear) shows a cap
        // per connection: straight to the cap, each window costs time.
        const bool per_connection_cap = total >= 0.8 * linear_gain * single_rate_;
        single_rate_ = window_rate;
        if (window_rate >= tuning_.local_capacity || local_side_limits(now)) {
          growth_ = Growth::settled;
          return std::nullopt;
        }
        grow_to_ = std::min<std::size_t>(per_connection_cap ? static_cast<std::size_t>(max_connections_) : 2 * flying(),
                                         static_cast<std::size_t>(max_connections_));
      }
      [[fallthrough]];
    }
    case Growth::growing: {
      // One mirror: connections are added in steps while each step pays
      // (every request costs a slow server its per-request time).
      // Several: slow-mirror stealing whenever a connection is free.
      if (!several_mirrors) {
        auto i = flying() < grow_to_ ? split_for(usable_.front(), now, true) : std::nullopt;
        if (i) {
          ++added_;
          if (flying() >= grow_to_) begin_window(now);
          return i;
        }
        // Nothing big enough left to split: measure what was added, if anything.
        if (added_ > 0) begin_window(now);
        else growth_ = Growth::settled;
        return std::nullopt;
      }
      // The fastest candidate measured so far takes the work (the least busy
      // one while nothing is measured yet).
      std::size_t thief = *std::min_element(usable_.begin(), usable_.end(), [&](std::size_t a, std::size_t b) {
        return in_flight_on(a) < in_flight_on(b);
      });
      double best = 0;
      for (std::size_t c : usable_) {
        double r = candidate_rate(c, now);
        if (r > best) {
          best = r;
          thief = c;
        }
      }
      return split_for(thief, now);
    }
    case Growth::settled:
      return std::nullopt;
  }
  return std::nullopt;
}

void SegmentedFetch::begin_window(Clock::time_point now) {
  prev_conns_ = growth_ == Growth::single ? 1 : window_conns_;
  window_conns_ = flying();
  growth_ = Growth::probing;
  probe_started_ = now;
  window_bytes_ = bytes_written();
  if (const Segment* primary = find(0)) primary_window_pos_ = primary->pos;
  added_ = 0;
}

void SegmentedFetch::note_bytes(Segment& s) {
  if (s.first_byte != Clock::time_point{} && !(s.id == 0 && growth_ == Growth::single)) return;
  const auto now = Clock::now();
  if (s.first_byte == Clock::time_point{}) {
    s.first_byte = now;
    if (s.id != 0) setup_time_ = std::max(setup_time_, now - s.began);
  }
  if (s.id != 0 || growth_ != Growth::single) return;
  // The primary's ramp, step by step, for probe_keeps_pace().
  const auto step = static_cast<std::size_t>((now - s.first_byte) / kRampStep);
  if (step >= kRampSteps) return;
  while (primary_ramp_.size() < step) primary_ramp_.push_back(primary_ramp_last_);
  primary_ramp_last_ = s.pos - s.began_pos;
}

bool SegmentedFetch::probe_keeps_pace(Clock::time_point now) const {
  const Segment* probe = find(probe_id_);
  const Segment* primary = find(0);
  if (!probe || !primary || !probe->in_flight || !primary->in_flight || probe->first_byte == Clock::time_point{})
    return false;
  const auto age = now - probe->first_byte;
  const auto step = static_cast<std::size_t>(age / kRampStep);
  if (age < kRampMinAge || step >= primary_ramp_.size()) return false;
  const double probe_bytes = static_cast<double>(probe->pos - probe->began_pos);
  // The primary's rate since the probe started: a shared bottleneck would
  // slow it down as the probe ramps.
  const double secs = std::chrono::duration<double>(now - probe_started_).count();
  const double primary_rate = static_cast<double>(primary->pos - primary_window_pos_) / secs;
  return probe_bytes >= 0.8 * static_cast<double>(primary_ramp_[step]) && primary_rate >= 0.8 * single_rate_;
}

double SegmentedFetch::rate_of(const Segment& s, Clock::time_point now) const {
  double secs = std::chrono::duration<double>(now - s.began).count();
  if (!s.in_flight || secs < 0.2) return 0;
  return static_cast<double>(s.pos - s.began_pos) / secs;
}

double SegmentedFetch::candidate_rate(std::size_t candidate, Clock::time_point now) const {
  double best = 0;
  for (const auto& s : segments_)
    if (s.candidate == candidate) best = std::max(best, rate_of(s, now));
  for (const auto& [c, r] : finished_rates_)
    if (c == candidate) best = std::max(best, r);
  return best;
}

std::optional<std::size_t> SegmentedFetch::split_for(std::size_t candidate, Clock::time_point now, bool by_remainder) {
  // The victim is the segment expected to finish last: the largest remainder
  // over its measured rate (the largest remainder while nothing is measured).
  // Measured segments rank before unmeasured ones (those just started).
  // `by_remainder`: the largest remainder (one mirror, connections alike:
  // several added at once split the new pieces too, into even ones).
  std::size_t victim = segments_.size();
  bool victim_measured = false;
  double key = -1;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const Segment& s = segments_[i];
    if (!s.in_flight || s.done()) continue;
    const double r = by_remainder ? 0 : rate_of(s, now);
    const bool measured = r > 0;
    const double k = measured ? static_cast<double>(s.end - s.pos) / r : static_cast<double>(s.end - s.pos);
    if (victim == segments_.size() || (measured && !victim_measured) || (measured == victim_measured && k > key)) {
      victim = i;
      key = k;
      victim_measured = measured;
    }
  }
  if (victim == segments_.size()) return std::nullopt;
  Segment& v = segments_[victim];
  const std::uint64_t most = v.end - v.pos;
  if (most < 2 * min_split_) return std::nullopt;
  const double victim_rate = rate_of(v, now);
  // A new connection pays only when the victim has more left than twice
  // what one took to its first byte (TCP, TLS, the request: three round
  // trips), or the piece would arrive no sooner.
  if (victim_rate > 0 && static_cast<double>(most) / victim_rate < 2 * std::chrono::duration<double>(setup_time_).count())
    return std::nullopt;
  const double thief_rate = candidate_rate(candidate, now);
  std::uint64_t mid = v.pos + most / 2;
  // A victim four times slower than the thief hands over everything it has
  // not written yet: it would otherwise hold the hashed prefix back.
  if (victim_rate > 0 && thief_rate >= 4 * victim_rate && v.candidate != candidate) mid = v.pos;
  else mid -= mid % 4096;  // page-aligned pieces
  Segment s;
  s.id = next_id_++;
  s.start = s.pos = mid;
  s.end = v.end;
  s.candidate = candidate;
  start(s, now);
  s.served.emplace_back(mid, candidate);
  v.end = mid;  // the victim's transfer stops there by itself
  auto at = segments_.insert(segments_.begin() + static_cast<std::ptrdiff_t>(victim) + 1, s);
  return static_cast<std::size_t>(at - segments_.begin());
}

}  // namespace assetfetch
