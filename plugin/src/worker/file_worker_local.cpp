// FileWorker: file:// candidates, read straight from the filesystem.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "worker/file_worker.h"
#include "worker/file_worker_util.h"
#include "cache/install.h"
#include "worker/local_source.h"
#include "transfer/redact.h"

namespace assetfetch {

namespace fs = std::filesystem;
using namespace worker_util;

void FileWorker::run_local_candidate() {
  fs::path src = local_path_from_url(walk_.url());
  std::string why;
  bool ok = mode_ == Mode::whole ? local_whole(src, &why) : local_ranges(src, &why);
  if (phase_ == Phase::failed || phase_ == Phase::done) return;
  if (!ok) {
    failover(ErrorCause::local_file, why);
    return;
  }
}

bool FileWorker::local_whole(const fs::path& src, std::string* why) {
  LocalRead lr = read_local(src, filled_, [&](const char* p, std::size_t n) {
    Refusal refusal;
    return write_whole(p, n, &refusal);
  }, spec_.size, filled_ > 0 ? remote_size_ : std::nullopt);
  if (!lr.ok) {
    if (lr.restart) {
      restart_whole();
      return local_whole(src, why);
    }
    *why = lr.error;
    return false;
  }
  remote_size_ = lr.size;
  result_.source = redact_url(walk_.current().url);
  finish_whole();
  return true;
}

bool FileWorker::local_ranges(const fs::path& src, std::string* why) {
  std::error_code ec;
  auto size = fs::file_size(src, ec);
  if (ec) {
    *why = "cannot read " + src.string() + ": " + ec.message();
    return false;
  }
  // Ranges placed without a size (no EOF length) may still lie past this
  // file's end: that is the caller's mistake (exit 2), not a bad source.
  std::string err;
  if (!(ranges_->placed() ? ranges_->fits(size, &err) : ranges_->place(size, &err))) {
    fail(ErrorCode::bad_input, ErrorCause::range_invalid, err);
    return true;
  }
  for (std::size_t i = 0; i < ranges_->size(); ++i) {
    if (ranges_->done(i)) continue;
    const RangeFetch::Request asked = ranges_->local_request(i, walk_.index());
    Refusal refusal;
    LocalRead lr = read_local_range(src, asked.start, asked.end - asked.start, [&](const char* p, std::size_t n) {
      return ranges_->write(asked.id, p, n, &refusal);
    });
    if (!lr.ok) {
      ranges_->release(asked.id);
      *why = refusal.detail.empty() ? lr.error : refusal.detail;
      return false;
    }
    RangeFetch::GroupEnd end = ranges_->finish(asked.id);
    if (!end.mismatch.empty()) {
      any_mismatch_ = true;
      failover(ErrorCause::hash_mismatch, end.mismatch);
      return true;
    }
    if (result_.source.empty()) result_.source = redact_url(walk_.current().url);
  }
  finish_all_ranges();
  return true;
}

}  // namespace assetfetch
