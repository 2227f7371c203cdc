// Ctrl-C (SIGINT) or SIGTERM during a fetch: exit 130 with a message, nothing
// half-written beside the destination, the cache's partial kept for the next
// run to resume from.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "integration_util.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

void interrupt_then_resume(int sig) {
  af_test::TempDir tmp{"af-interrupt"};
  const fs::path cache = tmp / "cache";
  const fs::path out = tmp / "out" / "big.bin";
  const std::string data = af_test::random_bytes(6u << 20, 41);
  const std::string sha = af_test::sha256_hex(data);
  af_test::TestServer server;
  server.add_file("/big.bin", data);
  server.set_fault("/big.bin", af_test::Fault{.throttle_bytes_per_s = 2u << 20});
  const std::vector<std::string> args{"fetch", server.url("/big.bin"), "--sha256", sha, "-o", out.string(),
                                      "--config", af_it::write_config(tmp / "config.json").string()};
  bool grew = false;
  af_test::ChildProcess child = af_it::start_until_partial(args, cache, sha, 1u << 20, &grew);
  const fs::path part = cache / "partial" / ("sha256-" + sha + ".part");
  ASSERT_TRUE(grew) << child.stderr_so_far();
  ASSERT_TRUE(child.kill(sig));
  af_test::ProcessResult r = child.wait(10s);
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
  EXPECT_TRUE(af_it::files_under(out.parent_path()).empty()) << "left beside the destination";
  ASSERT_TRUE(fs::exists(part));
  const std::uint64_t kept = fs::file_size(part);
  ASSERT_GT(kept, 0u);

  server.clear_fault("/big.bin");
  server.clear_log();
  auto again = af_it::run_cli(args, cache, tmp / "cwd");
  ASSERT_EQ(again.exit_code, 0) << af_it::describe(again);
  ASSERT_EQ(server.requests_for("/big.bin").size(), 1u);
  EXPECT_EQ(server.requests_for("/big.bin")[0].range, "bytes=" + std::to_string(kept) + "-");
  EXPECT_TRUE(af_test::read_file(out) == data);
}

TEST(Interrupt, SigintStopsCleanlyAndTheNextRunResumes) { interrupt_then_resume(SIGINT); }
TEST(Interrupt, SigtermStopsCleanlyAndTheNextRunResumes) { interrupt_then_resume(SIGTERM); }

}  // namespace
