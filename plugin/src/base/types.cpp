#include "assetfetch/types.h"

#include "assetfetch/job.h"

namespace assetfetch {

const char* algorithm_name(HashAlgorithm a) {
  return a == HashAlgorithm::sha256 ? "sha256" : "sha512";
}

std::size_t digest_hex_length(HashAlgorithm a) { return a == HashAlgorithm::sha256 ? 64 : 128; }

int exit_code_for(ErrorCode code) { return static_cast<int>(code); }

const char* state_name(JobState s) {
  switch (s) {
    case JobState::queued: return "queued";
    case JobState::connecting: return "connecting";
    case JobState::transferring: return "transferring";
    case JobState::suspended: return "suspended";
    case JobState::error: return "error";
    case JobState::transient_error: return "transient_error";
    case JobState::transferred: return "transferred";
    case JobState::acknowledged: return "acknowledged";
    case JobState::cancelled: return "cancelled";
  }
  return "unknown";
}

const char* cause_name(ErrorCause c) {
  switch (c) {
    case ErrorCause::none: return "none";
    case ErrorCause::http_status: return "http_status";
    case ErrorCause::transport: return "transport";
    case ErrorCause::hash_mismatch: return "hash_mismatch";
    case ErrorCause::range_unsupported: return "range_unsupported";
    case ErrorCause::range_invalid: return "range_invalid";
    case ErrorCause::size_mismatch: return "size_mismatch";
    case ErrorCause::offline_miss: return "offline_miss";
    case ErrorCause::local_file: return "local_file";
  }
  return "unknown";
}

const char* outcome_name(AttemptOutcome o) {
  switch (o) {
    case AttemptOutcome::ok: return "ok";
    case AttemptOutcome::retry: return "retry";
    case AttemptOutcome::failover: return "failover";
    case AttemptOutcome::restart: return "restart";
    case AttemptOutcome::redirect: return "redirect";
    case AttemptOutcome::mismatch: return "mismatch";
    case AttemptOutcome::failed: return "failed";
  }
  return "unknown";
}

}  // namespace assetfetch
