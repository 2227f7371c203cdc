// WholeFetch: the partial, the requests and the one-stream body.
#include "worker/whole_fetch.h"

#include <algorithm>

#include "transfer/redact.h"
#include "verify/hasher.h"
#include "worker/local_source.h"
#include "worker/requests.h"
#include "platform/file.h"
#include "platform/path.h"

namespace assetfetch {

namespace fs = std::filesystem;

namespace {

// What an unverified resume sends as If-Range: a strong ETag, else the
// Last-Modified date; "" when neither can tell a changed remote.
std::string if_range_value(const PartialMeta& meta) {
  if (!meta.etag.empty() && meta.etag.rfind("W/", 0) != 0) return meta.etag;
  return meta.last_modified;
}

[[noreturn]] void throw_platform(const platform::PlatformError& e) {
  throw std::system_error(e.error_code(), e.message());
}

}  // namespace

bool caches_whole_file(const FetchInputs& in) {
  return in.cache && (in.spec.digest.has_value() || (in.spec.resume_key.has_value() && !in.spec.ranges_given));
}

const Digest& partial_key(const FileSpec& spec) { return spec.digest ? *spec.digest : *spec.resume_key; }

WholeFetch::WholeFetch(FetchHost& host) : host_(host), in_(host.inputs()), cached_(caches_whole_file(in_)) {
  hasher_.emplace(in_.spec.digest ? in_.spec.digest->algorithm : HashAlgorithm::sha256);
  try {
    open_partial();
  } catch (const std::exception& e) {
    host_.fail(ErrorCode::internal, ErrorCause::local_file, e.what());
  }
}

WholeFetch::~WholeFetch() {
  seg_.reset();    // it writes through the stage
  stage_.reset();  // before part_fd_, which it writes to, closes
}

void WholeFetch::open_partial() {
  if (!cached_) {
    part_ = in_.spec.ranges_given ? platform::path_from_utf8(platform::utf8_of(in_.temporary) + ".whole") : in_.temporary;
    part_fd_ = open_new_temporary(part_, true);
    return;
  }
  Cache& cache = *in_.cache;
  const Digest& key = partial_key(in_.spec);
  part_ = cache.partial_path(key);
  std::error_code ec;
  fs::remove(platform::path_from_utf8(platform::utf8_of(part_) + ".bad"), ec);  // a killed run's leftover
  // partial/ exists but for a new cache (or after it was removed): create it
  // only when the open says it is missing, not with a stat per asset.
  platform::Result<platform::File> opened =
      platform::open_regular(platform::utf8_of(part_), {.write = true, .create = true});
  if (opened) {
    part_fd_ = std::move(opened).value();
  } else {
    if (opened.error().code == platform::Errc::not_found) fs::create_directories(part_.parent_path());
    part_fd_ = open_or_create_regular(part_);  // again; or the error, with its hint
  }
  auto id = platform::identity(part_fd_);
  if (!id) throw_platform(id.error());
  // Resume only what the journal says was written (never the length:
  // segments leave holes below it), for the size it was written for.
  SpanSet kept;
  // The record is read even for an empty partial: a link planted at its name
  // is refused (symlink_test). An asset that had none, and writes none (below
  // kResumableSize), skips the truncation and the removals at the end.
  bool no_record = false;
  auto meta = cache.read_partial_meta(key, &no_record);
  records_ = meta.has_value() || id->size > 0;
  // Unverified bytes resume only with a validator for If-Range (next_request).
  if (meta && meta->remote_size_known && meta->remote_size > 0 && id->size > 0 &&
      (!in_.spec.size || *in_.spec.size == meta->remote_size) &&
      (in_.spec.digest || !if_range_value(*meta).empty())) {
    kept = FilledJournal::load(cache.journal_path(key), meta->remote_size);
    kept.clip(std::min<std::uint64_t>(id->size, meta->remote_size));
  }
  if (kept.empty()) {
    // A stale journal must never be resumed from. With no record at all there
    // is none of ours to remove (a small asset's common case: no unlink): a
    // journal is created only after its record (check_headers) and removed
    // before it (deliver, refetch_resumed, drop_mismatched,
    // Cache::remove_partial). One a killed `cache prune` left behind is still
    // never trusted: it is read only beside a record, and a new record's
    // journal is rewritten (FilledJournal::open) before any byte is written;
    // the next prune removes it.
    close_journal(!no_record);
    if (id->size > 0) {
      if (auto t = platform::truncate(part_fd_, 0); !t) throw_platform(t.error());
    }
    return;
  }
  meta_ = *meta;
  remote_size_ = meta_.remote_size;
  filled_ = kept.prefix();
  if (filled_ > 0) read_file_prefix(part_, filled_, [this](const char* p, std::size_t n) { hasher_->update(p, n); });
  resume_spans_ = kept;
  resumed_bytes_ = true;
  journal_.open(cache.journal_path(key), meta_.remote_size, kept);
}

std::optional<std::unique_ptr<Transfer>> WholeFetch::next_in_flight(Clock::time_point now) {
  if (!seg_) return std::nullopt;
  // Segmented: start more segments while connections are free.
  if (host_.phase() == FetchPhase::waiting && now < host_.wake_at()) return nullptr;
  if (auto i = seg_->next_to_start(now)) return make_segment_request(*i);
  if (seg_->any_in_flight()) {
    host_.set_phase(FetchPhase::transferring);
    return nullptr;
  }
  if (auto t = seg_->next_retry(); t && seg_->has_usable_candidates()) {
    host_.wait_until(*t);
    return nullptr;
  }
  abandon_segments("no source left for the remaining segments");
  return std::nullopt;
}

std::unique_ptr<Transfer> WholeFetch::next_request() {
  if (remote_size_ && filled_ == *remote_size_ && filled_ > 0) {
    finish();  // every byte is here already (a run killed before verifying)
    return nullptr;
  }
  CandidateWalk& walk = host_.walk();
  // Always ask for a range: a 206 says this server can serve segments.
  TransferRequest req = request_to(walk, in_.options, walk.index(), range_header(filled_, std::nullopt));
  // No hash checks kept bytes of an unverified file: a changed remote must answer 200.
  if (!in_.spec.digest && cached_ && filled_ > 0) {
    const std::string validator = if_range_value(meta_);
    if (validator.empty()) restart();
    else req.headers.emplace_back("If-Range", validator);
    req.range = range_header(filled_, std::nullopt);
  }
  // Never past the declared size, or the cap when nothing declares one.
  req.max_file_size = in_.spec.size ? *in_.spec.size : in_.options.max_download_size;
  if (!in_.spec.size) {  // and, with no size declared, never under the disk's free-space floor
    req.space_dir = part_.parent_path();
    req.min_free_space = in_.options.min_free_space;
  }
  host_.set_phase(FetchPhase::transferring);
  auto check = [this](const TransferResult& r, Refusal* why) { return check_headers(r, why); };
  auto sink = [this](const char* p, std::size_t n, Refusal* why) { return write(p, n, why); };
  try {
    return std::make_unique<Transfer>(std::move(req), check, sink);
  } catch (const std::exception& e) {
    host_.fail(ErrorCode::internal, ErrorCause::local_file, e.what());
    return nullptr;
  }
}

bool WholeFetch::check_headers(const TransferResult& r, Refusal* refusal) {
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
    if (filled_ > 0 || !resume_spans_.empty()) restart();  // cannot resume: start over from byte 0
    if (r.content_length) total = *r.content_length;
  }
  if (!total) return true;
  if (in_.spec.size && *total != *in_.spec.size) {
    *refusal = {TransferFault::size_mismatch, "the server reports " + std::to_string(*total) +
                                                  " bytes but the declared size is " + std::to_string(*in_.spec.size)};
    return false;
  }
  if (!in_.spec.digest && filled_ > 0 && !meta_.etag.empty() && !r.etag.empty() && r.etag != meta_.etag) {
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
  if (r.status == 206) maybe_start_segments();
  // Resuming only pays off for larger files; small ones just start over.
  if (cached_ && *total >= kResumableSize) {
    meta_.remote_size = *total;
    meta_.remote_size_known = true;
    meta_.etag = r.etag;
    meta_.last_modified = r.last_modified;
    try {
      records_ = true;
      in_.cache->write_partial_meta(partial_key(in_.spec), meta_);
      if (!journal_.is_open() || journal_.size() != *total) open_journal(*total);
    } catch (const std::exception&) {
      journal_.close();  // no record: this download just cannot resume
    }
  }
  return true;
}

bool WholeFetch::write(const char* data, std::size_t n, Refusal* refusal) {
  if (seg_) {
    bool segment_done = false;
    std::string error;
    if (!seg_->write(*seg_->index_of(0), data, n, &segment_done, &error)) {
      *refusal = error.empty() ? Refusal{TransferFault::segment_done, "segment done"}
                               : Refusal{TransferFault::local_write, error};
      return false;
    }
    if (in_.events.progress) in_.events.progress();
    return true;
  }
  // Never past the size: the transfer bounds every body (Transfer::on_body).
  // The stage writes, journals and hashes off this thread; this only copies
  // libcurl's 16 KiB into a pool buffer (and waits when the pool is empty).
  if (!stage_) stage_ = std::make_unique<WriteStage>();
  if (auto failed = stage_->append({&part_fd_, &journal_, &*hasher_}, filled_, data, n)) {
    *refusal = {TransferFault::local_write, "writing " + platform::utf8_of(part_) + ": " + failed->describe()};
    return false;
  }
  filled_ += n;
  if (in_.events.progress) in_.events.progress();
  return true;
}

bool WholeFetch::flush_writes(Refusal* refusal) {
  if (!stage_) return true;
  auto failed = stage_->drain();
  if (!failed) return true;
  // ENOSPC, EIO...: a local failure, not the source's; the file fails.
  std::string why = "writing " + platform::utf8_of(part_) + ": " + failed->describe();
  if (refusal) *refusal = {TransferFault::local_write, why};
  else host_.fail(ErrorCode::internal, ErrorCause::local_file, why);
  return false;
}

void WholeFetch::read_local(const fs::path& source) {
  LocalRead lr;
  for (int pass = 0; pass < 2; ++pass) {  // a size that contradicts the kept bytes: once more from 0
    lr = assetfetch::read_local(source, filled_, [&](const char* p, std::size_t n) {
      Refusal refusal;
      return write(p, n, &refusal);
    }, in_.spec.size, filled_ > 0 ? remote_size_ : std::nullopt);
    if (lr.ok || !lr.restart) break;
    restart();
  }
  if (host_.phase() == FetchPhase::failed) return;
  if (!lr.ok) {
    host_.failover(ErrorCause::local_file, lr.error);
    return;
  }
  remote_size_ = lr.size;
  host_.file_result().source = redact_url(host_.walk().current().url);
  finish();
}

void WholeFetch::on_transfer_done(const TransferResult& r, const Transfer& transfer) {
  // A range request still in flight when no candidate served ranges and the
  // whole file took over: its answer says nothing about the whole fetch.
  if (!seg_ && transfer.request().segment >= 0) return;
  if (!flush_writes(nullptr)) return;
  host_.set_phase(FetchPhase::idle);
  if (seg_) on_segment_done(r, transfer);
  else host_.answer(r, transfer.request().url, transfer.request().range);
}

void WholeFetch::refine(const TransferResult& r, Verdict& v) {
  complete_by_416_ = false;
  if (r.status == 416 && v.prognosis == Prognosis::failover && r.content_range.unsatisfied &&
      r.content_range.total == filled_) {
    // Nothing left to send: every byte is here already (an empty file, or an
    // earlier source that announced more than it had). Verify decides.
    v = Verdict{};
    complete_by_416_ = true;
    return;
  }
  if (v.prognosis == Prognosis::done && remote_size_ && filled_ < *remote_size_) {
    v.prognosis = Prognosis::retry;
    v.cause = ErrorCause::transport;
    v.detail = "short body: " + std::to_string(filled_) + " of " + std::to_string(*remote_size_) + " bytes";
  }
}

void WholeFetch::on_answer_done() {
  if (complete_by_416_) remote_size_ = filled_;
  host_.file_result().source = redact_url(host_.walk().current().url);
  finish();
}

void WholeFetch::on_failover(const Verdict& v) {
  if (!v.drop_bytes) return;
  restart();
  remote_size_.reset();
}

void WholeFetch::interrupt() {
  flush_writes(nullptr);
  if (!seg_) return;
  // Suspended mid-segments: keep every written span (the journal has them);
  // resuming fetches on from the hashed prefix and skips the rest.
  std::string err;
  if (seg_->catch_up_hash(&err)) {
    filled_ = seg_->hashed();
    resume_spans_ = journal_.filled();
    seg_.reset();
  } else {
    seg_.reset();
    restart();
  }
}

void WholeFetch::restart() {
  if (stage_) stage_->discard();  // unwritten bytes go; the rest is truncated below
  filled_ = 0;
  // The journal forgets first: a kill between the two never leaves it
  // claiming bytes of a truncated partial.
  journal_.reset();
  resume_spans_.clear();
  resumed_bytes_ = false;
  if (hasher_) hasher_->reset();
  if (part_fd_ && !platform::truncate(part_fd_, 0))
    host_.fail(ErrorCode::internal, ErrorCause::local_file, "cannot truncate " + platform::utf8_of(part_));
}

void WholeFetch::release_buffers() {
  // A finished file keeps nothing: a sync of thousands of files must not
  // hold write buffers (or a stage or hashing thread) per file until the end.
  seg_.reset();    // it writes through the stage
  stage_.reset();  // before the hasher it may feed
  hasher_.reset();
}

void WholeFetch::close_failed() {
  release_buffers();
  part_fd_.reset();
  journal_.close();  // the partial (and its journal) stay for a later run
  std::error_code ec;
  if (!bad_file_.empty()) fs::remove(bad_file_, ec);
  if (!cached_ && !part_.empty()) fs::remove(part_, ec);
}

void WholeFetch::open_journal(std::uint64_t size) {
  // What is already written in order: the prefix, once the stage has
  // written all of it (never claimed when a write failed).
  SpanSet kept = resume_spans_;
  if (!stage_ || !stage_->drain()) kept.add(0, filled_);
  kept.clip(size);
  journal_.open(in_.cache->journal_path(partial_key(in_.spec)), size, kept);
}

void WholeFetch::close_journal(bool remove) {
  journal_.close();
  if (remove && cached_) {
    std::error_code ec;
    fs::remove(in_.cache->journal_path(partial_key(in_.spec)), ec);
  }
}

void WholeFetch::drop_temporaries(bool keep_resumable) {
  seg_.reset();    // it writes through the stage
  stage_.reset();  // unwritten bytes go, before the fd closes
  journal_.close();
  part_fd_.reset();
  std::error_code ec;
  if (!bad_file_.empty()) fs::remove(bad_file_, ec);
  if (part_.empty()) return;
  // The cache's partial is kept only while its validators say it can be
  // resumed (a mismatch or restart removed them: nothing worth keeping).
  const bool resumable = keep_resumable && cached_ && in_.cache->read_partial_meta(partial_key(in_.spec)).has_value();
  if (resumable) return;
  fs::remove(part_, ec);
  if (cached_) in_.cache->remove_partial(partial_key(in_.spec));
}

std::uint64_t WholeFetch::bytes_transferred() const {
  if (seg_) return seg_->bytes_written() + (seg_->segments().empty() ? 0 : seg_->segments().front().start);
  if (host_.phase() == FetchPhase::done) return host_.file_result().bytes;
  return filled_;
}

std::optional<std::uint64_t> WholeFetch::bytes_total() const {
  if (remote_size_) return remote_size_;
  return in_.spec.size;
}

std::vector<ByteRange> WholeFetch::filled_ranges() const {
  std::vector<ByteRange> out;
  if (host_.phase() == FetchPhase::done && !in_.spec.ranges_given) {
    out.push_back({0, host_.file_result().bytes, std::nullopt});
  } else if (journal_.is_open()) {
    const SpanSet filled = journal_.filled();  // a copy: never range-for over a temporary's member
    for (const auto& s : filled.spans()) out.push_back({s.start, s.end - s.start, std::nullopt});
  } else if (filled_ > 0) {
    out.push_back({0, filled_, std::nullopt});
  }
  return out;
}

}  // namespace assetfetch
