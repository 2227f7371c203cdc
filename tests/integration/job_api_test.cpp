// The C++ API's BITS behaviour against loopback servers: a job is suspended
// until resumed, passes queued/connecting/transferring -> transferred ->
// acknowledged, shows nothing at the destination before complete(), cancel
// removes temporaries, set_remote_name rules, ranges()/filled_ranges(),
// progress, transient and fatal errors.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

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

std::size_t gets(const TestServer& s, const std::string& path) {
  std::size_t n = 0;
  for (const auto& r : s.requests_for(path))
    if (r.method == "GET") ++n;
  return n;
}

// Polls `pred` every 5 ms for at most `limit`.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5000ms) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

class JobApi : public ::testing::Test {
 protected:
  af_test::TempDir tmp{"af-job-api"};
  TestServer a, b;
  std::string data = af_test::random_bytes(100000, 21);
  fs::path dest = tmp / "out" / "asset.bin";

  JobOptions options(bool with_cache = true, int attempts = 2) {
    JobOptions o;
    if (with_cache) o.cache_dir = tmp / "cache";
    o.retry.attempts = attempts;
    o.retry.backoff = 10ms;
    o.retry.no_progress_timeout = 1s;
    return o;
  }
  FileSpec spec(const std::vector<std::string>& urls, const std::string& bytes) {
    FileSpec s;
    s.name = "asset";
    for (const auto& u : urls) s.candidates.push_back({u, CandidateKind::origin, {}});
    s.local_name = dest;
    s.digest = Digest{HashAlgorithm::sha256, af_test::sha256_hex(bytes)};
    return s;
  }
  File* add(Job& job, FileSpec s) {
    ErrorContext err;
    File* f = job.add_file(std::move(s), &err);
    EXPECT_NE(f, nullptr) << err.message;
    return f;
  }
};

TEST_F(JobApi, NewJobDoesNothingUntilResumed) {
  a.add_file("/f", data);
  auto job = create_job("j", options());
  File* f = add(*job, spec({a.url("/f")}, data));
  ASSERT_TRUE(f);
  EXPECT_EQ(job->state(), JobState::suspended);
  EXPECT_FALSE(job->progress().bytes_total_known);
  EXPECT_EQ(job->wait(200ms), JobState::suspended);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(a.request_count(), 0u);
  EXPECT_FALSE(fs::exists(dest));
  ASSERT_TRUE(job->resume());
  EXPECT_EQ(job->wait(10s), JobState::transferred);
  EXPECT_EQ(gets(a, "/f"), 1u);
}

TEST_F(JobApi, StatesProgressAndAtomicComplete) {
  data = af_test::random_bytes(300000, 22);
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.throttle_bytes_per_s = 600000});
  af_test::write_file(dest, "old content");
  auto job = create_job("j", options());
  File* f = add(*job, spec({a.url("/f")}, data));
  ASSERT_TRUE(f);

  std::mutex mu;
  std::vector<JobState> seen;
  std::vector<Progress> progress;
  bool dest_changed_early = false;
  JobCallbacks cb;
  cb.progress = [&](const Progress& p, const File&) {
    std::lock_guard lock(mu);
    progress.push_back(p);
    seen.push_back(job->state());
    if (af_test::read_file(dest) != "old content") dest_changed_early = true;
  };
  cb.file_transferred = [&](const File&) {
    std::lock_guard lock(mu);
    seen.push_back(job->state());
  };
  job->set_callbacks(cb);
  std::atomic<bool> stop{false};
  std::thread poller([&] {
    for (int i = 0; i < 2000 && !stop; ++i) {
      JobState s = job->state();
      {
        std::lock_guard lock(mu);
        if (seen.empty() || seen.back() != s) seen.push_back(s);
      }
      std::this_thread::sleep_for(2ms);
    }
  });
  ASSERT_TRUE(job->resume());
  JobState end = job->wait(20s);
  stop = true;
  poller.join();
  ASSERT_EQ(end, JobState::transferred);

  // Order: suspended -> (queued) -> connecting -> transferring -> transferred.
  auto rank = [](JobState s) {
    switch (s) {
      case JobState::suspended: return 0;
      case JobState::queued: return 1;
      case JobState::connecting: return 2;
      case JobState::transferring: return 3;
      case JobState::transferred: return 4;
      default: return -1;
    }
  };
  std::vector<JobState> states;
  {
    std::lock_guard lock(mu);
    states = seen;
  }
  int last = 0;
  bool transferring = false;
  for (JobState s : states) {
    EXPECT_GE(rank(s), last) << "state " << state_name(s) << " out of order";
    last = std::max(last, rank(s));
    transferring = transferring || s == JobState::transferring;
  }
  EXPECT_TRUE(transferring);

  // Progress: the total, once known, is exact; done equals total at the end.
  ASSERT_FALSE(progress.empty());
  std::uint64_t prev = 0;
  for (const auto& p : progress) {
    if (p.bytes_total_known) {
      EXPECT_EQ(p.bytes_total, data.size());
    }
    EXPECT_GE(p.bytes_transferred, prev);
    prev = p.bytes_transferred;
  }
  Progress done = job->progress();
  EXPECT_TRUE(done.bytes_total_known);
  EXPECT_EQ(done.bytes_total, data.size());
  EXPECT_EQ(done.bytes_transferred, data.size());
  EXPECT_EQ(done.files_transferred, 1u);
  EXPECT_EQ(f->progress().bytes_transferred, f->progress().bytes_total);

  // Nothing at the destination before complete(): the old file is intact.
  EXPECT_FALSE(dest_changed_early);
  EXPECT_EQ(af_test::read_file(dest), "old content");
  EXPECT_TRUE(f->completed());
  ErrorContext err;
  ASSERT_TRUE(job->complete(&err)) << err.message;
  EXPECT_EQ(job->state(), JobState::acknowledged);
  EXPECT_TRUE(af_test::read_file(dest) == data);
  EXPECT_EQ(af_it::files_under(dest.parent_path()), std::vector<std::string>{"asset.bin"});
}

TEST_F(JobApi, CancelRemovesTemporaries) {
  for (bool with_cache : {false, true}) {
    SCOPED_TRACE(with_cache ? "with cache" : "without cache");
    data = af_test::random_bytes(2'000'000, 23);
    a.add_file("/f", data);
    a.set_fault("/f", Fault{.throttle_bytes_per_s = 1'000'000});
    auto job = create_job("j", options(with_cache));
    File* f = add(*job, spec({a.url("/f")}, data));
    ASSERT_TRUE(f);
    ASSERT_TRUE(job->resume());
    const fs::path part = with_cache ? fs::path(tmp / "cache" / "partial" / ("sha256-" + af_test::sha256_hex(data) + ".part"))
                                     : f->temporary_name();
    ASSERT_TRUE(eventually([&] {
      std::error_code ec;
      return fs::file_size(part, ec) > 50000 && !ec;
    })) << part;
    ASSERT_TRUE(job->cancel());
    EXPECT_EQ(job->state(), JobState::cancelled);
    EXPECT_FALSE(fs::exists(part));
    EXPECT_FALSE(fs::exists(f->temporary_name()));
    EXPECT_FALSE(fs::exists(dest));
    EXPECT_TRUE(af_it::files_under(dest.parent_path()).empty());
    if (with_cache) {
      EXPECT_TRUE(af_it::files_under(tmp / "cache" / "partial").empty());
    }
    ErrorContext err;
    EXPECT_FALSE(job->complete(&err));
    EXPECT_FALSE(fs::exists(dest));
  }
}

TEST_F(JobApi, SetRemoteNameRules) {
  a.add_file("/f", data);
  const std::string base = a.url("/");
  auto job = create_job("j", options());
  File* f = add(*job, spec({a.url("/f")}, data));
  ASSERT_TRUE(f);
  std::string err;
  EXPECT_FALSE(f->set_remote_name(base + std::string(2201 - base.size(), 'x'), &err));
  EXPECT_FALSE(err.empty());
  EXPECT_TRUE(f->set_remote_name(base + std::string(2200 - base.size(), 'x'), &err)) << err;
  EXPECT_FALSE(f->set_remote_name("ftp://127.0.0.1/f", &err));
  EXPECT_FALSE(f->set_remote_name("", &err));
  EXPECT_TRUE(f->set_remote_name(a.url("/f"), &err)) << err;
  ASSERT_TRUE(job->resume());
  ASSERT_EQ(job->wait(10s), JobState::transferred);
  EXPECT_TRUE(f->set_remote_name(a.url("/f"), &err)) << "allowed while transferred";
  ErrorContext cerr;
  ASSERT_TRUE(job->complete(&cerr)) << cerr.message;
  EXPECT_FALSE(f->set_remote_name(a.url("/f"), &err)) << "acknowledged job";
  EXPECT_FALSE(err.empty());

  auto job2 = create_job("j2", options());
  dest = tmp / "out" / "second.bin";
  File* g = add(*job2, spec({a.url("/f")}, data));
  ASSERT_TRUE(g);
  ASSERT_TRUE(job2->cancel());
  EXPECT_FALSE(g->set_remote_name(a.url("/f"), &err)) << "cancelled job";
  ErrorContext aerr;
  EXPECT_EQ(job2->add_file(spec({a.url("/f")}, data), &aerr), nullptr) << "cancelled jobs refuse new files";
}

TEST_F(JobApi, SetRemoteNameBeforeResumeSwitchesSource) {
  b.add_file("/f", data);
  auto job = create_job("j", options());
  File* f = add(*job, spec({a.url("/gone")}, data));
  ASSERT_TRUE(f);
  std::string err;
  ASSERT_TRUE(f->set_remote_name(b.url("/f"), &err)) << err;
  EXPECT_EQ(f->remote_name(), b.url("/f"));
  ASSERT_TRUE(job->resume());
  ASSERT_EQ(job->wait(10s), JobState::transferred);
  EXPECT_EQ(a.request_count(), 0u);
  EXPECT_EQ(gets(b, "/f"), 1u);
  ErrorContext cerr;
  ASSERT_TRUE(job->complete(&cerr));
  EXPECT_TRUE(af_test::read_file(dest) == data);
}

// BITS: an error state needs the app: fix the cause (point the file at
// another server) and resume.
TEST_F(JobApi, ErrorThenSetRemoteNameAndResumeRecovers) {
  b.add_file("/f", data);
  auto job = create_job("j", options());
  File* f = add(*job, spec({a.url("/gone")}, data));
  ASSERT_TRUE(f);
  ASSERT_TRUE(job->resume());
  ASSERT_EQ(job->wait(10s), JobState::error);
  std::string err;
  ASSERT_TRUE(f->set_remote_name(b.url("/f"), &err)) << err;
  ASSERT_TRUE(job->resume());
  ASSERT_EQ(job->wait(10s), JobState::transferred) << job->error().message;
  ErrorContext cerr;
  ASSERT_TRUE(job->complete(&cerr)) << cerr.message;
  EXPECT_TRUE(af_test::read_file(dest) == data);
  EXPECT_EQ(gets(b, "/f"), 1u);
}

TEST_F(JobApi, RangesReturnsExactlyWhatWasAdded) {
  a.add_file("/f", data);
  auto job = create_job("j", options());
  FileSpec s = spec({a.url("/f")}, data);
  const Digest rd{HashAlgorithm::sha256, af_test::sha256_hex(data.substr(900, 100))};
  s.ranges = {{100, 100, std::nullopt}, {900, 100, rd}, {400, 100, std::nullopt}};
  s.ranges.push_back({5000, kLengthToEof, std::nullopt});
  s.ranges_given = true;
  const auto added = s.ranges;
  File* f = add(*job, s);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->ranges(), added);
  dest = tmp / "out" / "whole.bin";
  File* w = add(*job, spec({a.url("/f")}, data));
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->ranges().empty());
  ASSERT_TRUE(job->resume());
  ASSERT_EQ(job->wait(10s), JobState::transferred) << job->error().message;
  EXPECT_EQ(f->ranges(), added);
  ErrorContext cerr;
  ASSERT_TRUE(job->complete(&cerr)) << cerr.message;
  EXPECT_TRUE(af_test::read_file(tmp / "out" / "asset.bin") ==
              data.substr(100, 100) + data.substr(900, 100) + data.substr(400, 100) + data.substr(5000));
}

TEST_F(JobApi, RangeRulesCheckedBeforeAnyRequest) {
  a.add_file("/f", data);
  auto job = create_job("j", options());
  const std::vector<std::vector<ByteRange>> bad = {
      {},
      {{kLengthToEof, 10, std::nullopt}},
      {{0, 10, std::nullopt}, {5, 10, std::nullopt}},
      {{7, 1, std::nullopt}, {7, 100, std::nullopt}},
  };
  for (const auto& r : bad) {
    FileSpec s = spec({a.url("/f")}, data);
    s.ranges = r;
    s.ranges_given = true;
    ErrorContext err;
    EXPECT_EQ(job->add_file(s, &err), nullptr);
    EXPECT_EQ(err.code, ErrorCode::bad_input);
    EXPECT_FALSE(err.message.empty());
  }
  EXPECT_TRUE(job->files().empty());
  EXPECT_EQ(a.request_count(), 0u);
}

TEST_F(JobApi, FilledRangesGrowAndAreRestoredAfterRestart) {
  // filled_ranges() reports the journal: what is on disk, in write-buffer
  // (1 MiB) steps.
  data = af_test::random_bytes(4'000'000, 24);
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.throttle_bytes_per_s = 2'000'000});
  std::uint64_t first_seen = 0, last_seen = 0;
  {
    auto job = create_job("j", options());
    File* f = add(*job, spec({a.url("/f")}, data));
    ASSERT_TRUE(f);
    EXPECT_TRUE(f->filled_ranges().empty());
    ASSERT_TRUE(job->resume());
    ASSERT_TRUE(eventually([&] {
      auto fr = f->filled_ranges();
      if (fr.empty()) return false;
      EXPECT_EQ(fr.size(), 1u);
      EXPECT_EQ(fr[0].offset, 0u);
      if (first_seen == 0) first_seen = fr[0].length;
      last_seen = fr[0].length;
      return last_seen >= 2'000'000;
    }));
    EXPECT_GT(last_seen, first_seen) << "filled_ranges() did not grow";
  }  // destroyed mid-transfer, like a killed process: the cache keeps the partial
  const fs::path part = tmp / "cache" / "partial" / ("sha256-" + af_test::sha256_hex(data) + ".part");
  ASSERT_TRUE(fs::exists(part));
  const std::uint64_t kept = fs::file_size(part);
  ASSERT_GE(kept, 2'000'000u);
  ASSERT_LT(kept, data.size());
  a.clear_fault("/f");
  a.clear_log();

  auto job = create_job("j", options());
  File* f = add(*job, spec({a.url("/f")}, data));
  ASSERT_TRUE(f);
  ASSERT_TRUE(job->resume());
  std::uint64_t restored = 0;
  ASSERT_TRUE(eventually([&] {
    auto fr = f->filled_ranges();
    if (!fr.empty() && restored == 0) restored = fr[0].length;
    return job->state() == JobState::transferred || job->state() == JobState::error;
  }, 10000ms));
  EXPECT_GE(restored, kept) << "the restarted job did not restore its filled ranges";
  ASSERT_EQ(job->state(), JobState::transferred) << job->error().message;
  ASSERT_EQ(gets(a, "/f"), 1u);
  EXPECT_EQ(a.requests_for("/f")[0].range, "bytes=" + std::to_string(kept) + "-");
  ErrorContext cerr;
  ASSERT_TRUE(job->complete(&cerr));
  EXPECT_TRUE(af_test::read_file(dest) == data);
  EXPECT_EQ(f->filled_ranges(), (std::vector<ByteRange>{{0, data.size(), std::nullopt}}));
}

TEST_F(JobApi, SuspendStopsTransfersResumeContinues) {
  data = af_test::random_bytes(1'500'000, 26);
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.throttle_bytes_per_s = 1'000'000});
  auto job = create_job("j", options());
  File* f = add(*job, spec({a.url("/f")}, data));
  ASSERT_TRUE(f);
  ASSERT_TRUE(job->resume());
  ASSERT_TRUE(eventually([&] { return f->progress().bytes_transferred >= 200000; }));
  ASSERT_TRUE(job->suspend());
  EXPECT_EQ(job->state(), JobState::suspended);
  const std::uint64_t at_suspend = f->progress().bytes_transferred;
  const auto requests = a.request_count();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(f->progress().bytes_transferred, at_suspend) << "bytes kept arriving while suspended";
  EXPECT_EQ(a.request_count(), requests);
  EXPECT_FALSE(fs::exists(dest));
  a.clear_fault("/f");
  ASSERT_TRUE(job->resume());
  ASSERT_EQ(job->wait(10s), JobState::transferred) << job->error().message;
  auto reqs = a.requests_for("/f");
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].range, "bytes=" + std::to_string(at_suspend) + "-");
  ErrorContext cerr;
  ASSERT_TRUE(job->complete(&cerr));
  EXPECT_TRUE(af_test::read_file(dest) == data);
}

TEST_F(JobApi, ResumeOnServerIgnoringRangeRestartsFromZero) {
  data = af_test::random_bytes(1'500'000, 27);
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.throttle_bytes_per_s = 1'000'000});
  {
    auto job = create_job("j", options());
    File* f = add(*job, spec({a.url("/f")}, data));
    ASSERT_TRUE(f);
    ASSERT_TRUE(job->resume());
    ASSERT_TRUE(eventually([&] { return f->progress().bytes_transferred >= 200000; }));
  }
  a.set_fault("/f", Fault{.ignore_range = true});
  a.clear_log();
  auto job = create_job("j", options());
  File* f = add(*job, spec({a.url("/f")}, data));
  ASSERT_TRUE(f);
  ASSERT_TRUE(job->resume());
  ASSERT_EQ(job->wait(10s), JobState::transferred) << job->error().message;
  ASSERT_EQ(gets(a, "/f"), 1u);
  EXPECT_NE(a.requests_for("/f")[0].range, "bytes=0-");
  EXPECT_EQ(a.requests_for("/f")[0].status, 200);
  ErrorContext cerr;
  ASSERT_TRUE(job->complete(&cerr));
  EXPECT_TRUE(af_test::read_file(dest) == data);
}

TEST_F(JobApi, TransientErrorStateThenRecovers) {
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.status = 503, .retry_after = "1", .times = 1});
  auto job = create_job("j", options());
  ASSERT_TRUE(add(*job, spec({a.url("/f")}, data)));
  ASSERT_TRUE(job->resume());
  bool transient = false;
  ASSERT_TRUE(eventually([&] {
    JobState s = job->state();
    transient = transient || s == JobState::transient_error;
    return s == JobState::transferred || s == JobState::error;
  }, 10000ms));
  EXPECT_TRUE(transient);
  EXPECT_EQ(job->state(), JobState::transferred);
  EXPECT_EQ(gets(a, "/f"), 2u);
}

TEST_F(JobApi, EveryCandidateFailedIsErrorWithLastCause) {
  auto job = create_job("j", options());
  ErrorContext from_callback;
  JobCallbacks cb;
  cb.error = [&](const ErrorContext& e) { from_callback = e; };
  job->set_callbacks(cb);
  File* f = add(*job, spec({a.url("/gone"), b.url("/also-gone")}, data));
  ASSERT_TRUE(f);
  ASSERT_TRUE(job->resume());
  ASSERT_EQ(job->wait(10s), JobState::error);
  ErrorContext e = job->error();
  EXPECT_EQ(e.code, ErrorCode::unavailable);
  EXPECT_EQ(e.cause, ErrorCause::http_status);
  EXPECT_EQ(e.http_status, 404);
  EXPECT_EQ(e.file, "asset");
  EXPECT_NE(e.message.find(b.url("/also-gone")), std::string::npos) << e.message;
  EXPECT_EQ(from_callback.code, ErrorCode::unavailable);
  EXPECT_EQ(f->error().code, ErrorCode::unavailable);
  EXPECT_EQ(a.request_count(), 1u) << "a 404 is permanent: no retry";
  ErrorContext cerr;
  EXPECT_FALSE(job->complete(&cerr));
  EXPECT_FALSE(fs::exists(dest));
}

// SetRemoteName semantics in failover: the bytes from mirror 1 are kept.
TEST_F(JobApi, ResetOnMirror1ContinuesOnMirror2AtSameOffset) {
  data = af_test::random_bytes(300000, 25);
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.reset_after_bytes = 120000});
  b.add_file("/f", data);
  auto job = create_job("j", options(true, 1));
  std::vector<std::pair<std::string, std::string>> failovers;
  std::vector<AttemptRecord> attempts;
  JobCallbacks cb;
  cb.failover = [&](const File&, const std::string& from, const std::string& to, const std::string&) {
    failovers.emplace_back(from, to);
  };
  cb.attempt = [&](const AttemptRecord& r) { attempts.push_back(r); };
  job->set_callbacks(cb);
  File* f = add(*job, spec({a.url("/f"), b.url("/f")}, data));
  ASSERT_TRUE(f);
  ASSERT_TRUE(job->resume());
  ASSERT_EQ(job->wait(10s), JobState::transferred) << job->error().message;
  ASSERT_EQ(failovers.size(), 1u);
  EXPECT_EQ(failovers[0].first, a.url("/f"));
  EXPECT_EQ(failovers[0].second, b.url("/f"));
  ASSERT_FALSE(attempts.empty());
  const std::uint64_t n = attempts.front().bytes;
  EXPECT_GT(n, 0u);
  ASSERT_EQ(gets(b, "/f"), 1u);
  EXPECT_EQ(b.requests_for("/f")[0].range, "bytes=" + std::to_string(n) + "-");
  ErrorContext cerr;
  ASSERT_TRUE(job->complete(&cerr));
  EXPECT_TRUE(af_test::read_file(dest) == data);
}

}  // namespace
