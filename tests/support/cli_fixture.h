// The set-up every CLI integration test shares: no proxy variables, a
// private temporary folder, one loopback origin, and a way to run the built
// CLI with nothing from the caller's environment (no config, not offline, no
// cache dir). Header-only: it needs AF_CLI_PATH, which each integration test
// binary defines (tests/integration/CMakeLists.txt).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "process.h"
#include "test_server.h"
#include "test_util.h"

namespace af_test {

// The environment a CLI child gets: nothing from the caller's.
inline const EnvList kCliCleanEnv = {
    {"ASSETFETCH_CONFIG", ""}, {"ASSETFETCH_OFFLINE", ""}, {"ASSETFETCH_CACHE_DIR", ""}};

#ifdef AF_CLI_PATH
struct CliTest : ::testing::Test {
  void SetUp() override { remove_proxy_env(); }

  // `assetfetch <args...>` in the clean environment.
  ProcessResult cli(std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::seconds(30)) const {
    args.insert(args.begin(), AF_CLI_PATH);
    return run_process(args, kCliCleanEnv, timeout);
  }
  // The same with --cache-dir cache() appended.
  ProcessResult cli_cached(std::vector<std::string> args) const {
    args.insert(args.end(), {"--cache-dir", cache().string()});
    return cli(std::move(args));
  }
  std::filesystem::path cache() const { return dir.path() / "cache"; }

  TempDir dir;
  TestServer origin;
};
#endif

}  // namespace af_test
