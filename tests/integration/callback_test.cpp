// Callbacks run with no lock of the job held: a callback that waits for
// another thread calling the job's getters (C++ API and C ABI) finishes
// instead of deadlocking, and calls made from inside a callback behave as the
// headers say (getters answer; the C ABI refuses control calls with
// AF_E_RECURSIVE_API_CALL). Every wait is bounded.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "assetfetch/assetfetch.h"
#include "assetfetch/job.h"
#include "integration_util.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using namespace assetfetch;
using namespace std::chrono_literals;
using af_test::Fault;
using af_test::TestServer;

class ProxyFree : public ::testing::Environment {
 public:
  void SetUp() override { af_test::remove_proxy_env(); }
};
const auto* const proxy_free = ::testing::AddGlobalTestEnvironment(new ProxyFree);

constexpr auto kBound = 10s;  // far longer than any getter takes; a deadlock hits it

class Callbacks : public ::testing::Test {
 protected:
  af_test::TempDir tmp{"af-callbacks"};
  TestServer server;
  // Slow enough that the transfer thread calls progress several times.
  std::string data = af_test::random_bytes(400000, 91);
  fs::path dest = tmp / "out" / "asset.bin";

  void SetUp() override {
    server.add_file("/f", data);
    server.set_fault("/f", Fault{.throttle_bytes_per_s = 800000});
  }
};

TEST_F(Callbacks, CppCallbackWaitingForAGetterOnAnotherThreadDoesNotDeadlock) {
  JobOptions o;
  o.cache_dir = tmp / "cache";
  auto job = create_job("cb", o);
  FileSpec spec;
  spec.name = "asset";
  spec.urls = {server.url("/f")};
  spec.local_name = dest;
  spec.digest = Digest{HashAlgorithm::sha256, af_test::sha256_hex(data)};
  ErrorContext err;
  File* file = job->add_file(std::move(spec), &err);
  ASSERT_NE(file, nullptr) << err.message;

  std::atomic<bool> helper_answered{false};
  std::atomic<bool> waited_out{false};
  std::atomic<bool> done_once{false};
  JobState state_inside = JobState::suspended;
  std::uint64_t bytes_inside = 0;
  JobCallbacks cb;
  cb.progress = [&](const Progress&, const File& f) {
    if (done_once.exchange(true)) return;
    // Another thread reads the job while this callback blocks on it.
    auto helper = std::async(std::launch::async, [&] {
      (void)job->state();
      (void)job->progress();
      (void)f.filled_ranges();
      (void)f.progress();
      (void)job->files();
      helper_answered = true;
    });
    if (helper.wait_for(kBound) != std::future_status::ready) waited_out = true;
    // Getters from inside the callback itself.
    state_inside = job->state();
    bytes_inside = f.progress().bytes_transferred;
  };
  job->set_callbacks(cb);
  ASSERT_TRUE(job->resume());
  ASSERT_EQ(job->wait(30s), JobState::transferred) << job->error().message;
  EXPECT_TRUE(done_once);
  EXPECT_FALSE(waited_out) << "the getters blocked while a callback ran";
  EXPECT_TRUE(helper_answered);
  EXPECT_EQ(state_inside, JobState::transferring);
  EXPECT_GT(bytes_inside, 0u);
  ASSERT_TRUE(job->complete(&err)) << err.message;
  EXPECT_TRUE(af_test::read_file(dest) == data);
}

struct CState {
  std::atomic<bool> once{false};
  std::atomic<bool> helper_answered{false};
  std::atomic<bool> waited_out{false};
  af_code get_state_inside = AF_E_INTERNAL;
  af_job_state state_inside = AF_STATE_ERROR;
  af_code progress_inside = AF_E_INTERNAL;
  af_code suspend_inside = AF_OK;
  af_code wait_inside = AF_OK;
};

void c_progress(af_job* job, af_file* file, const af_progress*, void* user) {
  auto* st = static_cast<CState*>(user);
  if (st->once.exchange(true)) return;
  auto helper = std::async(std::launch::async, [job, file, st] {
    af_job_state s;
    af_progress p;
    p.struct_size = sizeof p;
    size_t n = 0;
    const bool ok = af_job_get_state(job, &s) == AF_OK && af_job_get_progress(job, &p) == AF_OK &&
                    af_file_get_progress(file, &p) == AF_OK && af_job_get_file_count(job, &n) == AF_OK;
    st->helper_answered = ok;
  });
  if (helper.wait_for(kBound) != std::future_status::ready) st->waited_out = true;
  // From inside the callback: getters answer, control calls are refused.
  st->get_state_inside = af_job_get_state(job, &st->state_inside);
  af_progress p;
  p.struct_size = sizeof p;
  st->progress_inside = af_file_get_progress(file, &p);
  st->suspend_inside = af_job_suspend(job);
  st->wait_inside = af_job_wait(job, 0, nullptr);
}

TEST_F(Callbacks, CAbiCallbackWaitingForAGetterOnAnotherThreadDoesNotDeadlock) {
  af_job_options o;
  af_job_options_init(&o);
  const std::string cache = (tmp / "cache").string();
  o.cache_dir = cache.c_str();
  af_job* job = nullptr;
  ASSERT_EQ(af_job_create("cb-c", &o, &job), AF_OK) << af_job_last_error_message(nullptr);
  const std::string url = server.url("/f"), hex = af_test::sha256_hex(data), out = dest.string();
  const char* urls[] = {url.c_str()};
  ASSERT_EQ(af_job_add_file(job, urls, 1, out.c_str(), "sha256", hex.c_str(), nullptr), AF_OK)
      << af_job_last_error_message(job);
  CState st;
  af_callbacks cb{};
  cb.struct_size = sizeof cb;
  cb.progress = c_progress;
  ASSERT_EQ(af_job_set_callbacks(job, &cb, &st), AF_OK);
  ASSERT_EQ(af_job_resume(job), AF_OK);
  af_job_state end = AF_STATE_ERROR;
  EXPECT_EQ(af_job_wait(job, 30000, &end), AF_OK) << af_job_last_error_message(job);
  EXPECT_EQ(end, AF_STATE_TRANSFERRED);
  EXPECT_TRUE(st.once);
  EXPECT_FALSE(st.waited_out) << "the getters blocked while a callback ran";
  EXPECT_TRUE(st.helper_answered);
  EXPECT_EQ(st.get_state_inside, AF_OK);
  EXPECT_EQ(st.state_inside, AF_STATE_TRANSFERRING);
  EXPECT_EQ(st.progress_inside, AF_OK);
  EXPECT_EQ(st.suspend_inside, AF_E_RECURSIVE_API_CALL);
  EXPECT_EQ(st.wait_inside, AF_E_RECURSIVE_API_CALL);
  EXPECT_EQ(af_job_complete(job), AF_OK) << af_job_last_error_message(job);
  EXPECT_EQ(af_job_destroy(job), AF_OK);
  EXPECT_TRUE(af_test::read_file(dest) == data);
}

}  // namespace
