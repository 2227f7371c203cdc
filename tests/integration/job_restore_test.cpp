// BITS persistence through the core, for the C ABI as for the CLI: a job
// destroyed mid-transfer leaves its record; creating a job of the same name
// gets its files back and continues from the cache's partial download with a
// Range request. A record that cannot be replayed is reported, not guessed.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "assetfetch/assetfetch.h"
#include "assetfetch/job.h"
#include "integration_util.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using af_test::Fault;
using af_test::TestServer;

class ProxyFree : public ::testing::Environment {
 public:
  void SetUp() override { af_test::remove_proxy_env(); }
};
const auto* const proxy_free = ::testing::AddGlobalTestEnvironment(new ProxyFree);

class JobRestore : public ::testing::Test {
 protected:
  af_test::TempDir tmp{"af-job-restore"};
  TestServer server;
  std::string data = af_test::random_bytes(1'500'000, 95);
  fs::path dest = tmp / "out" / "big.bin";
  std::string cache = (tmp / "cache").string();

  af_job* create(const char* name) {
    af_job_options o;
    af_job_options_init(&o);
    o.cache_dir = cache.c_str();
    af_job* job = nullptr;
    EXPECT_EQ(af_job_create(name, &o, &job), AF_OK) << af_job_last_error_message(nullptr);
    return job;
  }
  std::uint64_t partial_size() {
    std::error_code ec;
    auto n = fs::file_size(tmp / "cache" / "partial" / ("sha256-" + af_test::sha256_hex(data) + ".part"), ec);
    return ec ? 0 : n;
  }
};

TEST_F(JobRestore, CAbiJobCreatedAgainGetsItsFilesBackAndResumes) {
  server.add_file("/big", data);
  server.set_fault("/big", Fault{.throttle_bytes_per_s = 1'000'000});
  const std::string url = server.url("/big"), hex = af_test::sha256_hex(data), out = dest.string();
  const char* urls[] = {url.c_str()};
  {
    af_job* job = create("restore-me");
    ASSERT_NE(job, nullptr);
    ASSERT_EQ(af_job_add_file(job, urls, 1, out.c_str(), "sha256", hex.c_str(), nullptr), AF_OK)
        << af_job_last_error_message(job);
    ASSERT_EQ(af_job_resume(job), AF_OK);
    for (int i = 0; i < 1000 && partial_size() < 300000; ++i) std::this_thread::sleep_for(10ms);
    ASSERT_GE(partial_size(), 300000u);
    ASSERT_EQ(af_job_destroy(job), AF_OK);  // like a host that exits mid-transfer
  }
  ASSERT_TRUE(fs::exists(tmp / "cache" / "jobs" / "restore-me.json"));
  const std::uint64_t kept = partial_size();
  server.clear_fault("/big");
  server.clear_log();

  af_job* job = create("restore-me");
  ASSERT_NE(job, nullptr);
  size_t count = 0;
  ASSERT_EQ(af_job_get_file_count(job, &count), AF_OK);
  ASSERT_EQ(count, 1u) << "the re-created job did not restore its file";
  af_file* file = nullptr;
  ASSERT_EQ(af_job_get_file(job, 0, &file), AF_OK);
  char* local = nullptr;
  ASSERT_EQ(af_file_get_local_name(file, &local), AF_OK);
  EXPECT_EQ(std::string(local), fs::absolute(dest).string());
  af_free(local);
  ASSERT_EQ(af_job_resume(job), AF_OK);
  af_job_state state = AF_STATE_ERROR;
  ASSERT_EQ(af_job_wait(job, 30000, &state), AF_OK) << af_job_last_error_message(job);
  ASSERT_EQ(state, AF_STATE_TRANSFERRED);
  ASSERT_EQ(af_job_complete(job), AF_OK) << af_job_last_error_message(job);
  EXPECT_EQ(af_job_destroy(job), AF_OK);
  EXPECT_TRUE(af_test::read_file(dest) == data);
  // Continued, not restarted: one request, for the bytes the cache lacked.
  auto gets = server.requests_for("/big");
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_EQ(gets[0].range, "bytes=" + std::to_string(kept) + "-");
  EXPECT_FALSE(fs::exists(tmp / "cache" / "jobs" / "restore-me.json")) << "complete() keeps the record";
}

TEST_F(JobRestore, ReAddingTheSameDestinationDoesNotDuplicateTheFile) {
  server.add_file("/big", data);
  const std::string url = server.url("/big"), hex = af_test::sha256_hex(data), out = dest.string();
  const char* urls[] = {url.c_str()};
  af_test::write_file(tmp / "cache" / "jobs" / "again.json",
                      "{\"name\": \"again\", \"state\": \"transferring\", \"pid\": 0, \"files\": [{\"name\": "
                      "\"big.bin\", \"local_name\": \"" + fs::absolute(dest).string() + "\", \"urls\": [\"" + url +
                          "\"], \"sha256\": \"" + hex + "\", \"completed\": false}]}\n");
  af_job* job = create("again");
  ASSERT_NE(job, nullptr);
  ASSERT_EQ(af_job_add_file(job, urls, 1, out.c_str(), "sha256", hex.c_str(), nullptr), AF_OK);
  size_t count = 0;
  ASSERT_EQ(af_job_get_file_count(job, &count), AF_OK);
  EXPECT_EQ(count, 1u);
  ASSERT_EQ(af_job_resume(job), AF_OK);
  ASSERT_EQ(af_job_wait(job, 30000, nullptr), AF_OK);
  ASSERT_EQ(af_job_complete(job), AF_OK) << af_job_last_error_message(job);
  af_job_destroy(job);
  EXPECT_TRUE(af_test::read_file(dest) == data);
  EXPECT_EQ(server.requests_for("/big").size(), 1u);
}

TEST_F(JobRestore, ARecordWithRedactedCredentialsIsReportedNotReplayed) {
  af_test::write_file(tmp / "cache" / "jobs" / "secret.json",
                      "{\"name\": \"secret\", \"state\": \"transferring\", \"pid\": 0, \"files\": [{\"name\": "
                      "\"x.bin\", \"local_name\": \"" + fs::absolute(dest).string() +
                          "\", \"urls\": [\"https://REDACTED@example.invalid/x.bin\"], \"sha256\": \"" +
                          af_test::sha256_hex(data) + "\"}]}\n");
  af_job* job = create("secret");
  ASSERT_NE(job, nullptr);
  size_t count = 7;
  ASSERT_EQ(af_job_get_file_count(job, &count), AF_OK);
  EXPECT_EQ(count, 0u);
  af_error_info* e = nullptr;
  ASSERT_EQ(af_job_get_error(job, &e), AF_OK);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->code, AF_E_INVALID_ARG);
  EXPECT_NE(std::string(e->message).find("re-run the original command"), std::string::npos) << e->message;
  af_free(e);
  af_job_destroy(job);
  EXPECT_FALSE(fs::exists(dest));
}

}  // namespace
