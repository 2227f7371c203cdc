// Shared by the object-storage integration tests: a fetch through the CLI
// with its own cache ("machine"), and the --json events of a run.
#pragma once

#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "integration_util.h"

namespace af_it {

// `assetfetch <args> --config cfg --cache-dir <dir>/<machine>/cache`.
inline af_test::ProcessResult run_machine(const fs::path& dir, const std::string& machine,
                                          std::vector<std::string> args, const fs::path& cfg,
                                          af_test::EnvList env = kCleanEnv) {
  std::vector<std::string> argv{AF_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--config");
  argv.push_back(cfg.string());
  argv.push_back("--cache-dir");
  argv.push_back((dir / machine / "cache").string());
  return af_test::run_process(argv, env, std::chrono::seconds(120));
}

// The JSON events of --json output, one per line.
inline std::vector<nlohmann::json> json_events(const std::string& out) {
  std::vector<nlohmann::json> events;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line.front() == '{') events.push_back(nlohmann::json::parse(line));
  return events;
}

// True when an attempt event asked `url_part` for a range starting past 0
// and got 206: a resume from the bytes kept.
inline bool resumed_with_range(const std::vector<nlohmann::json>& events, const std::string& url_part) {
  for (const auto& e : events) {
    if (e.value("event", "") != "attempt") continue;
    const std::string range = e.value("range", "");
    if (e.value("url", "").find(url_part) != std::string::npos && e.value("status", 0) == 206 &&
        range.rfind("bytes=", 0) == 0 && range.rfind("bytes=0-", 0) != 0)
      return true;
  }
  return false;
}

}  // namespace af_it
