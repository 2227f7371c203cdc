// `assetfetch job list|show|resume|cancel`: a fetch is SIGKILLed mid-transfer
// (throttled TestServer), its persisted job is listed, resumed with a
// `Range: bytes=N-` request, or cancelled with its partial download.
#include <algorithm>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "cli_fixture.h"
#include "process.h"
#include "integration_util.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using af_test::TempDir;
using af_test::TestServer;
using Json = nlohmann::json;

using af_it::kCleanEnv;

struct JobCmd : af_test::CliTest {
  void SetUp() override {
    CliTest::SetUp();
    origin.add_file("/big.bin", data);
    af_test::Fault slow;
    slow.throttle_bytes_per_s = 256 * 1024;
    origin.set_fault("/big.bin", slow);
  }
  af_test::ProcessResult cli(std::vector<std::string> args) const { return cli_cached(std::move(args)); }
  fs::path partial() const { return cache() / "partial" / ("sha256-" + hex + ".part"); }
  std::string job_name() const { return "sha256-" + hex; }

  // Starts `fetch URL`, SIGKILLs it once its partial download holds at least
  // 64 KiB; returns the bytes the partial holds then.
  std::uintmax_t fetch_and_kill(const std::string& url) {
    auto child = af_test::start_process({AF_CLI_PATH, "fetch", url, "--sha256", hex, "-o", out().string(),
                                         "--cache-dir", cache().string(), "--quiet"},
                                        kCleanEnv);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::error_code ec;
    // Kill once the journal records a written span (a header line, then a
    // span line): bytes written but not yet journaled are, rightly, fetched
    // again, and a kill in that window would make the resume check moot.
    fs::path journal = partial();
    journal.replace_extension(".filled");
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string j = fs::exists(journal) ? af_test::read_file(journal) : std::string();
      if (std::count(j.begin(), j.end(), '\n') >= 2) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    child.kill(SIGKILL);
    auto r = child.wait(std::chrono::seconds(10));
    EXPECT_EQ(r.signal, SIGKILL) << "the fetch ended before it was killed: " << r.err;
    auto n = fs::file_size(partial(), ec);
    EXPECT_FALSE(ec) << "no partial download at " << partial();
    EXPECT_LT(n, data.size());
    return ec ? 0 : n;
  }
  fs::path out() const { return dir / "dl" / "big.bin"; }

  const std::string data = af_test::random_bytes(2u << 20, 99);
  const std::string hex = af_test::sha256_hex(data);
};

TEST_F(JobCmd, KilledFetchIsListedAndResumedWithARangeRequest) {
  auto have = fetch_and_kill(origin.url("/big.bin"));
  ASSERT_GT(have, 0u);
  EXPECT_FALSE(fs::exists(out()));

  auto list = cli({"job", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find(job_name()), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("interrupted"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("big.bin"), std::string::npos) << list.out;

  auto show = cli({"job", "show", job_name(), "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  Json j = Json::parse(show.out);
  EXPECT_EQ(j["status"], "interrupted");
  ASSERT_EQ(j["files"].size(), 1u);
  EXPECT_EQ(j["files"][0]["sha256"], hex);
  EXPECT_EQ(j["files"][0]["urls"][0], origin.url("/big.bin"));
  EXPECT_GE(j["files"][0]["partial_bytes"].get<std::uintmax_t>(), have);

  origin.clear_faults();
  origin.clear_log();
  auto r = cli({"job", "resume", job_name()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(af_test::read_file(out()), data);
  auto reqs = origin.requests_for("/big.bin");
  ASSERT_FALSE(reqs.empty());
  bool resumed = false;
  for (const auto& q : reqs) {
    if (q.method != "GET" || q.range.rfind("bytes=", 0) != 0) continue;
    auto n = std::stoull(q.range.substr(6));
    resumed = resumed || (n > 0 && q.range.back() == '-');
  }
  EXPECT_TRUE(resumed) << "first range: " << reqs.front().range;
  std::size_t body = 0;
  for (const auto& q : reqs) body += q.body_bytes;
  EXPECT_LT(body, data.size()) << "the resume downloaded the whole file again";

  // Completed jobs leave no record.
  list = cli({"job", "list"});
  EXPECT_EQ(list.out.find(job_name()), std::string::npos) << list.out;
}

TEST_F(JobCmd, CancelRemovesTheRecordAndThePartial) {
  ASSERT_GT(fetch_and_kill(origin.url("/big.bin")), 0u);
  auto r = cli({"job", "cancel", job_name()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(partial()));
  EXPECT_FALSE(fs::exists(cache() / "jobs" / (job_name() + ".json")));
  for (const auto& e : fs::directory_iterator(out().parent_path()))
    ADD_FAILURE() << "left behind: " << e.path();
  auto list = cli({"job", "list"});
  EXPECT_EQ(list.out.find(job_name()), std::string::npos) << list.out;
  r = cli({"job", "resume", job_name()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("no job"), std::string::npos) << r.err;
}

TEST_F(JobCmd, ResumeRefusesARecordWithRedactedCredentials) {
  std::string url = origin.url("/big.bin");
  url.insert(url.find("://") + 3, "user:s3cret@");
  ASSERT_GT(fetch_and_kill(url), 0u);
  auto show = cli({"job", "show", job_name()});
  EXPECT_EQ(show.out.find("s3cret"), std::string::npos) << show.out;
  origin.clear_log();
  auto r = cli({"job", "resume", job_name()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("re-run the original command"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("s3cret"), std::string::npos) << r.err;
  EXPECT_EQ(origin.request_count(), 0u);
}

TEST_F(JobCmd, ShowAndResumeOfAnUnknownJobAreClearErrors) {
  auto r = cli({"job", "show", "nope"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("job list"), std::string::npos) << r.err;
  r = cli({"job", "resume"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("NAME"), std::string::npos) << r.err;
  r = cli({"job", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
