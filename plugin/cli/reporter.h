// What the user sees: a progress bar on a terminal, periodic progress lines
// when stderr is not a terminal (a log, a pipe, CMake), errors that say what,
// where, why and what to do, or (--json) one JSON event per line on stdout:
// start, attempt, progress, failover, done, error.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "assetfetch/job.h"

namespace assetfetch::cli {

// How progress is shown on stderr. automatic: a bar on a terminal, lines
// elsewhere, nothing with --json. lines: progress lines even with --json
// (the CMake module reads the events on stdout and shows the lines).
enum class ProgressStyle { automatic, bar, lines, none };

// "auto", "bar", "lines", "none"; anything else is automatic (CLI11 checks
// the flag's value before this is called).
ProgressStyle parse_progress_style(const std::string& s);

class Reporter {
 public:
  Reporter(bool json, bool quiet, bool verbose, ProgressStyle style = ProgressStyle::automatic);

  JobCallbacks callbacks();
  void start(const FileSpec& spec);
  void done(const FileSpec& spec, const FileResult& result);
  void error(const std::string& asset, ErrorCode code, const std::string& message);
  void warning(const std::string& asset, const std::string& message);
  void info(const std::string& message);  // human mode only, not when quiet
  void verbose(const std::string& message);  // -v only
  // An upload to a writable source failed after the fetch succeeded: a
  // `write_back` event with --json, a -v line otherwise.
  void write_back_failed(const std::string& asset, const std::string& target, const std::string& reason);
  void summary(int fetched, int from_cache, int failed);
  // The digest of bytes fetched without a hash to check them against, so the
  // user can pin it (fetch --no-verify).
  void digest(const std::string& asset, const Digest& d);
  // What `done` names as the destination (default: the spec's local_name).
  // Commands that fetch into a working file of their own (mirror, hash) say
  // where the bytes end up instead; an empty label prints no `done` line.
  void set_destination_label(std::function<std::string(const FileSpec&)> label) { label_ = std::move(label); }
  void set_files_total(std::uint32_t n) { files_total_ = n; }
  bool json() const { return json_; }

 private:
  void emit(const std::string& line);  // one JSON event
  void progress(const Progress& p, const File& f);
  void clear_bar();
  void progress_bar(const Progress& p, const File& f, double secs);
  void progress_line(const Progress& p, const File& f);

  bool json_, quiet_, verbose_;
  ProgressStyle style_;  // resolved: bar, lines or none
  std::mutex mu_;
  bool bar_shown_ = false;
  std::uint32_t files_total_ = 0, files_done_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_json_progress_{};
  std::chrono::steady_clock::time_point last_line_{};
  std::map<const File*, std::chrono::steady_clock::time_point> first_progress_;
  // (asset, destination) already announced: a job the service began and
  // this process finishes says `start` once.
  std::set<std::pair<std::string, std::string>> announced_;
  std::function<std::string(const FileSpec&)> label_;
};

// The stable one-line progress format (README "Progress"), e.g.
// "assetfetch: progress: big.bin 12.0 MiB/200.0 MiB (6%) 3.1 MiB/s".
std::string progress_line_text(const std::string& asset, const Progress& p, double bytes_per_s);

// "1.5 MiB"
std::string human_bytes(std::uint64_t n);

}  // namespace assetfetch::cli
