// FileWorker: file:// candidates, read straight from the filesystem.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "file_worker.h"
#include "file_worker_util.h"
#include "install.h"
#include "local_source.h"
#include "redact.h"

namespace assetfetch {

namespace fs = std::filesystem;
using namespace worker_util;

void FileWorker::run_local_candidate() {
  fs::path src = local_path_from_url(url_);
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
    std::string reason;
    return write_whole(p, n, &reason);
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
  result_.source = redact_url(candidates_[candidate_].url);
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
  if (!ranges_placed()) {
    std::string err;
    if (!place(size, &err)) {
      fail(ErrorCode::bad_input, ErrorCause::range_invalid, err);
      return true;
    }
  }
  for (std::size_t i = 0; i < range_states_.size(); ++i) {
    if (range_states_[i].done) continue;
    active_range_ = i;
    range_states_[i].received = 0;
    const auto& d = spec_.ranges[i].digest;
    if (d) range_hasher_.emplace(d->algorithm);
    else range_hasher_.reset();
    LocalRead lr = read_local_range(src, range_states_[i].placed.offset, range_states_[i].placed.length,
                                    [&](const char* p, std::size_t n) {
                                      std::string reason;
                                      return write_range(p, n, &reason);
                                    });
    if (!lr.ok) {
      *why = lr.error;
      return false;
    }
    finish_range(i);
    if (phase_ != Phase::idle) return true;
    if (candidate_ >= candidates_.size() || url_scheme(candidates_[candidate_].url) != "file") return true;
  }
  return true;
}

}  // namespace assetfetch
