// One write-back: a verified cache object copied or uploaded to a writable
// source — file copy, plain HTTP PUT, Azure Blob or S3 (by the target's
// StoreKind).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "assetfetch/job.h"
#include "transfer/upload_target.h"

namespace assetfetch {

struct WriteBackTask {
  std::string asset;  // for messages
  Candidate target;
  std::filesystem::path object;
  RetryPolicy retry;
  TlsPolicy tls;
  // Written when the write-back succeeds (store_marks.h); empty: none.
  std::filesystem::path mark;
};

// True when the object store of `target` answers a HEAD for its URL with an
// object of `size` bytes (false for a plain HTTP or file target, and when the
// store does not say: the caller then fetches and uploads).
bool store_has_object(const Candidate& target, std::uint64_t size, const RetryPolicy& retry, const TlsPolicy& tls);

// True for targets uploaded in the background (everything but file://).
bool uploads_in_background(const Candidate& target);

// Returns "" on success, else a short reason (no credentials in it).
// `note` says whether an object store already held the object (nothing sent)
// or did not answer at all.
std::string run_write_back(const WriteBackTask& task, UploadNote* note = nullptr);

}  // namespace assetfetch
