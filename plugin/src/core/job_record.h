// The job record: what a job persists under <cache>/jobs/<name>.json so that
// a job of that name, created again (in this process or another one after a
// crash), gets its files back (BITS persistence), and `assetfetch job`
// can list, show, resume and cancel it.
//
//   {"name", "state", "pid", "files": [{"name", "local_name", "urls"
//    (declared, redacted), "sha256"|"sha512", "ranges" ["OFF:LEN[:SHA256]"],
//    "layout": "sparse" (when sparse), "completed"}]}
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "assetfetch/job.h"

namespace assetfetch {

struct RecordedFile {
  std::string name;
  std::filesystem::path local_name;
  std::vector<std::string> urls;  // declared URLs, credentials redacted
  std::optional<Digest> digest;
  std::vector<ByteRange> ranges;
  bool ranges_given = false;
  Layout layout = Layout::concatenated;
  bool completed = false;
};

struct JobRecord {
  std::string name;
  std::string state;  // "transferring", "error"
  long pid = 0;
  std::vector<RecordedFile> files;
};

// <jobs_dir>/<name>.json
std::filesystem::path job_record_path(const std::filesystem::path& jobs_dir, const std::string& name);

nlohmann::json to_json(const JobRecord& record);
// A range as recorded: "OFF:LEN" or "OFF:LEN:SHA256" (parse_range_arg reads it).
std::string recorded_range_text(const ByteRange& range);
// Throws InputError naming `file` (and the way out) when it is not a record.
JobRecord parse_job_record(const nlohmann::json& j, const std::filesystem::path& file);
JobRecord read_job_record(const std::filesystem::path& file);
// Atomic (temporary + rename).
void write_job_record(const std::filesystem::path& file, const JobRecord& record);

// The FileSpec a recorded file stands for (its `urls` declared, for the job's
// source policy to expand). Throws InputError when the record cannot be
// replayed faithfully: no digest, no URL, or a URL whose credentials were
// redacted.
FileSpec spec_from_record(const JobRecord& record, const RecordedFile& file);

// True when `pid` names a live process other than this one.
bool record_owner_alive(long pid);

}  // namespace assetfetch
