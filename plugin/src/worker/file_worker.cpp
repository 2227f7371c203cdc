#include "worker/file_worker.h"

#include "cache/cache.h"
#include "transfer/redact.h"
#include "worker/local_source.h"
#include "worker/finisher.h"
#include "worker/ranged_fetch.h"
#include "worker/whole_fetch.h"
#include "platform/path.h"

namespace assetfetch {

namespace fs = std::filesystem;

FileWorker::FileWorker(const FileSpec& spec, const JobOptions& options, Cache* cache, WorkerEvents events,
                       fs::path temporary, const LoopMeter* loop)
    : spec_(spec),
      options_(options),
      cache_(cache),
      events_(std::move(events)),
      temporary_(std::move(temporary)),
      inputs_{spec_, options_, cache_, events_, temporary_, loop},
      walk_(spec_.candidates, options_.retry, options_.offline) {}

FileWorker::~FileWorker() = default;

std::string FileWorker::asset_label() const {
  return spec_.name.empty() ? platform::utf8_of(temporary_.filename()) : spec_.name;
}

std::uint64_t FileWorker::bytes_transferred() const {
  if (strategy_) return strategy_->bytes_transferred();
  return phase_ == Phase::done ? result_.bytes : 0;
}

std::optional<std::uint64_t> FileWorker::bytes_total() const {
  if (phase_ == Phase::done) return result_.bytes;
  if (strategy_) return strategy_->bytes_total();
  return spec_.size;
}

std::vector<ByteRange> FileWorker::filled_ranges() const {
  if (strategy_) return strategy_->filled_ranges();
  if (phase_ == Phase::done && !spec_.ranges_given) return {{0, result_.bytes, std::nullopt}};
  return {};
}

std::unique_ptr<Transfer> FileWorker::next(Clock::time_point now) {
  if (phase_ == Phase::done || phase_ == Phase::failed) return nullptr;
  // More requests beside those in flight (segments, ranges).
  if (strategy_) {
    if (auto more = strategy_->next_in_flight(now)) return std::move(*more);
  }
  if (phase_ == Phase::transferring) return nullptr;
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
      if (!exhausted()) return nullptr;
      continue;
    }
    if (url_scheme(walk_.url()) == "file") {
      auto local = local_path_from_url(walk_.url());
      if (!local) {
        failover(ErrorCause::local_file, local.error().detail);  // names no local file: why, and the fix
        continue;
      }
      strategy_->read_local(local.value());
      continue;
    }
    return strategy_->next_request();
  }
  return nullptr;
}

bool FileWorker::exhausted() {
  if (auto instead = strategy_->fallback()) {
    retired_.push_back(std::move(strategy_));
    strategy_ = std::move(instead);
    walk_.rewind();
    return true;
  }
  if (!any_mismatch_ && (options_.offline || options_.block_origin)) {
    // The network (or the origin) was never asked: say so, and what to do.
    fail(ErrorCode::offline_miss, ErrorCause::offline_miss,
         std::string(options_.offline ? "offline and not in the local cache or any file:// source"
                                      : "the origin is blocked (block_origin) and no cache or source has it") +
             (spec_.digest ? std::string(" (") + algorithm_name(spec_.digest->algorithm) + " " + spec_.digest->hex + ")"
                           : std::string()) +
             "; on a connected machine run `assetfetch mirror MANIFEST.json --to DIR` (or "
             "`assetfetch fetch` with the same cache) and make DIR or the cache available here");
    return false;
  }
  const ErrorContext& last = walk_.last_error();
  error_.url = last.url;
  fail(any_mismatch_ ? ErrorCode::hash_mismatch : ErrorCode::unavailable,
       last.cause == ErrorCause::none ? ErrorCause::transport : last.cause, walk_.exhausted_headline(),
       last.http_status);
  return false;
}

bool FileWorker::start(Clock::time_point now) {
  if (caches_whole_file(inputs_)) {
    try {
      cache_->check_tree();
      lock_.unlock();  // a held lock of ours would make the retry below wait for itself
      lock_ = cache_->try_lock_object(partial_key(spec_));
      if (!lock_.held()) {
        // Another process is fetching this object: wait, then reuse it.
        wait_until(now + std::chrono::milliseconds(50));
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
  strategy_ = choose_strategy();
  return phase_ == Phase::idle;
}

std::unique_ptr<FetchStrategy> FileWorker::choose_strategy() {
  if (!spec_.ranges_given) return std::make_unique<WholeFetch>(as_host());
  bool need_whole = false;
  if (options_.require_verified_ranges) {
    for (const auto& r : spec_.ranges)
      if (!r.digest) need_whole = true;
  }
  if (!need_whole) return std::make_unique<RangedFetch>(as_host());
  if (!spec_.digest) {
    fail(ErrorCode::bad_input, ErrorCause::none,
         "a range without its own sha256 cannot be verified without the whole file's hash; "
         "give OFF:LEN:SHA256, or the file's --sha256/--sha512, or drop --require-verified");
    return nullptr;
  }
  // Every range verified through the whole file's hash: fetch it and cut.
  return std::make_unique<WholeFetch>(as_host());
}

bool FileWorker::serve_from_cache() {
  if (!cache_ || !spec_.digest) return false;
  try {
    auto found = cache_->lookup(*spec_.digest);
    if (found == Cache::Lookup::healed)
      events_.warning("cached object " + spec_.digest->hex + " was corrupt; removed it and fetching again");
    if (found != Cache::Lookup::hit) return false;
    fs::path obj = cache_->object_path(*spec_.digest);
    cache_->touch(*spec_.digest);
    lock_.unlock();
    result_.from_cache = true;
    result_.source = "cache";
    // A source added since the object was fetched gets it now, once per
    // cache (store_marks.h).
    write_back(spec_, asset_label(), obj, std::string(), options_, StoreMarks(cache_->root()),
               WriteBackAfter::cache_hit, events_.warning);
    if (spec_.ranges_given) {
      cut_ranges_from(obj, true);
    } else {
      result_.bytes = install_object(obj);
      result_.verified = true;
      phase_ = Phase::done;
    }
  } catch (const std::exception& e) {
    fail(ErrorCode::internal, ErrorCause::local_file, std::string("installing from the cache: ") + e.what());
  }
  return true;
}

std::uint64_t FileWorker::install_object(const fs::path& object) {
  std::uint64_t bytes = 0;
  if (cache_only_) return fs::file_size(object);
  auto install = [&] { bytes = install_whole(object, temporary_, options_.install); };
  // A hardlink is a new name for the object: its stamp follows (cache.h).
  if (options_.install == InstallMode::hardlink) cache_->linking(*spec_.digest, install);
  else install();
  return bytes;
}

void FileWorker::cut_ranges_from(const fs::path& whole, bool verified) {
  try {
    auto cut = cut_ranges(spec_, whole, temporary_);
    if (auto* failure = std::get_if<Failure>(&cut)) {
      if (failure->cause == ErrorCause::hash_mismatch) any_mismatch_ = true;
      fail(failure->code, failure->cause, failure->message);
      return;
    }
    result_.verified = verified;
    result_.bytes = std::get<std::uint64_t>(cut);
    phase_ = Phase::done;
  } catch (const std::exception& e) {
    fail(ErrorCode::internal, ErrorCause::local_file, e.what());
  }
}

void FileWorker::on_transfer_done(Transfer& transfer, CURLcode code) {
  TransferResult r = transfer.finish(code);
  if (phase_ == Phase::done || phase_ == Phase::failed) return;  // a straggler after the end
  if (strategy_) strategy_->on_transfer_done(r, transfer);
}

void FileWorker::interrupt() {
  if (strategy_) strategy_->interrupt();
  if (phase_ == Phase::transferring) phase_ = Phase::idle;
}

void FileWorker::answer(const TransferResult& r, const std::string& url, const std::string& range) {
  Verdict v = classify(r);
  strategy_->refine(r, v);
  if (events_.attempt) events_.attempt(attempt_record(asset_label(), url, range, r, v));
  switch (v.prognosis) {
    case Prognosis::done:
      strategy_->on_answer_done();
      return;
    case Prognosis::retry:
      walk_.note(v.cause, v.detail, v.http_status);
      retry_or_failover(v.detail, v.retry_after);
      return;
    case Prognosis::restart:
      strategy_->restart();  // same candidate, from byte 0, not counted as an attempt
      return;
    case Prognosis::redirect:
      if (auto refused = walk_.follow(v.redirect_url)) failover(ErrorCause::transport, *refused);
      return;
    case Prognosis::fail:
      fail(v.code, v.cause, v.detail, v.http_status);
      return;
    case Prognosis::failover:
      strategy_->on_failover(v);
      failover(v.cause, v.detail, v.http_status);
      return;
  }
}

void FileWorker::wait_until(Clock::time_point when) {
  phase_ = Phase::waiting;
  wake_at_ = when;
}

void FileWorker::retry_or_failover(const std::string& reason, std::optional<std::chrono::seconds> after) {
  if (auto delay = walk_.retry_delay(after)) {
    wait_until(Clock::now() + *delay);
    return;
  }
  const ErrorContext& last = walk_.last_error();
  failover(last.cause == ErrorCause::none ? ErrorCause::transport : last.cause,
           reason + " (after " + std::to_string(walk_.attempt()) + " attempts)", last.http_status);
}

void FileWorker::failover(ErrorCause cause, const std::string& reason, long status) {
  auto step = walk_.fail_over(cause, reason, status);
  phase_ = Phase::idle;
  if (step && events_.failover) events_.failover(step->from, step->to, reason);
}

void FileWorker::fail(ErrorCode code, ErrorCause cause, const std::string& message, long status) {
  error_.code = code;
  error_.cause = cause;
  error_.file = asset_label();
  error_.http_status = status ? status : error_.http_status;
  error_.message = message;
  phase_ = Phase::failed;
  if (strategy_) strategy_->close_failed();
  lock_.unlock();
  std::error_code ec;
  fs::remove(temporary_, ec);
}

void FileWorker::drop_temporaries(bool keep_resumable) {
  for (auto& s : retired_) s->drop_temporaries(keep_resumable);
  if (strategy_) strategy_->drop_temporaries(keep_resumable);
  std::error_code ec;
  fs::remove(temporary_, ec);
  lock_.unlock();  // last: nobody resumes a partial while it is being removed
}

}  // namespace assetfetch
