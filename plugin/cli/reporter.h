// What the user sees: a progress bar on a terminal, errors that say what,
// where, why and what to do, or (--json) one JSON event per line on stdout:
// start, attempt, progress, failover, done, error.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <mutex>
#include <string>

#include "assetfetch/job.h"

namespace assetfetch::cli {

class Reporter {
 public:
  Reporter(bool json, bool quiet, bool verbose);

  JobCallbacks callbacks();
  void start(const FileSpec& spec);
  void done(const FileSpec& spec, const FileResult& result);
  void error(const std::string& asset, ErrorCode code, const std::string& message);
  void warning(const std::string& asset, const std::string& message);
  void info(const std::string& message);  // human mode only, not when quiet
  void verbose(const std::string& message);  // -v only
  void summary(int fetched, int from_cache, int failed);
  void set_files_total(std::uint32_t n) { files_total_ = n; }
  bool json() const { return json_; }

 private:
  void emit(const std::string& line);  // one JSON event
  void progress(const Progress& p, const File& f);
  void clear_bar();

  bool json_, quiet_, verbose_, tty_;
  std::mutex mu_;
  bool bar_shown_ = false;
  std::uint32_t files_total_ = 0, files_done_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_json_progress_{};
};

// "1.5 MiB"
std::string human_bytes(std::uint64_t n);

}  // namespace assetfetch::cli
