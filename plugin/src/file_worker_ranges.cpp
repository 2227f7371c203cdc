// FileWorker: range fetches (BITS AddFileWithRanges), cut or fetched.
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

void FileWorker::begin_ranges() {
  mode_ = Mode::ranges;
  out_fd_ = ::open(temporary_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd_ < 0) {
    fail(ErrorCode::internal, ErrorCause::local_file, "cannot create " + temporary_.string());
    return;
  }
  // Ranges whose own digest is cached need no network.
  if (!cache_) return;
  for (const auto& r : spec_.ranges) {
    if (!r.digest || !r.to_eof()) continue;
    return;  // an EOF range needs the remote size first: place everything from the network
  }
}

bool FileWorker::place(std::uint64_t remote_size, std::string* why) {
  std::vector<PlacedRange> placed;
  if (!place_ranges(spec_.ranges, remote_size, spec_.layout, &placed, why)) return false;
  range_states_.clear();
  for (const auto& p : placed) range_states_.push_back({p, false, false, 0});
  remote_size_ = remote_size;
  if (spec_.layout == Layout::sparse && ::ftruncate(out_fd_, static_cast<off_t>(remote_size)) != 0) {
    *why = "cannot size " + temporary_.string();
    return false;
  }
  // Ranges already in the cache under their own digest are copied, not fetched.
  if (cache_) {
    for (std::size_t i = 0; i < range_states_.size(); ++i) {
      const auto& d = spec_.ranges[i].digest;
      if (!d || cache_->lookup(*d) != Cache::Lookup::hit) continue;
      int in = ::open(cache_->object_path(*d).c_str(), O_RDONLY | O_CLOEXEC);
      if (in < 0) continue;
      try {
        copy_fd_range(in, 0, out_fd_, range_states_[i].placed.output_offset, range_states_[i].placed.length);
        range_states_[i].done = range_states_[i].verified = true;
      } catch (const std::exception&) {
      }
      ::close(in);
    }
  }
  return true;
}

std::size_t FileWorker::next_range_index() const {
  for (std::size_t i = 0; i < range_states_.size(); ++i)
    if (!range_states_[i].done) return i;
  return range_states_.size();
}

bool FileWorker::check_range_headers(const TransferResult& r, std::string* reason) {
  const ByteRange& want = spec_.ranges[active_range_];
  if (r.status != 206) {
    *reason = "range_unsupported: the server ignored Range and answered " + std::to_string(r.status);
    return false;
  }
  const auto& cr = r.content_range;
  if (!cr.present || !cr.total_known || cr.first != want.offset) {
    *reason = "range_unsupported: wrong Content-Range in answer to bytes=" + std::to_string(want.offset) + "-";
    return false;
  }
  if (!ranges_placed()) {
    std::string why;
    if (!place(cr.total, &why)) {
      *reason = "range_invalid: " + why;
      return false;
    }
  } else if (cr.total != *remote_size_) {
    *reason = "size_mismatch: this source reports " + std::to_string(cr.total) + " bytes, earlier " +
              std::to_string(*remote_size_);
    return false;
  }
  const auto& rs = range_states_[active_range_];
  if (cr.last != rs.placed.offset + rs.placed.length - 1) {
    *reason = "range_unsupported: Content-Range " + std::to_string(cr.first) + "-" + std::to_string(cr.last) +
              " does not match the request";
    return false;
  }
  return true;
}

bool FileWorker::write_range(const char* data, std::size_t n, std::string* reason) {
  auto& rs = range_states_[active_range_];
  if (rs.received + n > rs.placed.length) {
    *reason = "the server sent more bytes than the range holds";
    return false;
  }
  if (!pwrite_all(out_fd_, data, n, rs.placed.output_offset + rs.received)) {
    *reason = "writing " + temporary_.string() + ": " + std::strerror(errno);
    return false;
  }
  if (range_hasher_) range_hasher_->update(data, n);
  rs.received += n;
  if (events_.progress) events_.progress();
  return true;
}

void FileWorker::cut_ranges_from(const fs::path& whole, bool verified) {
  try {
    std::uint64_t size = fs::file_size(whole);
    std::vector<PlacedRange> placed;
    std::string why;
    if (!place_ranges(spec_.ranges, size, spec_.layout, &placed, &why)) {
      fail(ErrorCode::bad_input, ErrorCause::range_invalid, why);
      return;
    }
    int in = ::open(whole.c_str(), O_RDONLY | O_CLOEXEC);
    int out = ::open(temporary_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in < 0 || out < 0) {
      if (in >= 0) ::close(in);
      if (out >= 0) ::close(out);
      fail(ErrorCode::internal, ErrorCause::local_file, "cannot cut ranges into " + temporary_.string());
      return;
    }
    if (spec_.layout == Layout::sparse && ::ftruncate(out, static_cast<off_t>(size)) != 0) {
      ::close(in);
      ::close(out);
      fail(ErrorCode::internal, ErrorCause::local_file, "cannot size " + temporary_.string());
      return;
    }
    std::uint64_t total = 0;
    for (const auto& p : placed) {
      copy_fd_range(in, p.offset, out, p.output_offset, p.length);
      total += p.length;
    }
    ::close(in);
    ::close(out);
    // A range with its own digest must match it even when cut from a file.
    for (std::size_t i = 0; i < placed.size(); ++i) {
      const auto& d = spec_.ranges[i].digest;
      if (d && hash_file(whole, d->algorithm, placed[i].offset, placed[i].length) != d->hex) {
        any_mismatch_ = true;
        fail(ErrorCode::hash_mismatch, ErrorCause::hash_mismatch,
             "range " + format_range(spec_.ranges[i]) + " does not match its sha256 " + d->hex);
        return;
      }
    }
    result_.verified = verified;
    result_.bytes = spec_.layout == Layout::sparse ? size : total;
    phase_ = Phase::done;
  } catch (const std::exception& e) {
    fail(ErrorCode::internal, ErrorCause::local_file, e.what());
  }
}

void FileWorker::finish_range(std::size_t index) {
  auto& rs = range_states_[index];
  if (rs.received != rs.placed.length) {
    retry_or_failover("short range body", std::nullopt);
    return;
  }
  const auto& d = spec_.ranges[index].digest;
  if (d) {
    std::string got = range_hasher_->finish_hex();
    if (got != d->hex) {
      any_mismatch_ = true;
      rs.received = 0;
      failover(ErrorCause::hash_mismatch, "range " + format_range(spec_.ranges[index]) +
                                              ": hash mismatch: expected sha256 " + d->hex + ", got " + got);
      return;
    }
    rs.verified = true;
    if (cache_) {
      // Cache the verified range under its own digest.
      try {
        fs::create_directories(cache_->tmp_dir());
        fs::path tmp = cache_->tmp_dir() / (d->hex + "." + std::to_string(::getpid()) + ".range");
        int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out >= 0) {
          copy_fd_range(out_fd_, rs.placed.output_offset, out, 0, rs.placed.length);
          ::close(out);
          cache_->adopt(tmp, *d);
        }
      } catch (const std::exception&) {
        // Caching is an optimisation; the range itself is fine.
      }
    }
  }
  rs.done = true;
  if (result_.source.empty()) result_.source = redact_url(candidates_[candidate_].url);
  if (next_range_index() >= range_states_.size()) finish_all_ranges();
}

void FileWorker::finish_all_ranges() {
  close_fd(out_fd_);
  bool verified = true;
  std::uint64_t total = 0;
  for (const auto& rs : range_states_) {
    verified = verified && rs.verified;
    total += rs.placed.length;
  }
  result_.verified = verified;
  result_.bytes = spec_.layout == Layout::sparse ? *remote_size_ : total;
  lock_.unlock();
  phase_ = Phase::done;
}

}  // namespace assetfetch
