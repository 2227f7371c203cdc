// Kill-and-resume: a CLI fetch SIGKILLed mid-transfer leaves only .part
// state in the cache; the next run continues from where it stopped (Range:
// bytes=N-) and the result is byte-identical.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "integration_util.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using af_it::describe;

TEST(Resume, KilledFetchResumesFromItsPartialBytes) {
  af_test::TempDir tmp{"af-resume"};
  const fs::path cache = tmp / "cache";
  const fs::path out = tmp / "out" / "big.bin";
  const std::string data = af_test::random_bytes(8u << 20, 31);
  const std::string sha = af_test::sha256_hex(data);
  af_test::TestServer server;
  server.add_file("/big.bin", data);
  server.set_fault("/big.bin", af_test::Fault{.throttle_bytes_per_s = 2u << 20});
  const fs::path config = af_it::write_config(tmp / "config.json");
  const std::vector<std::string> args{"fetch", server.url("/big.bin"), "--sha256", sha, "-o", out.string(),
                                      "--config", config.string()};

  bool grew = false;
  af_test::ChildProcess child = af_it::start_until_partial(args, cache, sha, (1u << 20) + 1, &grew);
  const fs::path part = cache / "partial" / ("sha256-" + sha + ".part");
  ASSERT_TRUE(grew) << "the partial never passed 1 MiB\n" << child.stderr_so_far();
  ASSERT_TRUE(child.kill(SIGKILL));
  af_test::ProcessResult killed = child.wait(5s);
  EXPECT_EQ(killed.signal, SIGKILL);

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

  server.clear_fault("/big.bin");
  server.clear_log();
  auto r = af_it::run_cli(args, cache, tmp / "cwd");
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  auto reqs = server.requests_for("/big.bin");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].range, "bytes=" + std::to_string(kept) + "-");
  EXPECT_EQ(reqs[0].status, 206);
  EXPECT_TRUE(af_test::read_file(out) == data) << "resumed output differs";
  EXPECT_EQ(af_it::files_under(out.parent_path()), std::vector<std::string>{"big.bin"})
      << "the killed run's temporary was not cleaned up";
  EXPECT_TRUE(af_it::files_under(cache / "partial").empty());
  EXPECT_FALSE(fs::exists(cache / "jobs" / ("sha256-" + sha + ".json")));
}

}  // namespace
