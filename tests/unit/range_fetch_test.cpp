// RangeFetch without a network: placing ranges, coalescing requests, what a
// wrong answer is refused as, and verifying ranges against their digests.
#include "worker/range_fetch.h"

#include <gtest/gtest.h>

#include "byte_range_util.h"
#include "test_util.h"

namespace assetfetch {
namespace {

namespace fs = std::filesystem;

class RangeFetchTest : public ::testing::Test {
 protected:
  static ByteRange range(std::uint64_t off, std::uint64_t len, const std::string& sha = "") {
    return test::byte_range(off, len, sha);
  }
  void ranges(std::vector<ByteRange> rs) {
    spec.ranges = std::move(rs);
    spec.ranges_given = true;
  }
  static TransferResult partial(std::uint64_t first, std::uint64_t last, std::uint64_t total) {
    TransferResult r;
    r.status = 206;
    r.content_range = ContentRange{true, false, first, last, total, true};
    return r;
  }
  af_test::TempDir dir;
  fs::path out = dir.path() / "out.part";
  FileSpec spec;
  std::string remote = af_test::random_bytes(10000, 3);
};

TEST_F(RangeFetchTest, CoalescesAdjacentRangesIntoOneRequest) {
  ranges({range(100, 50), range(150, 50), range(1000, 10)});
  RangeFetch f(spec, out, nullptr);
  ASSERT_TRUE(f.placed());  // back-to-back without EOF: placed before any answer
  auto first = f.next_request(0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->start, 100u);
  EXPECT_EQ(first->end, 200u);
  auto second = f.next_request(0);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->start, 1000u);
  EXPECT_FALSE(f.next_request(0));  // everything is in flight

  Refusal why;
  ASSERT_TRUE(f.check_headers(first->id, partial(100, 199, remote.size()), &why)) << why.detail;
  ASSERT_TRUE(f.write(first->id, remote.data() + 100, 100, &why));
  auto end = f.finish(first->id);
  EXPECT_FALSE(end.short_body);
  EXPECT_TRUE(end.mismatch.empty());
  EXPECT_FALSE(f.all_done());
  ASSERT_TRUE(f.check_headers(second->id, partial(1000, 1009, remote.size()), &why));
  ASSERT_TRUE(f.write(second->id, remote.data() + 1000, 10, &why));
  f.finish(second->id);
  EXPECT_TRUE(f.all_done());
  auto totals = f.close();
  EXPECT_EQ(totals.bytes, 110u);
  EXPECT_FALSE(totals.verified);  // no range had a digest
  EXPECT_EQ(af_test::read_file(out), remote.substr(100, 100) + remote.substr(1000, 10));
}

// JobOptions::max_connections_per_file: no more requests in flight than
// max_parallel; a finished one frees its place.
TEST_F(RangeFetchTest, KeepsAtMostMaxParallelRequestsInFlight) {
  ranges({range(0, 10), range(100, 10), range(200, 10), range(300, 10), range(400, 10), range(500, 10)});
  {
    RangeFetch all(spec, dir.path() / "all.part", nullptr);
    std::size_t n = 0;
    while (all.next_request(0)) ++n;
    EXPECT_EQ(n, RangeFetch::kParallel);
  }
  RangeFetch one(spec, out, nullptr, 1);
  auto first = one.next_request(0);
  ASSERT_TRUE(first);
  EXPECT_FALSE(one.next_request(0)) << "a second request while one is in flight";
  Refusal why;
  ASSERT_TRUE(one.check_headers(first->id, partial(0, 9, remote.size()), &why)) << why.detail;
  ASSERT_TRUE(one.write(first->id, remote.data(), 10, &why));
  one.finish(first->id);
  auto second = one.next_request(0);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->start, 100u);
  EXPECT_FALSE(one.next_request(0));
}

TEST_F(RangeFetchTest, WrongAnswersAreRefusedWithTheirFault) {
  ranges({range(100, 50)});
  RangeFetch f(spec, out, nullptr);
  auto asked = f.next_request(0);
  ASSERT_TRUE(asked);
  Refusal why;
  TransferResult whole;
  whole.status = 200;
  EXPECT_FALSE(f.check_headers(asked->id, whole, &why));
  EXPECT_EQ(why.fault, TransferFault::range_unsupported);
  EXPECT_FALSE(f.check_headers(asked->id, partial(100, 149, 120), &why));  // the ranges do not fit
  EXPECT_EQ(why.fault, TransferFault::range_invalid);
  EXPECT_FALSE(f.check_headers(asked->id, partial(100, 999, remote.size()), &why));  // more than asked
  EXPECT_EQ(why.fault, TransferFault::range_unsupported);
  EXPECT_FALSE(f.check_headers(asked->id, partial(100, 149, 20000), &why));  // another size than before
  EXPECT_EQ(why.fault, TransferFault::size_mismatch);
  ASSERT_TRUE(f.check_headers(asked->id, partial(100, 149, remote.size()), &why));
  EXPECT_FALSE(f.write(asked->id, remote.data(), 60, &why));  // one byte past the range is never written
  EXPECT_EQ(why.fault, TransferFault::over_bound);
  f.release(asked->id);
  EXPECT_FALSE(f.write(asked->id, remote.data(), 1, &why));
  EXPECT_EQ(why.fault, TransferFault::released);
}

TEST_F(RangeFetchTest, ARangeToTheEndIsPlacedByTheFirstAnswer) {
  ranges({range(9000, kLengthToEof), range(0, 10)});
  RangeFetch f(spec, out, nullptr);
  EXPECT_FALSE(f.placed());
  auto first = f.next_request(0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->end, 0u);  // open-ended until the size is known
  EXPECT_FALSE(f.next_request(0));  // nothing else until then
  Refusal why;
  ASSERT_TRUE(f.check_headers(first->id, partial(9000, 9999, remote.size()), &why)) << why.detail;
  EXPECT_TRUE(f.placed());
  EXPECT_EQ(f.total(), 1010u);
}

TEST_F(RangeFetchTest, ARangeThatDoesNotMatchItsDigestIsNotDone) {
  ranges({range(0, 100, af_test::sha256_hex(remote.substr(0, 100)))});
  RangeFetch f(spec, out, nullptr);
  Refusal why;
  auto asked = f.next_request(0);
  ASSERT_TRUE(f.check_headers(asked->id, partial(0, 99, remote.size()), &why));
  ASSERT_TRUE(f.write(asked->id, std::string(100, 'x').data(), 100, &why));
  auto end = f.finish(asked->id);
  EXPECT_NE(end.mismatch.find("hash mismatch"), std::string::npos) << end.mismatch;
  EXPECT_FALSE(f.all_done());
  EXPECT_TRUE(f.filled().empty());  // its bytes were dropped

  asked = f.next_request(1);  // the next candidate asks again
  ASSERT_TRUE(asked);
  ASSERT_TRUE(f.check_headers(asked->id, partial(0, 99, remote.size()), &why));
  ASSERT_TRUE(f.write(asked->id, remote.data(), 100, &why));
  end = f.finish(asked->id);
  EXPECT_TRUE(end.mismatch.empty());
  EXPECT_EQ(end.candidate, 1u);
  EXPECT_TRUE(f.close().verified);
}

}  // namespace
}  // namespace assetfetch
