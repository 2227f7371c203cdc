// Install records: what assetfetch put at a destination, and how that file
// looked right after (size, inode, mtime, ctime). A later run that finds the
// file unchanged skips it without re-hashing: "already in place" costs a
// stat, not a read of the file. Any write to the file changes its ctime.
//
//   <cache>/installed/dir-<sha256 of the absolute destination folder>.json
//     {"dir": "/abs/folder", "files": {"<name>": ["<request key>", "<state>"], ...}}
//
// One record per destination folder, written once per job (not one file per
// asset: creating a file is the dearest metadata operation there is, and a
// sync installs thousands). Records of older versions, one per destination
// (`installed/<sha256 of the absolute destination>`), are still read.
//
// Two jobs saving the same folder's record at once may lose one's entries
// (each re-reads the record just before its atomic replace, so the window is
// small). That costs only speed: a destination without a record is checked
// through the cache again, never taken as in place.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "assetfetch/job.h"

namespace assetfetch {

// What was asked for: digest, ranges and layout (a different request for
// the same destination must not be taken as in place).
std::string install_request_key(const FileSpec& spec);

class InstallRecords {
 public:
  explicit InstallRecords(std::filesystem::path cache_dir) : cache_dir_(std::move(cache_dir)) {}

  // True when `spec.local_name` holds exactly what an earlier run installed
  // for the same request and has not changed since. Reads each folder's
  // record once per InstallRecords.
  bool in_place(const FileSpec& spec);
  // Notes what is at `spec.local_name` now (call right after installing it).
  void add(const FileSpec& spec);
  // Writes the noted installs: one atomic replace per destination folder.
  // Best effort: a record is only an optimisation.
  void save();

 private:
  using Entries = std::map<std::string, std::pair<std::string, std::string>>;  // name -> {key, state}
  Entries& loaded_locked(const std::filesystem::path& dir);

  std::filesystem::path cache_dir_;
  std::mutex mu_;
  std::map<std::filesystem::path, Entries> loaded_;   // folder -> its record as read
  std::map<std::filesystem::path, Entries> pending_;  // folder -> installs not saved yet
};

}  // namespace assetfetch
