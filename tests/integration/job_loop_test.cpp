// The job loop starts the next file as soon as one ends (issue 19). With one
// file stalled in flight (its socket silent for seconds), the loop has nothing
// to wake it but its own timeout; a file that ends must still hand its slot
// to the next queued file at once, not after a poll timeout (250 ms before
// this was fixed: on a real network that is a round trip or more per file).
// Nor may the stalled file hold the others back at all: over plain http,
// libcurl 7.88 kept a transfer marked PIPEWAIT waiting until the first
// connection's transfer ended, so every small file waited the whole stall.
// The gaps are measured on the server (when each answer began and ended), so
// the test sees what a user's origin sees. Before the fix: 250 ms gaps and
// all small files after the stall; after: under 50 ms, all during it.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "assetfetch/job.h"
#include "integration_util.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using namespace assetfetch;
using namespace std::chrono_literals;

FileSpec spec_for(const af_test::TestServer& s, const std::string& path, const std::string& data,
                  const fs::path& dest) {
  FileSpec spec;
  spec.name = fs::path(path).filename().string();
  spec.candidates.push_back({s.url(path), CandidateKind::origin, {}});
  spec.local_name = dest;
  spec.digest = Digest{HashAlgorithm::sha256, af_test::sha256_hex(data)};
  return spec;
}

TEST(JobLoop, AFileThatEndsStartsTheNextQueuedFileAtOnce) {
  af_test::remove_proxy_env();
  af_test::TempDir tmp{"af-jobloop"};
  af_test::TestServer server;
  // The stalled file: one byte, then nothing for 4 s, then the rest.
  const std::string stalled = af_test::random_bytes(64 * 1024, 1);
  server.add_file("/stalled.bin", stalled);
  server.set_fault("/stalled.bin", af_test::Fault{.stall_after_bytes = 1, .stall_ms = 4000});
  constexpr int kSmall = 12;
  std::vector<std::string> small;
  for (int i = 0; i < kSmall; ++i) {
    small.push_back(af_test::random_bytes(4096, 100 + i));
    server.add_file("/s" + std::to_string(i) + ".bin", small.back());
  }

  JobOptions o;
  o.cache_dir = tmp / "cache";
  o.max_parallel_files = 2;  // the stalled file in one slot, the small ones one by one in the other
  auto job = create_job("job-loop", o);
  ErrorContext err;
  ASSERT_NE(job->add_file(spec_for(server, "/stalled.bin", stalled, tmp / "out" / "stalled.bin"), &err), nullptr)
      << err.message;
  for (int i = 0; i < kSmall; ++i) {
    const std::string p = "/s" + std::to_string(i) + ".bin";
    ASSERT_NE(job->add_file(spec_for(server, p, small[static_cast<std::size_t>(i)], tmp / "out" / (p.substr(1))),
                            &err),
              nullptr)
        << err.message;
  }
  job->resume();
  ASSERT_EQ(job->wait(60s), JobState::transferred);
  ErrorContext complete_error;
  ASSERT_TRUE(job->complete(&complete_error)) << complete_error.message;
  for (int i = 0; i < kSmall; ++i)
    EXPECT_EQ(af_test::read_file(tmp / "out" / ("s" + std::to_string(i) + ".bin")), small[static_cast<std::size_t>(i)]);

  // The small files' answers, in the order they began.
  std::vector<af_test::AnswerSpan> spans;
  for (const auto& s : server.answer_spans(5s))
    if (s.path != "/stalled.bin") spans.push_back(s);
  ASSERT_EQ(spans.size(), static_cast<std::size_t>(kSmall));
  // Each small file's answer began soon after the previous one ended. The
  // bound is generous (sanitizer builds, a loaded machine); a loop that waits
  // out its 250 ms poll timeout between files exceeds it on nearly every gap.
  int slow_gaps = 0;
  std::vector<long long> gaps_ms;
  for (std::size_t i = 1; i < spans.size(); ++i) {
    const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(spans[i].start - spans[i - 1].end).count();
    gaps_ms.push_back(gap);
    if (gap >= 150) ++slow_gaps;
  }
  std::string listed;
  for (auto g : gaps_ms) listed += std::to_string(g) + " ";
  // At most one slow gap: a single scheduling hiccup of a loaded machine is
  // not the defect this test is about.
  EXPECT_LE(slow_gaps, 1) << "gaps between consecutive small files (ms): " << listed;
  // And the small files were done while the stalled one still stalled: the
  // slot did not wait for it.
  const auto all = server.answer_spans();
  const auto stalled_span = std::find_if(all.begin(), all.end(),
                                         [](const af_test::AnswerSpan& s) { return s.path == "/stalled.bin"; });
  ASSERT_NE(stalled_span, all.end());
  EXPECT_LT(spans.back().end, stalled_span->end) << "the small files waited for the stalled one; gaps (ms): " << listed;
}

}  // namespace
