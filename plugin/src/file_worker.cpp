#include "file_worker.h"

#include "file_worker_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "install.h"
#include "local_source.h"
#include "redact.h"

namespace assetfetch {

namespace fs = std::filesystem;
using namespace worker_util;


FileWorker::FileWorker(const FileSpec& spec, const JobOptions& options, Cache* cache,
                       WorkerEvents events, fs::path temporary)
    : spec_(spec),
      options_(options),
      cache_(cache),
      events_(std::move(events)),
      temporary_(std::move(temporary)) {
  candidates_ = spec_.candidates;
  if (options_.offline) {
    // Offline: no connection at all; only file:// candidates remain.
    std::erase_if(candidates_, [](const Candidate& c) { return url_scheme(c.url) != "file"; });
  }
}

FileWorker::~FileWorker() {
  close_fd(part_fd_);
  close_fd(out_fd_);
}

std::string FileWorker::asset_label() const { return spec_.name.empty() ? temporary_.filename().string() : spec_.name; }

bool FileWorker::use_cache_for_whole() const { return cache_ && spec_.digest.has_value(); }

std::string FileWorker::current_url() const {
  if (!url_.empty()) return url_;
  return candidate_ < candidates_.size() ? candidates_[candidate_].url : std::string();
}

std::uint64_t FileWorker::bytes_transferred() const {
  if (seg_) return seg_->bytes_written() + (seg_->segments().empty() ? 0 : seg_->segments().front().start);
  if (mode_ == Mode::ranges && ranges_placed()) {
    std::uint64_t n = 0;
    for (const auto& r : range_states_) n += r.done ? r.placed.length : r.received;
    return n;
  }
  if (phase_ == Phase::done) return result_.bytes;
  return filled_;
}

std::optional<std::uint64_t> FileWorker::bytes_total() const {
  if (phase_ == Phase::done) return result_.bytes;
  if (mode_ == Mode::ranges) {
    if (!ranges_placed()) return std::nullopt;
    std::uint64_t n = 0;
    for (const auto& r : range_states_) n += r.placed.length;
    return n;
  }
  if (remote_size_) return remote_size_;
  return spec_.size;
}

std::vector<ByteRange> FileWorker::filled_ranges() const {
  std::vector<ByteRange> out;
  if (mode_ == Mode::ranges) {
    for (const auto& r : range_states_) {
      if (r.done) out.push_back({r.placed.offset, r.placed.length, std::nullopt});
      else if (r.received > 0) out.push_back({r.placed.offset, r.received, std::nullopt});
    }
  } else if (phase_ == Phase::done && !spec_.ranges_given) {
    out.push_back({0, result_.bytes, std::nullopt});
  } else if (filled_ > 0) {
    out.push_back({0, filled_, std::nullopt});
  }
  return out;
}

std::unique_ptr<Transfer> FileWorker::next(Clock::time_point now) {
  if (phase_ == Phase::done || phase_ == Phase::failed) return nullptr;
  if (seg_) {
    // Segmented: start more segments while connections are free.
    if (phase_ == Phase::waiting && now < wake_at_) return nullptr;
    if (auto i = seg_->next_to_start(now)) return make_segment_request(*i);
    if (seg_->any_in_flight()) {
      phase_ = Phase::transferring;
      return nullptr;
    }
    if (auto t = seg_->next_retry(); t && seg_->has_usable_candidates()) {
      phase_ = Phase::waiting;
      wake_at_ = *t;
      return nullptr;
    }
    abandon_segments("no source left for the remaining segments");
  }
  if (phase_ == Phase::transferring) {
    // Range fetches keep up to kParallelRanges requests in flight.
    if (mode_ != Mode::ranges || !ranges_placed() || now < wake_at_ || candidate_ >= candidates_.size())
      return nullptr;
    if (url_.empty()) url_ = candidates_[candidate_].url;
    if (url_scheme(url_) == "file") return nullptr;  // local candidates run once the requests are in
    return make_range_request();
  }
  if (phase_ == Phase::waiting && now < wake_at_) return nullptr;
  phase_ = Phase::idle;
  if (!started_ && !start(now)) return nullptr;
  // Bounded: each pass either returns a request, finishes, waits, or moves to
  // the next candidate (local candidates complete synchronously).
  for (std::size_t guard = 0; guard <= candidates_.size() + 2; ++guard) {
    if (phase_ != Phase::idle) return nullptr;
    if (pending_remote_name_) {
      if (candidate_ < candidates_.size()) candidates_[candidate_].url = *pending_remote_name_;
      else candidates_.push_back({*pending_remote_name_, CandidateKind::origin, {}});
      pending_remote_name_.reset();
      url_.clear();
      redirects_ = 0;
    }
    if (candidate_ >= candidates_.size()) {
      if (mode_ == Mode::ranges && any_range_unsupported_ && !whole_fallback_) {
        // No candidate honours Range: fetch the whole file and cut (DESIGN.md).
        whole_fallback_ = true;
        events_.warning("no source supports byte ranges; fetching the whole file and cutting the ranges from it");
        close_fd(out_fd_);
        begin_whole();
        candidate_ = 0;
        attempt_ = 0;
        continue;
      }
      if (!any_mismatch_ && (options_.offline || options_.block_origin)) {
        // The network (or the origin) was never asked: say so, and what to do.
        fail(ErrorCode::offline_miss, ErrorCause::offline_miss,
             std::string(options_.offline ? "offline and not in the local cache or any file:// source"
                                          : "the origin is blocked (block_origin) and no cache or source has it") +
                 (spec_.digest ? std::string(" (") + algorithm_name(spec_.digest->algorithm) + " " +
                                     spec_.digest->hex + ")"
                               : std::string()) +
                 "; on a connected machine run `assetfetch mirror MANIFEST.json --to DIR` (or "
                 "`assetfetch fetch` with the same cache) and make DIR or the cache available here");
        return nullptr;
      }
      ErrorCode code = any_mismatch_ ? ErrorCode::hash_mismatch : ErrorCode::unavailable;
      std::string why = error_.message.empty() ? "no candidate URL" : error_.message;
      fail(code, error_.cause == ErrorCause::none ? ErrorCause::transport : error_.cause,
           std::string("every source failed; last: ") + why, error_.http_status);
      return nullptr;
    }
    if (url_.empty()) url_ = candidates_[candidate_].url;
    if (url_scheme(url_) == "file") {
      run_local_candidate();
      continue;
    }
    return make_request();
  }
  return nullptr;
}

bool FileWorker::start(Clock::time_point now) {
  if (spec_.digest && cache_) {
    try {
      if (!lock_.try_lock(cache_->lock_path(*spec_.digest))) {
        // Another process is fetching this object: wait, then reuse it.
        phase_ = Phase::waiting;
        wake_at_ = now + std::chrono::milliseconds(50);
        return false;
      }
    } catch (const std::exception& e) {
      fail(ErrorCode::internal, ErrorCause::local_file, std::string("cache lock: ") + e.what());
      return false;
    }
  }
  started_ = true;
  if (serve_from_cache()) return false;
  if (spec_.ranges_given) {
    bool need_whole = false;
    if (options_.require_verified_ranges) {
      for (const auto& r : spec_.ranges)
        if (!r.digest) need_whole = true;
    }
    if (need_whole && !spec_.digest) {
      fail(ErrorCode::bad_input, ErrorCause::none,
           "a range without its own sha256 cannot be verified without the whole file's hash; "
           "give OFF:LEN:SHA256, or the file's --sha256/--sha512, or drop --require-verified");
      return false;
    }
    if (need_whole) {
      whole_fallback_ = true;
      begin_whole();
    } else {
      begin_ranges();
    }
  } else {
    begin_whole();
  }
  return phase_ == Phase::idle;
}

bool FileWorker::serve_from_cache() {
  if (!cache_) return false;
  try {
    if (spec_.digest) {
      auto found = cache_->lookup(*spec_.digest);
      if (found == Cache::Lookup::healed)
        events_.warning("cached object " + spec_.digest->hex + " was corrupt; removed it and fetching again");
      if (found == Cache::Lookup::hit) {
        fs::path obj = cache_->object_path(*spec_.digest);
        cache_->touch(*spec_.digest);
        lock_.unlock();
        result_.from_cache = true;
        result_.source = "cache";
        if (spec_.ranges_given) {
          cut_ranges_from(obj, true);
        } else {
          if (options_.install == InstallMode::hardlink) hardlink_readonly(obj, temporary_);
          else clone_or_copy(obj, temporary_);
          result_.verified = true;
          result_.bytes = fs::file_size(temporary_);
          phase_ = Phase::done;
        }
        return true;
      }
    }
  } catch (const std::exception& e) {
    fail(ErrorCode::internal, ErrorCause::local_file, std::string("installing from the cache: ") + e.what());
    return true;
  }
  return false;
}

void FileWorker::begin_whole() {
  mode_ = Mode::whole;
  hasher_.emplace(spec_.digest ? spec_.digest->algorithm : HashAlgorithm::sha256);
  filled_ = 0;
  remote_size_.reset();
  try {
    if (use_cache_for_whole()) {
      part_ = cache_->partial_path(*spec_.digest);
      fs::create_directories(part_.parent_path());
      part_fd_ = ::open(part_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      if (part_fd_ < 0) throw std::system_error(errno, std::generic_category(), part_.string());
      struct stat st {};
      ::fstat(part_fd_, &st);
      auto meta = cache_->read_partial_meta(*spec_.digest);
      if (st.st_size > 0 && meta) {
        // Resume a download an earlier (maybe killed) run left behind.
        filled_ = static_cast<std::uint64_t>(st.st_size);
        meta_ = *meta;
        if (meta_.remote_size_known) remote_size_ = meta_.remote_size;
        if (remote_size_ && filled_ > *remote_size_) filled_ = 0;
        if (filled_ > 0) read_file_prefix(part_, filled_, [this](const char* p, std::size_t n) { hasher_->update(p, n); });
      }
      if (filled_ == 0 && ::ftruncate(part_fd_, 0) != 0)
        throw std::system_error(errno, std::generic_category(), part_.string());
    } else {
      part_ = spec_.ranges_given ? fs::path(temporary_.string() + ".whole") : temporary_;
      part_fd_ = ::open(part_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (part_fd_ < 0) throw std::system_error(errno, std::generic_category(), part_.string());
    }
  } catch (const std::exception& e) {
    fail(ErrorCode::internal, ErrorCause::local_file, e.what());
  }
}

std::unique_ptr<Transfer> FileWorker::make_request() {
  TransferRequest req;
  req.url = url_;
  req.headers = headers_for(candidates_[candidate_], url_);
  req.retry = &options_.retry;
  req.tls = &options_.tls;
  if (mode_ == Mode::whole) {
    if (remote_size_ && filled_ == *remote_size_ && filled_ > 0) {
      finish_whole();  // every byte is here already (a run killed before verifying)
      return nullptr;
    }
    // Always ask for a range: a 206 says this server can serve segments.
    req.range = range_header(filled_, std::nullopt);
  } else {
    return make_range_request();
  }
  phase_ = Phase::transferring;
  auto check = [this](const TransferResult& r, std::string* why) { return check_whole_headers(r, why); };
  auto sink = [this](const char* p, std::size_t n, std::string* why) { return write_whole(p, n, why); };
  try {
    return std::make_unique<Transfer>(std::move(req), check, sink);
  } catch (const std::exception& e) {
    fail(ErrorCode::internal, ErrorCause::local_file, e.what());
    return nullptr;
  }
}

bool FileWorker::check_whole_headers(const TransferResult& r, std::string* reason) {
  std::optional<std::uint64_t> total;
  if (r.status == 206) {
    if (!r.content_range.present || r.content_range.first != filled_) {
      *reason = "wrong Content-Range in answer to a resume request";
      return false;
    }
    if (r.content_range.total_known) total = r.content_range.total;
  } else {
    if (filled_ > 0) restart_whole();  // this server cannot resume: start over from byte 0
    if (r.content_length) total = *r.content_length;
  }
  if (total) {
    if (spec_.size && *total != *spec_.size) {
      *reason = "size_mismatch: the server reports " + std::to_string(*total) +
                " bytes but the declared size is " + std::to_string(*spec_.size);
      return false;
    }
    if (remote_size_ && *remote_size_ != *total && filled_ > 0) {
      // This source disagrees with the one the kept bytes came from: restart.
      *reason = "restart: this source reports " + std::to_string(*total) + " bytes, earlier " +
                std::to_string(*remote_size_);
      return false;
    }
    remote_size_ = total;
    if (r.status == 206) maybe_start_segments(r);
    // Resuming only pays off for larger files; small ones just start over.
    if (use_cache_for_whole() && *total >= kResumableSize) {
      meta_.remote_size = *total;
      meta_.remote_size_known = true;
      meta_.etag = r.etag;
      meta_.last_modified = r.last_modified;
      try {
        cache_->write_partial_meta(*spec_.digest, meta_);
      } catch (const std::exception&) {
      }
    }
  }
  return true;
}

bool FileWorker::write_whole(const char* data, std::size_t n, std::string* reason) {
  if (seg_) {
    bool segment_done = false;
    if (!seg_->write(*seg_->index_of(0), data, n, &segment_done, reason)) {
      if (segment_done) *reason = "segment_done";
      return false;
    }
    if (events_.progress) events_.progress();
    return true;
  }
  if (remote_size_ && filled_ + n > *remote_size_) {
    *reason = "the server sent more bytes than it announced";
    return false;
  }
  // libcurl hands over 16 KiB at a time: gather 1 MiB per write(2).
  if (write_buffer_.empty()) {
    write_buffer_.reserve(kWriteBuffer + CURL_MAX_WRITE_SIZE);
    write_buffer_at_ = filled_;
  }
  write_buffer_.insert(write_buffer_.end(), data, data + n);
  hasher_->update(data, n);
  filled_ += n;
  if (write_buffer_.size() >= kWriteBuffer && !flush_writes(reason)) return false;
  if (events_.progress) events_.progress();
  return true;
}

bool FileWorker::flush_writes(std::string* reason) {
  if (write_buffer_.empty()) return true;
  bool ok = pwrite_all(part_fd_, write_buffer_.data(), write_buffer_.size(), write_buffer_at_);
  write_buffer_.clear();
  if (!ok) {
    std::string why = "writing " + part_.string() + ": " + std::strerror(errno);
    if (reason) *reason = why;
    else fail(ErrorCode::internal, ErrorCause::local_file, why);
  }
  return ok;
}

void FileWorker::on_transfer_done(Transfer& transfer, CURLcode code) {
  TransferResult r = transfer.finish(code);
  if (phase_ == Phase::done || phase_ == Phase::failed) return;  // a straggler after the end
  if (mode_ == Mode::ranges) {
    on_range_transfer_done(r, transfer);
    return;
  }
  if (!flush_writes(nullptr)) return;
  phase_ = Phase::idle;
  if (seg_) {
    handle_segment_result(r, transfer);
    return;
  }
  handle_result(r, transfer.request().url, transfer.request().range);
}

void FileWorker::interrupt() {
  flush_writes(nullptr);
  if (seg_) {
    // Suspended mid-segments: keep the hashed prefix; resume fetches on from it.
    seg_->catch_up_hash();
    filled_ = seg_->hashed();
    if (::ftruncate(part_fd_, static_cast<off_t>(filled_)) != 0) filled_ = 0;
    seg_.reset();
  }
  if (phase_ == Phase::transferring) phase_ = Phase::idle;
}

void FileWorker::handle_result(const TransferResult& r, const std::string& url, const std::string& range) {
  AttemptRecord rec;
  rec.asset = asset_label();
  rec.url = redact_url(url);
  rec.range = range.empty() ? "" : "bytes=" + range;
  rec.http_status = r.status;
  rec.bytes = r.body_bytes;
  rec.duration_s = r.seconds;
  auto report = [&](const char* outcome, const std::string& why) {
    rec.outcome = outcome;
    rec.retry_reason = why;
    if (events_.attempt) events_.attempt(rec);
  };

  if (r.aborted) {
    const std::string& why = r.abort_reason;
    if (why.rfind("range_invalid", 0) == 0) {
      report("failed", why);
      fail(ErrorCode::bad_input, ErrorCause::range_invalid, why.substr(15), r.status);
      return;
    }
    if (why.rfind("range_unsupported", 0) == 0) {
      any_range_unsupported_ = true;
      report("failover", why);
      failover(ErrorCause::range_unsupported, why.substr(19), r.status);
      return;
    }
    if (why.rfind("restart", 0) == 0) {
      report("retry", why);
      restart_whole();
      return;  // same candidate, from byte 0, not counted as an attempt
    }
    if (why.rfind("size_mismatch", 0) == 0) {
      report("failover", why);
      failover(ErrorCause::size_mismatch, why.substr(15), r.status);
      return;
    }
    report("failover", why);
    failover(ErrorCause::transport, why, r.status);
    return;
  }
  if (r.curl_code != CURLE_OK) {
    std::string why = r.curl_error;
    if (r.curl_code == CURLE_OPERATION_TIMEDOUT) why = "no progress: " + why;
    if (is_transient_curl_error(r.curl_code)) {
      report("retry", why);
      error_.cause = ErrorCause::transport;
      error_.message = redact_url(url) + ": " + why;
      retry_or_failover(why, std::nullopt);
    } else {
      report("failover", why);
      failover(ErrorCause::transport, why);
    }
    return;
  }
  if (r.status >= 300 && r.status < 400 && !r.redirect_url.empty()) {
    report("redirect", "redirect to " + redact_url(r.redirect_url));
    if (++redirects_ > options_.retry.max_redirects) {
      failover(ErrorCause::transport, "more than " + std::to_string(options_.retry.max_redirects) + " redirects");
      return;
    }
    if (url_scheme(url) == "https" && url_scheme(r.redirect_url) != "https") {
      failover(ErrorCause::transport, "refused a redirect from HTTPS to " + redact_url(r.redirect_url));
      return;
    }
    std::string scheme = url_scheme(r.redirect_url);
    if (scheme != "http" && scheme != "https") {
      failover(ErrorCause::transport, "refused a redirect to " + redact_url(r.redirect_url));
      return;
    }
    url_ = r.redirect_url;
    return;
  }
  if (r.status == 416) {
    if (mode_ == Mode::whole && filled_ == 0 && r.content_range.unsatisfied && r.content_range.total == 0) {
      report("ok", "");  // an empty file: nothing to range over
      remote_size_ = 0;
      result_.source = redact_url(candidates_[candidate_].url);
      finish_whole();
      return;
    }
    if (mode_ == Mode::ranges && r.content_range.unsatisfied) {
      std::string why;
      if (!ranges_fit(r.content_range.total, &why)) {
        report("failed", why);
        fail(ErrorCode::bad_input, ErrorCause::range_invalid, why, r.status);
        return;
      }
    }
    report("failover", "HTTP 416");
    failover(ErrorCause::http_status, "HTTP 416 (range not satisfiable)", r.status);
    return;
  }
  if (r.status < 200 || r.status >= 300) {
    std::string why = "HTTP " + std::to_string(r.status);
    if (is_transient_status(r.status)) {
      report("retry", why);
      error_.cause = ErrorCause::http_status;
      error_.http_status = r.status;
      error_.message = redact_url(url) + ": " + why;
      retry_or_failover(why, parse_retry_after(r.retry_after));
    } else {
      report("failover", why);
      failover(ErrorCause::http_status, why, r.status);
    }
    return;
  }
  report("ok", "");
  if (mode_ == Mode::whole) {
    if (remote_size_ && filled_ < *remote_size_) {
      retry_or_failover("short body", std::nullopt);
      return;
    }
    result_.source = redact_url(candidates_[candidate_].url);
    finish_whole();
  } else {
    finish_group(completing_group_);
  }
}

void FileWorker::retry_or_failover(const std::string& reason, std::optional<std::chrono::seconds> after) {
  if (++attempt_ < options_.retry.attempts) {
    // Exponential backoff with jitter; Retry-After wins, capped.
    static thread_local std::mt19937 rng{std::random_device{}()};
    double base = static_cast<double>(options_.retry.backoff.count()) * std::pow(2.0, attempt_ - 1);
    double jitter = std::uniform_real_distribution<double>(0.5, 1.5)(rng);
    auto delay = std::chrono::milliseconds(static_cast<long long>(base * jitter));
    if (after) delay = std::min<std::chrono::milliseconds>(*after, options_.retry.retry_after_cap);
    phase_ = Phase::waiting;
    wake_at_ = Clock::now() + delay;
    url_.clear();  // retry the candidate itself, not a redirect target
    redirects_ = 0;
    return;
  }
  failover(error_.cause == ErrorCause::none ? ErrorCause::transport : error_.cause,
           reason + " (after " + std::to_string(attempt_) + " attempts)", error_.http_status);
}

void FileWorker::failover(ErrorCause cause, const std::string& reason, long status) {
  std::string from = candidate_ < candidates_.size() ? candidates_[candidate_].url : std::string();
  error_.cause = cause;
  error_.http_status = status;
  error_.url = redact_url(from);
  error_.message = redact_url(url_.empty() ? from : url_) + ": " + reason;
  ++candidate_;
  attempt_ = 0;
  url_.clear();
  redirects_ = 0;
  phase_ = Phase::idle;
  if (events_.failover && candidate_ < candidates_.size())
    events_.failover(redact_url(from), redact_url(candidates_[candidate_].url), reason);
}

void FileWorker::restart_whole() {
  write_buffer_.clear();
  filled_ = 0;
  if (hasher_) hasher_->reset();
  if (part_fd_ >= 0 && ::ftruncate(part_fd_, 0) != 0) {
    fail(ErrorCode::internal, ErrorCause::local_file, "cannot truncate " + part_.string());
  }
}

void FileWorker::fail(ErrorCode code, ErrorCause cause, const std::string& message, long status) {
  error_.code = code;
  error_.cause = cause;
  error_.file = asset_label();
  error_.http_status = status ? status : error_.http_status;
  error_.message = message;
  phase_ = Phase::failed;
  close_fd(part_fd_);
  close_fd(out_fd_);
  lock_.unlock();
  std::error_code ec;
  fs::remove(temporary_, ec);
  if (!use_cache_for_whole() && !part_.empty()) fs::remove(part_, ec);
}

void FileWorker::finish_whole() {
  if (!flush_writes(nullptr)) return;
  std::string got = hasher_->finish_hex();
  if (spec_.digest && got != spec_.digest->hex) {
    any_mismatch_ = true;
    std::string from = candidates_[std::min(candidate_, candidates_.size() - 1)].url;
    std::string why = std::string("hash mismatch: expected ") + algorithm_name(spec_.digest->algorithm) + " " +
                      spec_.digest->hex + ", got " + got;
    if (events_.attempt) {
      AttemptRecord rec;
      rec.asset = asset_label();
      rec.url = redact_url(from);
      rec.bytes = filled_;
      rec.outcome = "mismatch";
      rec.retry_reason = why;
      events_.attempt(rec);
    }
    if (finished_seg_) {
      // Bytes from several mirrors: keep them aside to name the bad one once a
      // clean copy is in, and walk the candidates again, one at a time.
      bad_file_ = part_;
      bad_file_ += ".bad";
      std::error_code ec;
      fs::rename(part_, bad_file_, ec);
      bad_assembly_ = std::move(finished_seg_);
      close_fd(part_fd_);
      part_fd_ = ::open(part_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      segmenting_disabled_ = true;
      filled_ = 0;
      hasher_->reset();
      remote_size_.reset();
      error_.cause = ErrorCause::hash_mismatch;
      error_.message = why;
      candidate_ = 0;
      attempt_ = 0;
      url_.clear();
      redirects_ = 0;
      phase_ = Phase::idle;
      return;
    }
    restart_whole();  // drop these bytes: this source (or the one before) served others
    if (use_cache_for_whole()) {
      // Only the validators go: the (now empty) .part stays, since part_fd_
      // still writes into it for the next candidate and finish renames it.
      fs::path meta = part_;
      meta.replace_extension(".json");
      std::error_code ec;
      fs::remove(meta, ec);
    }
    remote_size_.reset();
    failover(ErrorCause::hash_mismatch, why);
    return;
  }
  finished_seg_.reset();
  result_.verified = spec_.digest.has_value();
  result_.bytes = filled_;
  if (result_.source.empty() && candidate_ < candidates_.size()) result_.source = redact_url(candidates_[candidate_].url);
  close_fd(part_fd_);
  try {
    fs::path whole = part_;
    if (use_cache_for_whole()) {
      fs::path meta = part_;
      meta.replace_extension(".json");
      std::error_code ec;
      fs::remove(meta, ec);
      cache_->adopt(part_, *spec_.digest, spec_.extra_digest);
      lock_.unlock();
      whole = cache_->object_path(*spec_.digest);
      name_bad_mirrors(whole);
      write_back(whole);
      if (!spec_.ranges_given) {
        if (options_.install == InstallMode::hardlink) hardlink_readonly(whole, temporary_);
        else clone_or_copy(whole, temporary_);
      }
    }
    if (spec_.ranges_given) {
      cut_ranges_from(whole, result_.verified);
      if (!use_cache_for_whole()) {
        std::error_code ec;
        fs::remove(whole, ec);
      }
      return;
    }
  } catch (const std::exception& e) {
    fail(ErrorCode::internal, ErrorCause::local_file, e.what());
    return;
  }
  phase_ = Phase::done;
}

void FileWorker::write_back(const fs::path& object) {
  for (const auto& target : spec_.write_back) {
    if (candidate_ < candidates_.size() && target.url == candidates_[candidate_].url) continue;
    std::string err = write_back_object(object, target, options_);
    if (!err.empty()) events_.warning("write-back to " + redact_url(target.url) + " failed: " + err);
  }
}

void FileWorker::discard_temporaries() {
  write_buffer_.clear();
  close_fd(part_fd_);
  if (!bad_file_.empty()) {
    std::error_code ec;
    fs::remove(bad_file_, ec);
  }
  close_fd(out_fd_);
  std::error_code ec;
  fs::remove(temporary_, ec);
  if (!part_.empty()) {
    fs::remove(part_, ec);
    if (use_cache_for_whole()) cache_->remove_partial(*spec_.digest);
  }
  lock_.unlock();
}

}  // namespace assetfetch
