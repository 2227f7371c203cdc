// How range fetches use the network: adjacent ranges share one request,
// several requests are in flight at once, and the bytes land in BITS order.
#include <gtest/gtest.h>

#include <set>

#include "assetfetch/job.h"
#include "test_server.h"
#include "test_util.h"

namespace {

using namespace assetfetch;
using af_test::TempDir;
using af_test::TestServer;

ErrorContext fetch_ranges(TestServer& server, const std::string& data, std::vector<ByteRange> ranges,
                          const std::filesystem::path& dest, const TempDir& dir) {
  JobOptions o;
  o.cache_dir = dir / "cache";
  auto job = create_job("ranges", o);
  FileSpec spec;
  spec.name = "ranged";
  spec.candidates.push_back({server.url("/f"), CandidateKind::origin, {}});
  spec.local_name = dest;
  spec.digest = Digest{HashAlgorithm::sha256, af_test::sha256_hex(data)};
  spec.ranges = std::move(ranges);
  spec.ranges_given = true;
  ErrorContext err;
  File* f = job->add_file(spec, &err);
  EXPECT_NE(f, nullptr) << err.message;
  job->resume();
  EXPECT_EQ(job->wait(std::chrono::seconds(30)), JobState::transferred) << job->error().message;
  job->complete(&err);
  return job->error();
}

TEST(RangeRequests, AdjacentRangesShareOneRequest) {
  af_test::remove_proxy_env();
  TempDir dir;
  const std::string data = af_test::random_bytes(100000, 21);
  TestServer server;
  server.add_file("/f", data);
  // The first range places the rest (its answer gives the remote size); the
  // next two touch each other and go out as one request.
  fetch_ranges(server, data, {{5000, 100, {}}, {0, 1000, {}}, {1000, 1000, {}}}, dir / "out.bin", dir);
  EXPECT_EQ(af_test::read_file(dir / "out.bin"), data.substr(5000, 100) + data.substr(0, 2000));
  std::multiset<std::string> asked;
  for (const auto& r : server.requests_for("/f")) asked.insert(r.range);
  EXPECT_EQ(asked, (std::multiset<std::string>{"bytes=5000-5099", "bytes=0-1999"}));
}

TEST(RangeRequests, ManyRangesAreCorrectInBitsOrder) {
  af_test::remove_proxy_env();
  TempDir dir;
  const std::string data = af_test::random_bytes(1 << 20, 22);
  TestServer server;
  server.add_file("/f", data);
  std::vector<ByteRange> ranges;
  std::string expected;
  // 40 ranges, in descending offset order, gaps between them.
  for (int i = 39; i >= 0; --i) {
    ranges.push_back({static_cast<std::uint64_t>(i) * 20000, 3000, {}});
    expected += data.substr(static_cast<std::size_t>(i) * 20000, 3000);
  }
  fetch_ranges(server, data, ranges, dir / "out.bin", dir);
  EXPECT_EQ(af_test::read_file(dir / "out.bin"), expected);
  EXPECT_EQ(server.requests_for("/f").size(), 40u);
}

}  // namespace
