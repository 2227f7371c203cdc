// BufferPool: never more buffers than its count; acquire() waits for one to
// come back instead of allocating another; buffers are reused, not freed.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "worker/buffer_pool.h"

namespace {

using assetfetch::BufferPool;
using assetfetch::PoolBuffer;

TEST(BufferPool, AppendFillsUpToCapacityAndMovingKeepsTheBytes) {
  BufferPool pool(1, 8);
  PoolBuffer b = pool.acquire();
  EXPECT_EQ(b.capacity(), 8u);
  EXPECT_EQ(b.append("abcde", 5), 5u);
  EXPECT_EQ(b.append("fghij", 5), 3u) << "appended past the capacity";
  EXPECT_TRUE(b.full());
  const char* where = b.data();
  PoolBuffer moved = std::move(b);
  EXPECT_EQ(moved.data(), where) << "a move copied the bytes";
  EXPECT_EQ(std::string(moved.data(), moved.size()), "abcdefgh");
  EXPECT_FALSE(b);  // NOLINT(bugprone-use-after-move): the moved-from buffer is empty
}

TEST(BufferPool, AcquireWaitsForAReturnedBufferAndNeverAllocatesMore) {
  BufferPool pool(2, 1024);
  std::vector<PoolBuffer> out;
  out.push_back(pool.acquire());
  out.push_back(pool.acquire());
  const char* first = out[0].data();
  std::atomic<bool> got{false};
  const char* third = nullptr;
  std::thread waiter([&] {
    PoolBuffer b = pool.acquire();
    third = b.data();
    got = true;
  });
  // The waiter cannot have a buffer yet: both are out.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(got) << "acquire() handed out a third buffer of a pool of two";
  out.erase(out.begin());  // returns `first`
  waiter.join();
  EXPECT_TRUE(got);
  EXPECT_EQ(third, first) << "the waiter did not get the returned buffer";
  auto s = pool.stats();
  EXPECT_EQ(s.allocated, 2u);
  EXPECT_EQ(s.peak_in_use, 2u);
  EXPECT_EQ(s.waits, 1u);
}

TEST(BufferPool, ManyThreadsNeverHoldMoreThanTheCount) {
  constexpr std::size_t kCount = 3;
  BufferPool pool(kCount, 64);
  std::atomic<int> holding{0}, most{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        PoolBuffer b = pool.acquire();
        int now = ++holding;
        int m = most.load();
        while (now > m && !most.compare_exchange_weak(m, now)) {
        }
        std::memset(b.data(), i & 0xff, b.capacity());
        --holding;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_LE(most.load(), static_cast<int>(kCount));
  EXPECT_LE(pool.stats().allocated, kCount);
  EXPECT_LE(pool.stats().peak_in_use, kCount);
}

}  // namespace
