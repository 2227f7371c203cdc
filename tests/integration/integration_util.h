// Shared helpers for the integration tests: running the CLI with a private
// cache, writing a fast-retry config, and looking at directories.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "cli_fixture.h"
#include "process.h"
#include "test_util.h"

namespace af_it {

namespace fs = std::filesystem;

inline const char* cli_path() { return AF_CLI_PATH; }

// The environment a CLI child gets when a test wants nothing from the
// caller's: no config, not offline, no cache dir (tests pass their own).
inline const af_test::EnvList& kCleanEnv = af_test::kCliCleanEnv;

// A config with short retries (tests stay fast); `extra` is spliced into the
// top-level object, e.g. "\"tls\": {\"ca_file\": \"/x.pem\"}".
inline fs::path write_config(const fs::path& file, int attempts = 2, const std::string& extra = "") {
  std::string json = "{\"retry\": {\"attempts\": " + std::to_string(attempts) +
                     ", \"backoff_ms\": 10, \"no_progress_timeout_s\": 1}";
  if (!extra.empty()) json += ", " + extra;
  json += "}\n";
  af_test::write_file(file, json);
  return file;
}

// Runs `assetfetch <args...>` with ASSETFETCH_CACHE_DIR=cache, cwd `cwd`.
inline af_test::ProcessResult run_cli(const std::vector<std::string>& args, const fs::path& cache,
                                      const fs::path& cwd, af_test::EnvList env = {},
                                      std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  std::vector<std::string> argv{cli_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  env.emplace_back("ASSETFETCH_CACHE_DIR", cache.string());
  env.emplace_back("ASSETFETCH_CONFIG", "");
  env.emplace_back("ASSETFETCH_OFFLINE", "");
  fs::create_directories(cwd);
  return af_test::run_process(argv, env, timeout, "", cwd.string());
}

// Every regular file below dir (relative paths), sorted.
inline std::vector<std::string> files_under(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); ++it)
    if (it->is_regular_file()) out.push_back(fs::relative(it->path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

// Starts `assetfetch <args...>` with a private cache and returns once the
// cache's partial download for `sha256` holds at least `bytes` (at most ~10 s;
// *grew says whether it did), for kill-and-resume tests.
inline af_test::ChildProcess start_until_partial(const std::vector<std::string>& args, const fs::path& cache,
                                                 const std::string& sha256, std::uint64_t bytes, bool* grew) {
  std::vector<std::string> argv{cli_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  af_test::ChildProcess child =
      af_test::start_process(argv, {{"ASSETFETCH_CACHE_DIR", cache.string()}, {"ASSETFETCH_CONFIG", ""}});
  const fs::path part = cache / "partial" / ("sha256-" + sha256 + ".part");
  *grew = false;
  for (int i = 0; i < 1000 && !*grew; ++i) {
    std::error_code ec;
    *grew = fs::file_size(part, ec) >= bytes && !ec;
    if (!*grew) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return child;
}

inline std::string describe(const af_test::ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout\n" + r.out + "\n--- stderr\n" + r.err;
}

}  // namespace af_it
