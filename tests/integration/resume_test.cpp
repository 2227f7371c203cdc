// Kill-and-resume: a CLI fetch SIGKILLed mid-transfer leaves only .part
// state in the cache; the next run continues from where it stopped (Range:
// bytes=N-) and the result is byte-identical.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "integration_util.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using af_it::describe;

// A CLI fetch of a throttled file, SIGKILLed once its partial holds some bytes.
class Resume : public ::testing::Test {
 protected:
  void SetUp() override {
    server.add_file("/big.bin", data);
    server.set_fault("/big.bin", af_test::Fault{.throttle_bytes_per_s = 2u << 20});
  }
  // Starts the fetch and kills it once the partial holds more than `bytes`.
  void kill_after(std::uint64_t bytes) {
    bool grew = false;
    af_test::ChildProcess child = af_it::start_until_partial(args, cache, sha, bytes + 1, &grew);
    ASSERT_TRUE(grew) << "the partial never passed " << bytes << " bytes\n" << child.stderr_so_far();
    ASSERT_TRUE(child.kill(SIGKILL));
    af_test::ProcessResult killed = child.wait(5s);
    EXPECT_EQ(killed.signal, SIGKILL);
  }
  // The rerun, against the healthy server.
  af_test::ProcessResult rerun() {
    server.clear_fault("/big.bin");
    server.clear_log();
    return af_it::run_cli(args, cache, tmp / "cwd");
  }

  af_test::TempDir tmp{"af-resume"};
  const fs::path cache = tmp / "cache";
  const fs::path out = tmp / "out" / "big.bin";
  const std::string data = af_test::random_bytes(8u << 20, 31);
  const std::string sha = af_test::sha256_hex(data);
  const fs::path part = cache / "partial" / ("sha256-" + sha + ".part");
  af_test::TestServer server;
  const fs::path config = af_it::write_config(tmp / "config.json");
  const std::vector<std::string> args{"fetch", server.url("/big.bin"), "--sha256", sha, "-o", out.string(),
                                      "--config", config.string()};
};

TEST_F(Resume, KilledFetchResumesFromItsPartialBytes) {
  ASSERT_NO_FATAL_FAILURE(kill_after(1u << 20));

  // Only .part state exists: no destination, no object; beside the
  // destination at most its temporary (BITS keeps temporaries there).
  EXPECT_FALSE(fs::exists(out));
  for (const auto& name : af_it::files_under(out.parent_path()))
    EXPECT_EQ(fs::path(name).extension(), ".part") << name;
  EXPECT_TRUE(af_it::files_under(cache / "objects").empty());
  ASSERT_TRUE(fs::exists(part));
  const std::uint64_t kept = fs::file_size(part);
  ASSERT_GT(kept, 0u);
  ASSERT_LT(kept, data.size());
  EXPECT_TRUE(fs::exists(cache / "jobs" / ("sha256-" + sha + ".json"))) << "the job state was not persisted";

  auto r = rerun();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto reqs = server.requests_for("/big.bin");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "GET");
  // It resumes where the journal says the bytes are written: the partial's
  // length, or up to one write buffer (1 MiB) less when the kill fell
  // between a pwrite and its journal record. Never from byte 0.
  ASSERT_EQ(reqs[0].range.rfind("bytes=", 0), 0u) << reqs[0].range;
  ASSERT_EQ(reqs[0].range.back(), '-') << reqs[0].range;
  const std::uint64_t from = std::stoull(reqs[0].range.substr(6));
  EXPECT_GT(from, 0u) << reqs[0].range;
  EXPECT_LE(from, kept) << reqs[0].range;
  EXPECT_LE(kept - std::min(from, kept), std::uint64_t{1} << 20) << reqs[0].range;
  EXPECT_EQ(reqs[0].status, 206);
  EXPECT_TRUE(af_test::read_file(out) == data) << "resumed output differs";
  EXPECT_EQ(af_it::files_under(out.parent_path()), std::vector<std::string>{"big.bin"})
      << "the killed run's temporary was not cleaned up";
  EXPECT_TRUE(af_it::files_under(cache / "partial").empty());
  EXPECT_FALSE(fs::exists(cache / "jobs" / ("sha256-" + sha + ".json")));
}

// Resumed bytes that do not verify (changed behind our back after the kill)
// say nothing about the sources: the rerun drops them and fetches again from
// byte 0, and a correct server never gives exit 3. No .bad copy outlives it.
TEST_F(Resume, CorruptedResumedBytesAreFetchedAgainNotBlamedOnTheServer) {
  ASSERT_NO_FATAL_FAILURE(kill_after(2u << 20));
  ASSERT_TRUE(fs::exists(cache / "partial" / ("sha256-" + sha + ".filled")));
  std::string bytes = af_test::read_file(part);
  ASSERT_GT(bytes.size(), 1000u);
  bytes[1000] = static_cast<char>(bytes[1000] ^ 0x5a);  // bit rot in a journaled span
  af_test::write_file(part, bytes);

  auto r = rerun();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("did not verify"), std::string::npos) << r.err;
  EXPECT_TRUE(af_test::read_file(out) == data);
  auto reqs = server.requests_for("/big.bin");
  ASSERT_EQ(reqs.size(), 2u) << "expected the resume, then one fetch from byte 0";
  EXPECT_EQ(reqs[1].range, "bytes=0-");
  EXPECT_TRUE(af_it::files_under(cache / "partial").empty());
}

// A journal whose record is gone (a `cache prune` killed between the two
// removals) is never resumed from: without the record the run does not even
// look for a journal, truncates the partial and asks from byte 0, and the
// journal it rewrites for this download goes when the file is done.
TEST_F(Resume, AJournalWithoutItsRecordIsNeverTrusted) {
  ASSERT_NO_FATAL_FAILURE(kill_after(2u << 20));
  const fs::path journal = cache / "partial" / ("sha256-" + sha + ".filled");
  const fs::path record = cache / "partial" / ("sha256-" + sha + ".json");
  ASSERT_TRUE(fs::exists(journal));
  ASSERT_TRUE(fs::remove(record));
  std::string bytes = af_test::read_file(part);
  ASSERT_GT(bytes.size(), 1000u);
  bytes[1000] = static_cast<char>(bytes[1000] ^ 0x5a);  // the journal would vouch for this span
  af_test::write_file(part, bytes);

  auto r = rerun();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_TRUE(af_test::read_file(out) == data);
  auto reqs = server.requests_for("/big.bin");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].range, "bytes=0-") << "resumed from a journal that had lost its record";
  EXPECT_EQ(r.err.find("did not verify"), std::string::npos) << r.err;
  EXPECT_TRUE(af_it::files_under(cache / "partial").empty());
}

// A fetch that fails (its only server went away mid-transfer: exit 4) keeps
// what it received in the cache, like a killed one: the next run, from any
// URL serving the same hash, continues with a Range request.
TEST_F(Resume, AFailedFetchKeepsItsBytesForTheNextRun) {
  bool grew = false;
  af_test::ChildProcess child = af_it::start_until_partial(args, cache, sha, 2u << 20, &grew);
  ASSERT_TRUE(grew) << child.stderr_so_far();
  server.stop();  // connections refused from now on: every attempt fails
  af_test::ProcessResult failed = child.wait(30s);
  ASSERT_EQ(failed.exit_code, 4) << describe(failed);
  EXPECT_FALSE(fs::exists(out));
  ASSERT_TRUE(fs::exists(part)) << "the failed fetch threw its bytes away";
  const std::uint64_t kept = fs::file_size(part);
  EXPECT_GE(kept, 2u << 20);
  EXPECT_TRUE(fs::exists(cache / "partial" / ("sha256-" + sha + ".filled")));
  for (const auto& name : af_it::files_under(out.parent_path()))
    ADD_FAILURE() << "left beside the destination: " << name;

  server.start();
  auto r = rerun();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto reqs = server.requests_for("/big.bin");
  ASSERT_EQ(reqs.size(), 1u);
  ASSERT_EQ(reqs[0].range.rfind("bytes=", 0), 0u) << reqs[0].range;
  EXPECT_GT(std::stoull(reqs[0].range.substr(6)), 0u) << "fetched again from byte 0: " << reqs[0].range;
  EXPECT_TRUE(af_test::read_file(out) == data);
  EXPECT_TRUE(af_it::files_under(cache / "partial").empty());
}

}  // namespace
