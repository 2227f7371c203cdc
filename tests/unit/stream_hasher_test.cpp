// StreamHasher hashes on a second thread past its first few MiB: it must
// give exactly what a one-shot Hasher gives, for any chunking and after reset.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>

#include "verify/hasher.h"
#include "verify/stream_hasher.h"

namespace {

using assetfetch::HashAlgorithm;
using assetfetch::Hasher;
using assetfetch::StreamHasher;

std::string bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string one_shot(const std::string& data, HashAlgorithm a) {
  Hasher h(a);
  h.update(data.data(), data.size());
  return h.finish_hex();
}

TEST(StreamHasher, MatchesOneShotAcrossTheInlineLimit) {
  const std::size_t sizes[] = {0, 1, StreamHasher::kSyncBytes - 1, StreamHasher::kSyncBytes,
                               StreamHasher::kSyncBytes + 1, 21u << 20};
  for (std::size_t n : sizes) {
    for (HashAlgorithm a : {HashAlgorithm::sha256, HashAlgorithm::sha512}) {
      const std::string data = bytes(n, static_cast<unsigned>(n));
      StreamHasher s(a);
      // Uneven chunks, like a network delivers them.
      std::size_t at = 0, chunk = 7;
      while (at < n) {
        std::size_t take = std::min(chunk, n - at);
        s.update(data.data() + at, take);
        at += take;
        chunk = chunk * 3 % 70001 + 1;
      }
      EXPECT_EQ(s.finish_hex(), one_shot(data, a)) << "size " << n;
    }
  }
}

TEST(StreamHasher, ResetDropsEverythingFedSoFar) {
  const std::string junk = bytes(9u << 20, 1), data = bytes(6u << 20, 2);
  StreamHasher s(HashAlgorithm::sha256);
  s.update(junk.data(), junk.size());
  s.reset();
  s.update(data.data(), data.size());
  EXPECT_EQ(s.finish_hex(), one_shot(data, HashAlgorithm::sha256));
  // finish_hex also resets: the hasher is reusable.
  s.update(data.data(), data.size());
  EXPECT_EQ(s.finish_hex(), one_shot(data, HashAlgorithm::sha256));
}

}  // namespace

TEST(StreamHasher, UpdateHereComesAfterWhatTheThreadStillHas) {
  // Past kSyncBytes the thread has blocks queued: bytes hashed "here" must
  // still land after them.
  const std::string head = bytes(StreamHasher::kSyncBytes + (3u << 20) + 5, 3), tail = bytes(2u << 20, 4);
  StreamHasher s(HashAlgorithm::sha256);
  s.update(head.data(), head.size());
  std::thread other([&] { s.update_here(tail.data(), tail.size()); });  // as a WriteStage thread would
  other.join();
  EXPECT_EQ(s.finish_hex(), one_shot(head + tail, HashAlgorithm::sha256));
}
