#include "transfer/loop_meter.h"

#include <algorithm>

namespace assetfetch {

void LoopMeter::roll(Clock::time_point now) {
  if (!started_) {
    started_ = true;
    bucket_start_ = now;
    return;
  }
  if (now - bucket_start_ < kBucket) return;
  // One bucket on: the current one becomes the previous. Two or more (the
  // loop was not measured for a while): what was measured is too old.
  const bool next_only = now - bucket_start_ < 2 * kBucket;
  waited_prev_ = next_only ? waited_now_ : Clock::duration{};
  have_prev_ = next_only;
  waited_now_ = {};
  bucket_start_ = next_only ? bucket_start_ + kBucket : now;
}

void LoopMeter::waited(Clock::time_point from, Clock::time_point to) {
  roll(from);
  if (to > from) waited_now_ += to - from;  // a wait across a bucket's end counts in the one it began in
  roll(to);
}

double LoopMeter::busy_share(Clock::time_point now) const {
  if (!started_) return -1;
  const Clock::duration elapsed = (now - bucket_start_) + (have_prev_ ? kBucket : Clock::duration{});
  if (elapsed < kBucket) return -1;
  const double waited = std::chrono::duration<double>(waited_now_ + (have_prev_ ? waited_prev_ : Clock::duration{})).count();
  return std::clamp(1.0 - waited / std::chrono::duration<double>(elapsed).count(), 0.0, 1.0);
}

}  // namespace assetfetch
