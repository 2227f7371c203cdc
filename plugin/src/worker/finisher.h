// The finisher: what happens to a file's bytes once they are all here and
// verified — adopted into the cache, written back to writable sources,
// installed at the destination's temporary, or cut into the asked ranges.
// No candidate walk, no transfer state: FileWorker calls it at the end of
// every strategy (whole file, ranges cut from a whole file, cache hit).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <variant>

#include "assetfetch/job.h"
#include "writeback/store_marks.h"

namespace assetfetch {

// Why the end of a fetch failed, as values (FileWorker::fail takes them).
struct Failure {
  ErrorCode code = ErrorCode::internal;
  ErrorCause cause = ErrorCause::local_file;
  std::string message;
};

// Puts a verified whole file at the destination's temporary: a read-only
// hardlink under `install: hardlink`, else a reflink where the filesystem
// can and an in-kernel copy otherwise (one write per byte during the
// transfer; the copy comes after it). Returns the bytes installed; throws
// std::system_error naming the path.
std::uint64_t install_whole(const std::filesystem::path& object, const std::filesystem::path& temporary,
                            InstallMode mode);

// Cuts the spec's ranges out of a whole file into `temporary` (created
// anew), checking every range that has its own digest. Returns the bytes
// of the local file, or why not: a range past the end is the caller's
// mistake (bad_input), a range digest that does not match is a mismatch.
std::variant<std::uint64_t, Failure> cut_ranges(const FileSpec& spec, const std::filesystem::path& whole,
                                                const std::filesystem::path& temporary);

enum class WriteBackAfter { fetch, cache_hit };

// Writes a verified object back to the spec's writable sources, except the
// one it came from (`served_by`). After a cache hit, every source `marks`
// says has the object is skipped too. Network uploads are queued
// (writeback_queue.h) and never hold up the fetch, and none is made offline;
// a local copy runs now and a failure only warns. A success leaves a mark.
void write_back(const FileSpec& spec, const std::string& asset, const std::filesystem::path& object,
                const std::string& served_by, const JobOptions& options, const StoreMarks& marks,
                WriteBackAfter after, const std::function<void(const std::string&)>& warning);

}  // namespace assetfetch
