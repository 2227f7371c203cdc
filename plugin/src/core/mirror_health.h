// Mirror health memory: the recent outcome and speed of each origin
// (scheme://host:port), kept under <cache>/health.json for a while, so a
// mirror that was unreachable a minute ago is tried last on the next run
// instead of costing a timeout every time. Only failures that say "this
// server is unwell" count (connect errors, resets, timeouts, 5xx, TLS); a 404
// is about one file, not the server. Order among equally healthy candidates
// stays as declared.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "assetfetch/job.h"

namespace assetfetch {

struct OriginHealth {
  std::int64_t last_failure = 0;  // unix seconds; 0 = none recorded
  std::string last_failure_reason;
  std::int64_t last_success = 0;
  double bytes_per_second = 0;  // of the last successful transfer
};

class MirrorHealth {
 public:
  // How long a failure keeps an origin at the back of the line.
  static constexpr std::chrono::seconds kMemory{600};

  explicit MirrorHealth(std::filesystem::path cache_dir);

  // Stable-partitions candidates: origins that failed within kMemory (and
  // have not succeeded since) go last, oldest failure first. Each move is
  // described in `notes` (for -v).
  void reorder(std::vector<Candidate>& candidates, std::vector<std::string>* notes) const;

  void record(const AttemptRecord& attempt);
  // Merges what was recorded into the file (locked, atomic).
  void save();

 private:
  std::filesystem::path file_;
  std::map<std::string, OriginHealth> known_;
  std::map<std::string, OriginHealth> updates_;
};

}  // namespace assetfetch
