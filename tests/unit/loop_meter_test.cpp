// LoopMeter: the share of recent time a transfer loop was not waiting in
// poll, over the last half second to second; unknown before half a second.
#include <gtest/gtest.h>

#include "transfer/loop_meter.h"

namespace {

using assetfetch::LoopMeter;
using namespace std::chrono_literals;
using Clock = LoopMeter::Clock;

TEST(LoopMeter, UnknownUntilHalfASecondIsMeasured) {
  LoopMeter m;
  const Clock::time_point t0{};
  EXPECT_LT(m.busy_share(t0), 0);
  m.waited(t0, t0 + 100ms);
  EXPECT_LT(m.busy_share(t0 + 300ms), 0);
  EXPECT_GE(m.busy_share(t0 + 500ms), 0);
}

TEST(LoopMeter, ALoopThatNeverWaitsIsFullyBusy) {
  LoopMeter m;
  const Clock::time_point t0{};
  for (int i = 0; i < 100; ++i) m.waited(t0 + i * 10ms, t0 + i * 10ms);  // poll(0) returns at once
  EXPECT_DOUBLE_EQ(m.busy_share(t0 + 1000ms), 1.0);
}

TEST(LoopMeter, ALoopWaitingForASlowSocketIsMostlyIdle) {
  LoopMeter m;
  const Clock::time_point t0{};
  // 9 ms of every 10 ms in poll.
  for (int i = 0; i < 100; ++i) m.waited(t0 + i * 10ms, t0 + i * 10ms + 9ms);
  const double busy = m.busy_share(t0 + 1000ms);
  EXPECT_GT(busy, 0.05);
  EXPECT_LT(busy, 0.15);
}

TEST(LoopMeter, OnlyTheLastSecondCounts) {
  LoopMeter m;
  const Clock::time_point t0{};
  for (int i = 0; i < 200; ++i) m.waited(t0 + i * 10ms, t0 + i * 10ms + 10ms);  // 2 s of waiting
  for (int i = 200; i < 300; ++i) m.waited(t0 + i * 10ms, t0 + i * 10ms);       // then 1 s busy
  EXPECT_GT(m.busy_share(t0 + 3000ms), 0.9);
  // A long pause in measuring forgets the old buckets.
  m.waited(t0 + 9000ms, t0 + 9000ms);
  EXPECT_LT(m.busy_share(t0 + 9100ms), 0);
}

}  // namespace
