// WholeFetch: the end of a whole-file fetch — verify the hash (and what a
// mismatch means for the walk), then hand the bytes to the finisher
// (finisher.h: cache, write back, install or cut).
#include "transfer/redact.h"
#include "worker/finisher.h"
#include "worker/whole_fetch.h"

namespace assetfetch {

namespace fs = std::filesystem;

void WholeFetch::finish() {
  if (!flush_writes(nullptr)) return;
  const std::string got = hasher_->finish_hex();
  if (!in_.spec.digest || got == in_.spec.digest->hex) deliver();
  else if (resumed_bytes_) refetch_resumed();
  else drop_mismatched(got);
}

void WholeFetch::refetch_resumed() {
  // Bytes kept from an earlier run did not verify (a partial changed behind
  // our back, a power loss, a mirror that lied then): that says nothing
  // about the sources. Drop them and fetch again from byte 0 on the same
  // candidates, once.
  in_.events.warning("the resumed partial download did not verify; fetching " + host_.asset_label() +
                     " again from byte 0");
  finished_seg_.reset();
  restart();
  close_journal(true);
  if (cached_) in_.cache->remove_partial_meta(partial_key(in_.spec));
  remote_size_.reset();
  segmenting_disabled_ = false;
  host_.walk().rewind();
  host_.file_result().source.clear();
  host_.set_phase(FetchPhase::idle);
}

void WholeFetch::drop_mismatched(const std::string& got) {
  host_.note_mismatch();
  CandidateWalk& walk = host_.walk();
  const std::string why = std::string("hash mismatch: expected ") + algorithm_name(in_.spec.digest->algorithm) +
                          " " + in_.spec.digest->hex + ", got " + got;
  if (in_.events.attempt) {
    AttemptRecord rec;
    rec.asset = host_.asset_label();
    rec.url = redact_url(walk.current().url);
    rec.bytes = filled_;
    rec.outcome = AttemptOutcome::mismatch;
    rec.cause = ErrorCause::hash_mismatch;
    rec.retry_reason = why;
    in_.events.attempt(rec);
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
      host_.fail(ErrorCode::internal, ErrorCause::local_file, e.what());
      return;
    }
    segmenting_disabled_ = true;
    filled_ = 0;
    hasher_->reset();
    remote_size_.reset();
    walk.note(ErrorCause::hash_mismatch, why);
    walk.rewind();
    host_.set_phase(FetchPhase::idle);
    return;
  }
  restart();  // drop these bytes: this source (or the one before) served others
  if (cached_) {
    // Only the validators go: the (now empty) .part stays, since part_fd_
    // still writes into it for the next candidate and deliver() renames it.
    close_journal(true);
    in_.cache->remove_partial_meta(partial_key(in_.spec));
  }
  remote_size_.reset();
  host_.failover(ErrorCause::hash_mismatch, why);
}

void WholeFetch::deliver() {
  finished_seg_.reset();
  release_buffers();
  FileResult& result = host_.file_result();
  const CandidateWalk& walk = host_.walk();
  result.verified = in_.spec.digest.has_value();
  result.bytes = filled_;
  if (result.source.empty() && !walk.exhausted()) result.source = redact_url(walk.current().url);
  part_fd_.reset();
  try {
    fs::path whole = part_;
    if (cached_ && !in_.spec.digest) {
      // Unverified (FileSpec::resume_key): never cached; the partial becomes the temporary.
      close_journal(records_);
      if (records_) in_.cache->remove_partial_meta(partial_key(in_.spec));
      std::error_code ec;
      fs::rename(part_, in_.temporary, ec);
      if (ec) {
        install_whole(part_, in_.temporary, InstallMode::copy);
        fs::remove(part_, ec);
      }
      host_.release_object_lock();
    } else if (cached_) {
      const Digest& digest = *in_.spec.digest;
      close_journal(records_);
      if (records_) in_.cache->remove_partial_meta(digest);
      in_.cache->adopt(part_, digest, in_.spec.extra_digest);
      host_.release_object_lock();
      whole = in_.cache->object_path(digest);
      name_bad_mirrors(whole);
      write_back(in_.spec, host_.asset_label(), whole, walk.exhausted() ? std::string() : walk.current().url,
                 in_.options, StoreMarks(in_.cache->root()), WriteBackAfter::fetch, in_.events.warning);
      if (!in_.spec.ranges_given) host_.install_object(whole);
    }
    if (in_.spec.ranges_given) {
      host_.cut_ranges_from(whole, result.verified);
      if (!cached_) {
        std::error_code ec;
        fs::remove(whole, ec);
      }
      return;
    }
  } catch (const std::exception& e) {
    host_.fail(ErrorCode::internal, ErrorCause::local_file, e.what());
    return;
  }
  host_.done();
}

}  // namespace assetfetch
