// Shared helpers for the integration tests: running the CLI with a private
// cache, writing a fast-retry config, and looking at directories.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "process.h"
#include "test_util.h"

namespace af_it {

namespace fs = std::filesystem;

inline const char* cli_path() { return AF_CLI_PATH; }

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

inline std::string describe(const af_test::ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout\n" + r.out + "\n--- stderr\n" + r.err;
}

}  // namespace af_it
