// `assetfetch hash` keeps a journaled partial download like `fetch`: a run
// SIGKILLed mid-transfer is resumed by the same command (Range: bytes=N- with
// If-Range on the validator it recorded), so the server sends the file about
// once in all; a remote that changed meanwhile answers 200 and the digest
// printed is the new file's. `job resume` of a hash job says what to run.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "integration_util.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using af_it::describe;

class HashResume : public ::testing::Test {
 protected:
  void SetUp() override {
    server.add_file("/big.bin", data);
    server.set_fault("/big.bin", af_test::Fault{.throttle_bytes_per_s = 2u << 20});
  }

  // The size of the one .part in the cache's partial/ (0 when none yet).
  std::uint64_t partial_bytes() const {
    std::error_code ec;
    for (auto it = fs::directory_iterator(cache / "partial", ec); !ec && it != fs::directory_iterator();
         it.increment(ec))
      if (it->path().extension() == ".part") return it->file_size(ec);
    return 0;
  }

  // Starts `hash` and SIGKILLs it once its partial holds more than `bytes`;
  // returns what the partial held then.
  std::uint64_t kill_after(std::uint64_t bytes) {
    std::vector<std::string> argv{af_it::cli_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    af_test::ChildProcess child =
        af_test::start_process(argv, {{"ASSETFETCH_CACHE_DIR", cache.string()}, {"ASSETFETCH_CONFIG", ""}});
    bool grew = false;
    for (int i = 0; i < 1000 && !grew; ++i) {  // at most 10 s
      grew = partial_bytes() > bytes;
      if (!grew) std::this_thread::sleep_for(10ms);
    }
    EXPECT_TRUE(grew) << "the partial never passed " << bytes << " bytes\n" << child.stderr_so_far();
    child.kill(SIGKILL);
    EXPECT_EQ(child.wait(5s).signal, SIGKILL);
    return partial_bytes();
  }

  af_test::TempDir tmp{"af-hash-resume"};
  const fs::path cache = tmp / "cache";
  const std::string data = af_test::random_bytes(8u << 20, 41);
  const std::string sha = af_test::sha256_hex(data);
  af_test::TestServer server;
  const fs::path config = af_it::write_config(tmp / "config.json");
  const std::vector<std::string> args{"hash", server.url("/big.bin"), "--config", config.string()};
};

TEST_F(HashResume, KilledHashResumesAndTheServerSendsTheFileAboutOnce) {
  const std::uint64_t kept = kill_after(1u << 20);
  ASSERT_GT(kept, 0u);
  ASSERT_LT(kept, data.size());
  const std::size_t sent_first = server.body_bytes_sent("/big.bin");

  // The job record cannot replay a hash (its command prints the digest): it says what to run.
  auto resumed = af_it::run_cli({"job", "resume", "hash-big.bin"}, cache, tmp / "cwd");
  EXPECT_EQ(resumed.exit_code, 2) << describe(resumed);
  EXPECT_NE(resumed.err.find("run `assetfetch hash " + server.url("/big.bin") + "` again"), std::string::npos)
      << resumed.err;
  EXPECT_EQ(server.requests_for("/big.bin").size(), 1u) << "job resume fetched something";

  server.clear_fault("/big.bin");
  server.clear_log();
  auto r = af_it::run_cli(args, cache, tmp / "cwd");
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, sha + "\n");
  auto reqs = server.requests_for("/big.bin");
  ASSERT_EQ(reqs.size(), 1u);
  ASSERT_EQ(reqs[0].range.rfind("bytes=", 0), 0u) << reqs[0].range;
  const std::uint64_t from = std::stoull(reqs[0].range.substr(6));
  EXPECT_GT(from, 0u) << "never from byte 0";
  EXPECT_LE(from, kept);
  EXPECT_LE(kept - from, std::uint64_t{1} << 20) << "at most one write buffer not yet journaled";
  EXPECT_EQ(reqs[0].status, 206);
  EXPECT_FALSE(reqs[0].headers["If-Range"].empty()) << "unverified bytes resume only on a validator";
  // Bytes served in all: the file, plus what was in flight when the first run died.
  const std::size_t sent_total = server.body_bytes_sent("/big.bin");
  EXPECT_EQ(sent_total - sent_first, data.size() - from);
  EXPECT_LE(sent_total, data.size() + (sent_first - from));
  EXPECT_LE(sent_first - from, std::size_t{4} << 20) << "in flight: socket buffers and one write buffer";
  // The object is cached under its digest; nothing partial is left.
  EXPECT_TRUE(fs::exists(cache / "objects" / "sha256" / sha));
  EXPECT_TRUE(af_it::files_under(cache / "partial").empty());
  EXPECT_TRUE(af_it::files_under(cache / "tmp").empty());
}

TEST_F(HashResume, ARemoteThatChangedSinceTheKillIsHashedFromByteZero) {
  ASSERT_GT(kill_after(1u << 20), 0u);
  const std::string other = af_test::random_bytes(data.size(), 42);
  server.set_fault("/big.bin", af_test::Fault{.serve_other_bytes = other});  // another ETag too
  server.clear_log();
  auto r = af_it::run_cli(args, cache, tmp / "cwd");
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out, af_test::sha256_hex(other) + "\n") << "old and new bytes were mixed";
  auto reqs = server.requests_for("/big.bin");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].status, 200) << "If-Range did not match: the whole new file";
}

}  // namespace
