// Install records: what assetfetch put at a destination, and how that file
// looked right after (size, inode, mtime, ctime). A later run that finds the
// file unchanged skips it without re-hashing: "already in place" costs a
// stat, not a read of the file. Any write to the file changes its ctime.
//
//   <cache>/installed/<sha256 of the absolute destination path>
#pragma once

#include <filesystem>
#include <string>

#include "assetfetch/job.h"

namespace assetfetch {

// What was asked for: digest, ranges and layout (a different request for
// the same destination must not be taken as in place).
std::string install_request_key(const FileSpec& spec);

// True when `spec.local_name` holds exactly what an earlier run installed for
// the same request and has not changed since.
bool installed_in_place(const std::filesystem::path& cache_dir, const FileSpec& spec);
void record_install(const std::filesystem::path& cache_dir, const FileSpec& spec);

}  // namespace assetfetch
