#include "worker/file_worker.h"

#include "worker/file_worker_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "cache/install.h"
#include "cache/unique_fd.h"
#include "worker/local_source.h"
#include "transfer/redact.h"

namespace assetfetch {

namespace fs = std::filesystem;
using namespace worker_util;

namespace {

// What an unverified resume sends as If-Range: a strong ETag, else the
// Last-Modified date; "" when neither can tell a changed remote.
std::string if_range_value(const PartialMeta& meta) {
  if (!meta.etag.empty() && meta.etag.rfind("W/", 0) != 0) return meta.etag;
  return meta.last_modified;
}

}  // namespace


FileWorker::FileWorker(const FileSpec& spec, const JobOptions& options, Cache* cache,
                       WorkerEvents events, fs::path temporary, const LoopMeter* loop)
    : spec_(spec),
      options_(options),
      cache_(cache),
      events_(std::move(events)),
      temporary_(std::move(temporary)),
      loop_(loop),
      walk_(spec_.candidates, options_.retry, options_.offline) {}

FileWorker::~FileWorker() {
  seg_.reset();    // it writes through the stage
  stage_.reset();  // before part_fd_, which it writes to, closes
}

std::string FileWorker::asset_label() const { return spec_.name.empty() ? temporary_.filename().string() : spec_.name; }

bool FileWorker::use_cache_for_whole() const {
  return cache_ && (spec_.digest.has_value() || (spec_.resume_key.has_value() && !spec_.ranges_given));
}

std::string FileWorker::current_url() const { return walk_.url(); }

std::uint64_t FileWorker::bytes_transferred() const {
  if (seg_) return seg_->bytes_written() + (seg_->segments().empty() ? 0 : seg_->segments().front().start);
  if (mode_ == Mode::ranges && ranges_ && ranges_->placed()) return ranges_->received();
  if (phase_ == Phase::done) return result_.bytes;
  return filled_;
}

std::optional<std::uint64_t> FileWorker::bytes_total() const {
  if (phase_ == Phase::done) return result_.bytes;
  if (mode_ == Mode::ranges) {
    if (!ranges_ || !ranges_->placed()) return std::nullopt;
    return ranges_->total();
  }
  if (remote_size_) return remote_size_;
  return spec_.size;
}

std::vector<ByteRange> FileWorker::filled_ranges() const {
  std::vector<ByteRange> out;
  if (mode_ == Mode::ranges) {
    if (ranges_) out = ranges_->filled();
  } else if (phase_ == Phase::done && !spec_.ranges_given) {
    out.push_back({0, result_.bytes, std::nullopt});
  } else if (journal_.is_open()) {
    const SpanSet filled = journal_.filled();  // a copy: never range-for over a temporary's member
    for (const auto& s : filled.spans()) out.push_back({s.start, s.end - s.start, std::nullopt});
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
    // Range fetches keep up to RangeFetch::kParallel requests in flight
    // (fewer under JobOptions::max_connections_per_file).
    if (mode_ != Mode::ranges || !ranges_ || !ranges_->placed() || now < wake_at_ || walk_.exhausted())
      return nullptr;
    if (url_scheme(walk_.url()) == "file") return nullptr;  // local candidates run once the requests are in
    return make_range_request();
  }
  if (phase_ == Phase::waiting && now < wake_at_) return nullptr;
  phase_ = Phase::idle;
  if (!started_ && !start(now)) return nullptr;
  // Bounded: each pass either returns a request, finishes, waits, or moves to
  // the next candidate (local candidates complete synchronously).
  for (std::size_t guard = 0; guard <= walk_.size() + 2; ++guard) {
    if (phase_ != Phase::idle) return nullptr;
    if (pending_remote_name_) {
      walk_.set_remote_name(std::move(*pending_remote_name_));
      pending_remote_name_.reset();
    }
    if (walk_.exhausted()) {
      if (mode_ == Mode::ranges && any_range_unsupported_ && !whole_fallback_) {
        // No candidate honours Range: fetch the whole file and cut (DESIGN.md).
        whole_fallback_ = true;
        events_.warning("no source supports byte ranges; fetching the whole file and cutting the ranges from it");
        ranges_.reset();
        begin_whole();
        walk_.rewind();
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
      const ErrorContext& last = walk_.last_error();
      error_.url = last.url;
      fail(any_mismatch_ ? ErrorCode::hash_mismatch : ErrorCode::unavailable,
           last.cause == ErrorCause::none ? ErrorCause::transport : last.cause, walk_.exhausted_headline(),
           last.http_status);
      return nullptr;
    }
    if (url_scheme(walk_.url()) == "file") {
      run_local_candidate();
      continue;
    }
    return make_request();
  }
  return nullptr;
}

bool FileWorker::start(Clock::time_point now) {
  if (use_cache_for_whole()) {
    try {
      cache_->check_tree();
      lock_.unlock();  // a held lock of ours would make the retry below wait for itself
      lock_ = cache_->try_lock_object(partial_key());
      if (!lock_.held()) {
        // Another process is fetching this object: wait, then reuse it.
        phase_ = Phase::waiting;
        wake_at_ = now + std::chrono::milliseconds(50);
        return false;
      }
    } catch (const UnsafeCache& e) {
      fail(ErrorCode::internal, ErrorCause::local_file, e.what());
      return false;
    } catch (const std::exception& e) {
      // A lock that cannot be created (read-only cache) must not fail a hit.
      started_ = true;
      if (serve_from_cache()) return false;
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

void FileWorker::begin_whole() {
  mode_ = Mode::whole;
  if (stage_) stage_->discard();  // it must not touch the hasher replaced here
  hasher_.emplace(spec_.digest ? spec_.digest->algorithm : HashAlgorithm::sha256);
  filled_ = 0;
  remote_size_.reset();
  try {
    if (use_cache_for_whole()) {
      part_ = cache_->partial_path(partial_key());
      fs::create_directories(part_.parent_path());
      std::error_code ec;
      fs::remove(fs::path(part_.string() + ".bad"), ec);  // a killed run's leftover
      part_fd_ = open_or_create_regular(part_, O_RDWR | O_CREAT);
      struct stat st {};
      if (::fstat(part_fd_.get(), &st) != 0) throw std::system_error(errno, std::generic_category(), part_.string());
      // Resume only what the journal says was written (never the length:
      // segments leave holes below it), for the size it was written for.
      SpanSet kept;
      auto meta = cache_->read_partial_meta(partial_key());
      // Unverified bytes resume only with a validator for If-Range (make_request).
      if (meta && meta->remote_size_known && meta->remote_size > 0 && st.st_size > 0 &&
          (!spec_.size || *spec_.size == meta->remote_size) && (spec_.digest || !if_range_value(*meta).empty())) {
        kept = FilledJournal::load(cache_->journal_path(partial_key()), meta->remote_size);
        kept.clip(std::min<std::uint64_t>(static_cast<std::uint64_t>(st.st_size), meta->remote_size));
      }
      resume_spans_.clear();
      resumed_bytes_ = false;
      if (!kept.empty()) {
        meta_ = *meta;
        remote_size_ = meta_.remote_size;
        filled_ = kept.prefix();
        if (filled_ > 0) read_file_prefix(part_, filled_, [this](const char* p, std::size_t n) { hasher_->update(p, n); });
        resume_spans_ = kept;
        resumed_bytes_ = true;
        journal_.open(cache_->journal_path(partial_key()), meta_.remote_size, kept);
      } else {
        close_journal(true);
        if (::ftruncate(part_fd_.get(), 0) != 0) throw std::system_error(errno, std::generic_category(), part_.string());
      }
    } else {
      part_ = spec_.ranges_given ? fs::path(temporary_.string() + ".whole") : temporary_;
      part_fd_ = open_new_temporary(part_, true);
    }
  } catch (const std::exception& e) {
    fail(ErrorCode::internal, ErrorCause::local_file, e.what());
  }
}

TransferRequest FileWorker::request_to(std::size_t c, std::string range, long segment) const {
  TransferRequest req;
  req.url = c == walk_.index() ? walk_.url() : walk_.candidate(c).url;
  req.headers = headers_for(walk_.candidate(c), req.url);
  req.store = store_for(walk_.candidate(c), req.url);
  req.retry = &options_.retry;
  req.tls = &options_.tls;
  req.range = std::move(range);
  req.segment = segment;
  return req;
}

std::unique_ptr<Transfer> FileWorker::make_request() {
  if (mode_ != Mode::whole) return make_range_request();
  if (remote_size_ && filled_ == *remote_size_ && filled_ > 0) {
    finish_whole();  // every byte is here already (a run killed before verifying)
    return nullptr;
  }
  // Always ask for a range: a 206 says this server can serve segments.
  TransferRequest req = request_to(walk_.index(), range_header(filled_, std::nullopt));
  // No hash checks kept bytes of an unverified file: a changed remote must answer 200.
  if (!spec_.digest && use_cache_for_whole() && filled_ > 0) {
    const std::string validator = if_range_value(meta_);
    if (validator.empty()) restart_whole();
    else req.headers.emplace_back("If-Range", validator);
    req.range = range_header(filled_, std::nullopt);
  }
  // Never past the declared size, or the cap when nothing declares one.
  req.max_file_size = spec_.size ? *spec_.size : options_.max_download_size;
  if (!spec_.size) {  // and, with no size declared, never under the disk's free-space floor
    req.space_dir = part_.parent_path();
    req.min_free_space = options_.min_free_space;
  }
  phase_ = Phase::transferring;
  auto check = [this](const TransferResult& r, Refusal* why) { return check_whole_headers(r, why); };
  auto sink = [this](const char* p, std::size_t n, Refusal* why) { return write_whole(p, n, why); };
  try {
    return std::make_unique<Transfer>(std::move(req), check, sink);
  } catch (const std::exception& e) {
    fail(ErrorCode::internal, ErrorCause::local_file, e.what());
    return nullptr;
  }
}

bool FileWorker::check_whole_headers(const TransferResult& r, Refusal* refusal) {
  std::optional<std::uint64_t> total;
  if (r.status == 206) {
    if (!r.content_range.present || r.content_range.first != filled_) {
      if (filled_ > 0 || !resume_spans_.empty()) {
        // A resume answered with a malformed 206 (say "bytes 300000-299999/
        // 300000" where a 416 belongs): the kept bytes cannot be checked
        // against it, so this candidate starts over from byte 0; a second
        // bad answer from there fails over.
        *refusal = {TransferFault::restart, "a 206 whose Content-Range does not start at byte " +
                                                std::to_string(filled_) +
                                                " in answer to a resume request; fetching again from byte 0"};
        return false;
      }
      *refusal = {TransferFault::range_unsupported, "wrong Content-Range in answer to a resume request"};
      return false;
    }
    if (r.content_range.total_known) total = r.content_range.total;
  } else {
    if (filled_ > 0 || !resume_spans_.empty()) restart_whole();  // cannot resume: start over from byte 0
    if (r.content_length) total = *r.content_length;
  }
  if (total) {
    if (spec_.size && *total != *spec_.size) {
      *refusal = {TransferFault::size_mismatch, "the server reports " + std::to_string(*total) +
                                                    " bytes but the declared size is " + std::to_string(*spec_.size)};
      return false;
    }
    if (!spec_.digest && filled_ > 0 && !meta_.etag.empty() && !r.etag.empty() && r.etag != meta_.etag) {
      // A server that ignored If-Range: its bytes are of another version.
      *refusal = {TransferFault::restart, "this source's ETag " + r.etag + " differs from " + meta_.etag +
                                              ", which the kept bytes came with"};
      return false;
    }
    if (remote_size_ && *remote_size_ != *total && (filled_ > 0 || !resume_spans_.empty())) {
      // This source disagrees with the one the kept bytes came from: restart.
      *refusal = {TransferFault::restart, "this source reports " + std::to_string(*total) + " bytes, earlier " +
                                              std::to_string(*remote_size_)};
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
        cache_->write_partial_meta(partial_key(), meta_);
        if (!journal_.is_open() || journal_.size() != *total) open_journal(*total);
      } catch (const std::exception&) {
        journal_.close();  // no record: this download just cannot resume
      }
    }
  }
  return true;
}

bool FileWorker::write_whole(const char* data, std::size_t n, Refusal* refusal) {
  if (seg_) {
    bool segment_done = false;
    std::string error;
    if (!seg_->write(*seg_->index_of(0), data, n, &segment_done, &error)) {
      *refusal = error.empty() ? Refusal{TransferFault::segment_done, "segment done"}
                               : Refusal{TransferFault::local_write, error};
      return false;
    }
    if (events_.progress) events_.progress();
    return true;
  }
  // Never past the size: the transfer bounds every body (Transfer::on_body).
  // The stage writes, journals and hashes off this thread; this only copies
  // libcurl's 16 KiB into a pool buffer (and waits when the pool is empty).
  if (!stage_) stage_ = std::make_unique<WriteStage>();
  if (auto failed = stage_->append({part_fd_.get(), &journal_, &*hasher_}, filled_, data, n)) {
    *refusal = {TransferFault::local_write, "writing " + part_.string() + ": " + failed->describe()};
    return false;
  }
  filled_ += n;
  if (events_.progress) events_.progress();
  return true;
}

bool FileWorker::flush_writes(Refusal* refusal) {
  if (!stage_) return true;
  auto failed = stage_->drain();
  if (!failed) return true;
  // ENOSPC, EIO...: a local failure, not the source's; the file fails.
  std::string why = "writing " + part_.string() + ": " + failed->describe();
  if (refusal) *refusal = {TransferFault::local_write, why};
  else fail(ErrorCode::internal, ErrorCause::local_file, why);
  return false;
}

void FileWorker::on_transfer_done(Transfer& transfer, CURLcode code) {
  TransferResult r = transfer.finish(code);
  if (phase_ == Phase::done || phase_ == Phase::failed) return;  // a straggler after the end
  if (mode_ == Mode::ranges) {
    on_range_transfer_done(r, transfer);
    return;
  }
  // A range request still in flight when no candidate served ranges and the
  // whole file took over: its answer says nothing about the whole fetch.
  if (!seg_ && transfer.request().segment >= 0) return;
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
    // Suspended mid-segments: keep every written span (the journal has them);
    // resuming fetches on from the hashed prefix and skips the rest.
    std::string err;
    if (seg_->catch_up_hash(&err)) {
      filled_ = seg_->hashed();
      resume_spans_ = journal_.filled();
      seg_.reset();
    } else {
      seg_.reset();
      restart_whole();
    }
  }
  if (phase_ == Phase::transferring) phase_ = Phase::idle;
}

void FileWorker::restart_whole() {
  if (stage_) stage_->discard();  // unwritten bytes go; the rest is truncated below
  filled_ = 0;
  // The journal forgets first: a kill between the two never leaves it
  // claiming bytes of a truncated partial.
  journal_.reset();
  resume_spans_.clear();
  resumed_bytes_ = false;
  if (hasher_) hasher_->reset();
  if (part_fd_ && ::ftruncate(part_fd_.get(), 0) != 0) {
    fail(ErrorCode::internal, ErrorCause::local_file, "cannot truncate " + part_.string());
  }
}

void FileWorker::release_buffers() {
  // A finished file keeps nothing: a sync of thousands of files must not
  // hold write buffers (or a stage or hashing thread) per file until the end.
  seg_.reset();    // it writes through the stage
  stage_.reset();  // before the hasher it may feed
  hasher_.reset();
}

void FileWorker::fail(ErrorCode code, ErrorCause cause, const std::string& message, long status) {
  error_.code = code;
  error_.cause = cause;
  error_.file = asset_label();
  error_.http_status = status ? status : error_.http_status;
  error_.message = message;
  phase_ = Phase::failed;
  release_buffers();
  part_fd_.reset();
  if (ranges_) ranges_->close();  // stragglers' writes now fail; the state stays for the getters
  journal_.close();  // the partial (and its journal) stay for a later run
  lock_.unlock();
  std::error_code ec;
  fs::remove(temporary_, ec);
  if (!bad_file_.empty()) fs::remove(bad_file_, ec);
  if (!use_cache_for_whole() && !part_.empty()) fs::remove(part_, ec);
}

void FileWorker::open_journal(std::uint64_t size) {
  // What is already written in order: the prefix, once the stage has
  // written all of it (never claimed when a write failed).
  SpanSet kept = resume_spans_;
  if (!stage_ || !stage_->drain()) kept.add(0, filled_);
  kept.clip(size);
  journal_.open(cache_->journal_path(partial_key()), size, kept);
}

void FileWorker::close_journal(bool remove) {
  journal_.close();
  if (remove && use_cache_for_whole()) {
    std::error_code ec;
    fs::remove(cache_->journal_path(partial_key()), ec);
  }
}

void FileWorker::discard_temporaries() { drop_temporaries(false); }

void FileWorker::abandon() { drop_temporaries(true); }

void FileWorker::drop_temporaries(bool keep_resumable) {
  seg_.reset();    // it writes through the stage
  stage_.reset();  // unwritten bytes go, before the fd closes
  journal_.close();
  part_fd_.reset();
  std::error_code ec;
  if (!bad_file_.empty()) fs::remove(bad_file_, ec);
  if (ranges_) ranges_->close();
  fs::remove(temporary_, ec);
  if (!part_.empty()) {
    // The cache's partial is kept only while its validators say it can be
    // resumed (a mismatch or restart removed them: nothing worth keeping).
    const bool resumable =
        keep_resumable && use_cache_for_whole() && cache_->read_partial_meta(partial_key()).has_value();
    if (!resumable) {
      fs::remove(part_, ec);
      if (use_cache_for_whole()) cache_->remove_partial(partial_key());
    }
  }
  lock_.unlock();  // last: nobody resumes a partial while it is being removed
}

}  // namespace assetfetch
