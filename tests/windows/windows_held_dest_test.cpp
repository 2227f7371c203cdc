// A destination another program holds open when assetfetch renames the
// download over it: on Windows a virus scanner, an indexer or an editor that
// opened the file without delete sharing makes the rename fail. The CLI
// retries for a moment (platform::replace_file, 2 s), then fails naming the
// destination, with the old file untouched and the verified file in the
// cache; a holder that lets go within the window is waited out.
//
// Runs against assetfetch.exe under Wine only (scripts/windows/cli-test.sh
// sets AF_TEST_CLI, and AF_TEST_WINDOWS_HOLDER to a wrapper that runs
// tests/windows/hold_file.c, a Windows program that opens the file with
// FILE_SHARE_READ | FILE_SHARE_WRITE). Wine 8 refuses that rename with
// ERROR_ACCESS_DENIED; Windows gives ERROR_SHARING_VIOLATION or
// ERROR_ACCESS_DENIED depending on its version (docs/windows.md): both are
// retried. Wine maps drive Z: to /.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "../integration/integration_util.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using af_it::describe;
using Clock = std::chrono::steady_clock;

std::string drive_z(const fs::path& p) {
  std::string s = "Z:" + p.string();
  for (char& c : s)
    if (c == '/') c = '\\';
  return s;
}

const char* holder_program() {
  const char* cli = std::getenv("AF_TEST_CLI");
  const char* holder = std::getenv("AF_TEST_WINDOWS_HOLDER");
  if (cli == nullptr || *cli == '\0' || holder == nullptr || *holder == '\0') return nullptr;
  return holder;
}

// Names in `folder` other than `keep`.
std::vector<std::string> others_in(const fs::path& folder, const std::string& keep) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(folder))
    if (e.path().filename() != keep) out.push_back(e.path().filename().string());
  return out;
}

struct WindowsHeldDestination : af_test::CliTest {
  const std::string data = af_test::random_bytes(300000, 92);
  const std::string sha = af_test::sha256_hex(data);
  const fs::path out = dir / "out dir";
  const fs::path dest = out / "tool.zip";
  const fs::path release = dir / "release";
  af_test::ChildProcess holder;

  void SetUp() override {
    CliTest::SetUp();
    origin.add_file("/tool.zip", data);
    af_test::write_file(dest, "the old tool");
  }
  void TearDown() override {
    af_test::write_file(release, "");
    if (holder.running()) holder.wait(std::chrono::seconds(20));
  }
  // Starts hold_file on the destination; true once it holds it (bounded).
  bool hold(const char* program) {
    holder = af_test::start_process({program, drive_z(dest), drive_z(release)});
    for (auto until = Clock::now() + std::chrono::seconds(30); Clock::now() < until;) {
      if (holder.stdout_so_far().find("held") != std::string::npos) return true;
      if (!holder.running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  af_test::ProcessResult fetch() const {
    return cli({"fetch", origin.url("/tool.zip"), "--sha256", sha, "-o", drive_z(dest), "--cache-dir",
                drive_z(cache())});
  }
};

TEST_F(WindowsHeldDestination, IsRetriedThenFailsNamingItAndKeepsBoth) {
  const char* program = holder_program();
  if (program == nullptr) GTEST_SKIP() << "needs assetfetch.exe and hold_file.exe under Wine (cli-test.sh)";
  ASSERT_TRUE(hold(program)) << holder.stderr_so_far();

  const auto start = Clock::now();
  auto r = fetch();
  const auto took = Clock::now() - start;
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_GE(took, std::chrono::milliseconds(1800)) << "retried for about 2 s before giving up";
  EXPECT_NE(r.err.find("cannot replace " + drive_z(dest)), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("another program holds it open"), std::string::npos) << r.err;
  // The held file is unchanged, no temporary is left beside it, and the
  // verified bytes wait in the cache.
  EXPECT_EQ(af_test::read_file(dest), "the old tool");
  EXPECT_TRUE(others_in(out, "tool.zip").empty());
  EXPECT_EQ(af_test::read_file(cache() / "objects" / "sha256" / sha), data);
  EXPECT_EQ(origin.requests_for("/tool.zip").size(), 1u);

  // Released: the rerun installs from the cache, no new request.
  af_test::write_file(release, "");
  auto h = holder.wait(std::chrono::seconds(20));
  EXPECT_EQ(h.exit_code, 0) << h.out << h.err;
  r = fetch();
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(af_test::read_file(dest), data);
  EXPECT_EQ(origin.requests_for("/tool.zip").size(), 1u);
  EXPECT_TRUE(others_in(out, "tool.zip").empty());
}

TEST_F(WindowsHeldDestination, ReleasedWithinTheRetryWindowIsReplaced) {
  const char* program = holder_program();
  if (program == nullptr) GTEST_SKIP() << "needs assetfetch.exe and hold_file.exe under Wine (cli-test.sh)";
  ASSERT_TRUE(hold(program)) << holder.stderr_so_far();

  // The holder lets go 500 ms after the download's temporary shows up beside
  // the destination: the first renames meet the held file, a later one wins.
  std::atomic<bool> saw_temporary{false};
  std::thread releaser([&] {
    for (auto until = Clock::now() + std::chrono::seconds(30); Clock::now() < until;) {
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(out, ec))
        if (e.path().filename().string().ends_with(".part")) saw_temporary = true;
      if (saw_temporary) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    af_test::write_file(release, "");
  });
  auto r = fetch();
  releaser.join();
  EXPECT_TRUE(saw_temporary.load());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(af_test::read_file(dest), data);
  EXPECT_TRUE(others_in(out, "tool.zip").empty());
  auto h = holder.wait(std::chrono::seconds(20));
  EXPECT_EQ(h.exit_code, 0) << h.out << h.err;
  EXPECT_NE(h.out.find("released"), std::string::npos);
}

}  // namespace
