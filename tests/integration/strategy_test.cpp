// The fetch strategies (worker/fetch_strategy.h) on their own: WholeFetch and
// RangedFetch driven by a recording host instead of FileWorker, their
// requests performed one at a time against the in-process TestServer. Each
// test asserts what reached the disk, what the server was asked and which
// host call the strategy made (done, failover, fail, the verdict it refined).
#include <gtest/gtest.h>

#include "base/digest.h"
#include "test_server.h"
#include "test_util.h"
#include "transfer/curl_api.h"
#include "worker/ranged_fetch.h"
#include "worker/whole_fetch.h"

namespace assetfetch {
namespace {

namespace fs = std::filesystem;

// A FetchHost that applies verdicts the simplest way and records them.
class RecordingHost final : public FetchHost {
 public:
  RecordingHost(FileSpec spec, fs::path temporary)
      : spec_(std::move(spec)),
        temporary_(std::move(temporary)),
        inputs_{spec_, options_, nullptr, events_, temporary_, nullptr},
        walk_(spec_.candidates, options_.retry, options_.offline) {
    events_.warning = [this](const std::string& m) { warnings.push_back(m); };
  }

  // Runs the strategy's next request to its end, as the job loop would.
  bool perform_next() {
    auto t = strategy->next_request();
    if (!t) return false;
    const CURLcode code = curl_api().easy_perform(t->handle());
    TransferResult r = t->finish(code);
    strategy->on_transfer_done(r, *t);
    return true;
  }

  const FetchInputs& inputs() const override { return inputs_; }
  CandidateWalk& walk() override { return walk_; }
  FileResult& file_result() override { return result; }
  FetchPhase phase() const override { return phase_; }
  void set_phase(FetchPhase p) override { phase_ = p; }
  void wait_until(Clock::time_point when) override {
    phase_ = FetchPhase::waiting;
    wake_ = when;
  }
  Clock::time_point wake_at() const override { return wake_; }
  std::string asset_label() const override { return "asset"; }
  void answer(const TransferResult& r, const std::string&, const std::string&) override {
    Verdict v = classify(r);
    strategy->refine(r, v);
    verdicts.push_back(v);
    if (v.prognosis == Prognosis::done) strategy->on_answer_done();
    else if (v.prognosis == Prognosis::restart) strategy->restart();
    else if (v.prognosis == Prognosis::failover) {
      strategy->on_failover(v);
      failover(v.cause, v.detail, v.http_status);
    } else if (v.prognosis == Prognosis::fail) {
      fail(v.code, v.cause, v.detail, v.http_status);
    }
  }
  void retry_or_failover(const std::string& reason, std::optional<std::chrono::seconds>) override {
    retries.push_back(reason);
  }
  void failover(ErrorCause cause, const std::string& reason, long) override {
    failovers.emplace_back(cause, reason);
    walk_.fail_over(cause, reason, 0);
    phase_ = FetchPhase::idle;
  }
  void fail(ErrorCode code, ErrorCause, const std::string& message, long) override {
    failed = code;
    fail_message = message;
    phase_ = FetchPhase::failed;
    if (strategy) strategy->close_failed();
  }
  void note_mismatch() override { mismatches++; }
  void done() override { phase_ = FetchPhase::done; }
  void release_object_lock() override {}
  std::uint64_t install_object(const fs::path&) override { return 0; }
  void cut_ranges_from(const fs::path&, bool) override { cut_called = true; }

  FetchHost& host() { return *this; }

  std::unique_ptr<FetchStrategy> strategy;
  FileResult result;
  std::vector<Verdict> verdicts;
  std::vector<std::string> retries;
  std::vector<std::pair<ErrorCause, std::string>> failovers;
  std::vector<std::string> warnings;
  std::optional<ErrorCode> failed;
  std::string fail_message;
  int mismatches = 0;
  bool cut_called = false;

 private:
  FileSpec spec_;
  JobOptions options_;
  WorkerEvents events_;
  fs::path temporary_;
  FetchInputs inputs_;
  CandidateWalk walk_;
  FetchPhase phase_ = FetchPhase::idle;
  Clock::time_point wake_{};
};

class Strategy : public ::testing::Test {
 protected:
  void SetUp() override {
    data = af_test::random_bytes(300000, 11);
    server.add_file("/a.bin", data);
    server.add_file("/b.bin", data);
  }
  FileSpec spec_for(std::vector<std::string> paths, const std::string& sha) {
    FileSpec s;
    for (const auto& p : paths) s.candidates.emplace_back(server.url(p));
    s.digest = parse_digest(HashAlgorithm::sha256, sha, "test");
    return s;
  }
  af_test::TestServer server;
  af_test::TempDir dir;
  fs::path temporary = dir.path() / "out.bin.part";
  std::string data;
};

TEST_F(Strategy, WholeFetchAsksFromByteZeroAndDeliversVerifiedBytes) {
  RecordingHost host(spec_for({"/a.bin"}, af_test::sha256_hex(data)), temporary);
  host.strategy = std::make_unique<WholeFetch>(host.host());
  ASSERT_TRUE(host.perform_next());
  EXPECT_EQ(host.phase(), FetchPhase::done);
  EXPECT_TRUE(host.result.verified);
  EXPECT_EQ(host.result.bytes, data.size());
  EXPECT_EQ(af_test::read_file(temporary), data);
  auto reqs = server.requests_for("/a.bin");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].range, "bytes=0-");  // a 206 says the server can serve segments
}

TEST_F(Strategy, WholeFetchRefinesADroppedBodyIntoARetryAndResumesFromItsEnd) {
  af_test::Fault f;
  f.reset_after_bytes = 100000;
  f.times = 1;
  server.set_fault("/a.bin", f);
  RecordingHost host(spec_for({"/a.bin"}, af_test::sha256_hex(data)), temporary);
  host.strategy = std::make_unique<WholeFetch>(host.host());
  ASSERT_TRUE(host.perform_next());
  ASSERT_EQ(host.verdicts.size(), 1u);
  EXPECT_EQ(host.verdicts[0].prognosis, Prognosis::retry);
  EXPECT_EQ(host.phase(), FetchPhase::idle);
  // The host's retry rule says "again": the next request asks for the rest.
  ASSERT_TRUE(host.perform_next());
  EXPECT_EQ(host.phase(), FetchPhase::done);
  EXPECT_EQ(af_test::read_file(temporary), data);
  auto reqs = server.requests_for("/a.bin");
  ASSERT_EQ(reqs.size(), 2u);
  // Resumed where the dropped body ended, not from byte 0.
  ASSERT_EQ(reqs[1].range.rfind("bytes=", 0), 0u);
  const auto from = std::stoull(reqs[1].range.substr(6));
  EXPECT_GT(from, 0u);
  EXPECT_LE(from, 100000u);
}

TEST_F(Strategy, WholeFetchMismatchDropsTheBytesAndFailsOver) {
  af_test::Fault f;
  f.corrupt_at = 12345;
  server.set_fault("/a.bin", f);
  RecordingHost host(spec_for({"/a.bin", "/b.bin"}, af_test::sha256_hex(data)), temporary);
  host.strategy = std::make_unique<WholeFetch>(host.host());
  ASSERT_TRUE(host.perform_next());
  EXPECT_EQ(host.mismatches, 1);
  ASSERT_EQ(host.failovers.size(), 1u);
  EXPECT_EQ(host.failovers[0].first, ErrorCause::hash_mismatch);
  EXPECT_EQ(fs::file_size(temporary), 0u);  // the bad bytes are gone, not resumed from
  EXPECT_EQ(host.strategy->bytes_transferred(), 0u);
  // The next candidate starts from byte 0 and delivers.
  ASSERT_TRUE(host.perform_next());
  EXPECT_EQ(host.phase(), FetchPhase::done);
  EXPECT_EQ(af_test::read_file(temporary), data);
  EXPECT_EQ(server.requests_for("/b.bin").at(0).range, "bytes=0-");
}

TEST_F(Strategy, WholeFetchAcceptsA416ThatSaysEveryByteIsHere) {
  // An empty file: "bytes=0-" is unsatisfiable, and 416 bytes */0 means done.
  server.add_file("/empty.bin", "");
  RecordingHost host(spec_for({"/empty.bin"}, af_test::sha256_hex("")), temporary);
  host.strategy = std::make_unique<WholeFetch>(host.host());
  ASSERT_TRUE(host.perform_next());
  ASSERT_EQ(host.verdicts.size(), 1u);
  EXPECT_EQ(host.verdicts[0].prognosis, Prognosis::done);
  EXPECT_EQ(host.phase(), FetchPhase::done);
  EXPECT_TRUE(fs::exists(temporary));
  EXPECT_EQ(fs::file_size(temporary), 0u);
}

TEST_F(Strategy, RangedFetchFallsBackToAWholeFetchWhenNoSourceHonoursRange) {
  af_test::Fault f;
  f.ignore_range = true;
  server.set_fault("/a.bin", f);
  FileSpec spec = spec_for({"/a.bin"}, af_test::sha256_hex(data));
  spec.ranges_given = true;
  ByteRange r;
  r.offset = 1000;
  r.length = 500;
  spec.ranges.push_back(r);
  RecordingHost host(spec, temporary);
  host.strategy = std::make_unique<RangedFetch>(host.host());
  ASSERT_TRUE(host.perform_next());
  ASSERT_EQ(host.failovers.size(), 1u);
  EXPECT_EQ(host.failovers[0].first, ErrorCause::range_unsupported);
  EXPECT_FALSE(fs::exists(temporary) && fs::file_size(temporary) > 0);  // a 200 body never reaches the output
  auto whole = host.strategy->fallback();
  ASSERT_NE(whole, nullptr);
  EXPECT_EQ(host.warnings.size(), 1u);
  // The fallback is a WholeFetch that cuts: it fetches, verifies and hands
  // the whole file to cut_ranges_from.
  auto retired = std::move(host.strategy);
  host.strategy = std::move(whole);
  host.walk().rewind();
  ASSERT_TRUE(host.perform_next());
  EXPECT_EQ(host.phase(), FetchPhase::idle);  // done is the cut's to say
  EXPECT_TRUE(host.cut_called);
  EXPECT_EQ(host.strategy->fallback(), nullptr);
}

TEST_F(Strategy, RangedFetchCallsARangePastTheEndTheCallersMistake) {
  FileSpec spec = spec_for({"/a.bin"}, af_test::sha256_hex(data));
  spec.ranges_given = true;
  ByteRange r;
  r.offset = data.size() + 10;
  r.length = 5;
  spec.ranges.push_back(r);
  RecordingHost host(spec, temporary);
  host.strategy = std::make_unique<RangedFetch>(host.host());
  ASSERT_TRUE(host.perform_next());
  ASSERT_TRUE(host.failed.has_value());
  EXPECT_EQ(*host.failed, ErrorCode::bad_input);  // exit 2, not "every mirror failed"
  EXPECT_TRUE(host.failovers.empty());
}

}  // namespace
}  // namespace assetfetch
