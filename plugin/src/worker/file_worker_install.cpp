// FileWorker: the end of a whole-file fetch — verify the hash (and what a
// mismatch means for the walk), then hand the bytes to the finisher
// (finisher.h: cache, write back, install or cut); and a cache hit.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "worker/file_worker.h"
#include "worker/file_worker_util.h"
#include "cache/install.h"
#include "cache/unique_fd.h"
#include "worker/local_source.h"
#include "transfer/redact.h"
#include "worker/finisher.h"

namespace assetfetch {

namespace fs = std::filesystem;
using namespace worker_util;

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
          result_.bytes = install_object(obj);
          result_.verified = true;
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

std::uint64_t FileWorker::install_object(const fs::path& object) {
  std::uint64_t bytes = 0;
  auto install = [&] { bytes = install_whole(object, temporary_, options_.install); };
  // A hardlink is a new name for the object: its stamp follows (cache.h).
  if (options_.install == InstallMode::hardlink) cache_->linking(*spec_.digest, install);
  else install();
  return bytes;
}

void FileWorker::finish_whole() {
  if (!flush_writes(nullptr)) return;
  const std::string got = hasher_->finish_hex();
  if (!spec_.digest || got == spec_.digest->hex) deliver_whole();
  else if (resumed_bytes_) refetch_resumed();
  else drop_mismatched(got);
}

void FileWorker::refetch_resumed() {
  // Bytes kept from an earlier run did not verify (a partial changed behind
  // our back, a power loss, a mirror that lied then): that says nothing
  // about the sources. Drop them and fetch again from byte 0 on the same
  // candidates, once.
  events_.warning("the resumed partial download did not verify; fetching " + asset_label() +
                  " again from byte 0");
  finished_seg_.reset();
  restart_whole();
  close_journal(true);
  if (use_cache_for_whole()) cache_->remove_partial_meta(partial_key());
  remote_size_.reset();
  segmenting_disabled_ = false;
  walk_.rewind();
  result_.source.clear();
  phase_ = Phase::idle;
}

void FileWorker::drop_mismatched(const std::string& got) {
  any_mismatch_ = true;
  const std::string from = walk_.current().url;
  std::string why = std::string("hash mismatch: expected ") + algorithm_name(spec_.digest->algorithm) + " " +
                    spec_.digest->hex + ", got " + got;
  if (events_.attempt) {
    AttemptRecord rec;
    rec.asset = asset_label();
    rec.url = redact_url(from);
    rec.bytes = filled_;
    rec.outcome = AttemptOutcome::mismatch;
    rec.cause = ErrorCause::hash_mismatch;
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
    part_fd_.reset();
    close_journal(true);
    try {
      part_fd_ = open_new_temporary(part_, true);
    } catch (const std::exception& e) {
      fail(ErrorCode::internal, ErrorCause::local_file, e.what());
      return;
    }
    segmenting_disabled_ = true;
    filled_ = 0;
    hasher_->reset();
    remote_size_.reset();
    walk_.note(ErrorCause::hash_mismatch, why);
    walk_.rewind();
    phase_ = Phase::idle;
    return;
  }
  restart_whole();  // drop these bytes: this source (or the one before) served others
  if (use_cache_for_whole()) {
    // Only the validators go: the (now empty) .part stays, since part_fd_
    // still writes into it for the next candidate and finish renames it.
    close_journal(true);
    cache_->remove_partial_meta(partial_key());
  }
  remote_size_.reset();
  failover(ErrorCause::hash_mismatch, why);
}

void FileWorker::deliver_whole() {
  finished_seg_.reset();
  release_buffers();
  result_.verified = spec_.digest.has_value();
  result_.bytes = filled_;
  if (result_.source.empty() && !walk_.exhausted()) result_.source = redact_url(walk_.current().url);
  part_fd_.reset();
  try {
    fs::path whole = part_;
    if (use_cache_for_whole() && !spec_.digest) {
      // Unverified (FileSpec::resume_key): never cached; the partial becomes the temporary.
      close_journal(true);
      cache_->remove_partial_meta(partial_key());
      std::error_code ec;
      fs::rename(part_, temporary_, ec);
      if (ec) {
        install_whole(part_, temporary_, InstallMode::copy);
        fs::remove(part_, ec);
      }
      lock_.unlock();
    } else if (use_cache_for_whole()) {
      close_journal(true);
      cache_->remove_partial_meta(*spec_.digest);
      cache_->adopt(part_, *spec_.digest, spec_.extra_digest);
      lock_.unlock();
      whole = cache_->object_path(*spec_.digest);
      name_bad_mirrors(whole);
      write_back(spec_, asset_label(), whole, walk_.exhausted() ? std::string() : walk_.current().url, options_,
                 events_.warning);
      if (!spec_.ranges_given) install_object(whole);
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

}  // namespace assetfetch
