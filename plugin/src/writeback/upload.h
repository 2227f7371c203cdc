// One write-back: a verified cache object copied or uploaded to a writable
// source — file copy, plain HTTP PUT, Azure Blob or S3 (by the target's
// StoreKind).
#pragma once

#include <filesystem>
#include <string>

#include "assetfetch/job.h"

namespace assetfetch {

struct WriteBackTask {
  std::string asset;  // for messages
  Candidate target;
  std::filesystem::path object;
  RetryPolicy retry;
  TlsPolicy tls;
};

// True for targets uploaded in the background (everything but file://).
bool uploads_in_background(const Candidate& target);

// Returns "" on success, else a short reason (no credentials in it).
std::string run_write_back(const WriteBackTask& task);

}  // namespace assetfetch
