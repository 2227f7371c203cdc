// The background service's protocol (service/): one JSON object per line
// over the private local socket.
//
// Client → service, once: the job, resolved by the client exactly as an
// in-process run would resolve it (flags, environment, config), its
// candidates already expanded:
//   {"protocol", "version", "env": {...}, "name", "options": {...},
//    "files": [{"name", "local_name" (absolute), "candidates": [{"url",
//    "kind", "headers"}], "sha256"|"sha512", "ranges", ...}], "cache_only"}
// With "cache_only" (a library job's prefetch, service_prefetch.h) the
// service fetches into the cache and installs nothing: the client's own job
// then finds the files there, and completes or cancels them itself.
// Service → client: "accepted" (or "busy", "refused" with a reason), then
// the job's events as they happen ("attempt", "failover", "warning",
// "note", "progress", "alive"), and last "result" (or "create_failed",
// "rejected"). Anything else, or the socket closing before "result", means
// the client fetches in-process.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "assetfetch/job.h"

namespace assetfetch::service {

// Bumped on any change of the lines above; a service and a client of
// different protocol or program versions never talk (the client fetches
// in-process).
// 2: "cache_only".
inline constexpr int kProtocol = 2;

struct JobRequest {
  std::string name;
  JobOptions options;  // options.sources is not sent: candidates are
  std::vector<FileSpec> files;
  // The environment libcurl and OpenSSL read while transferring (proxies,
  // CA locations): a service whose own differs refuses the job.
  std::map<std::string, std::string> env;
  // Fill the cache only (create_cache_only_job): no install, no job record.
  bool cache_only = false;
};

// This program's version and build: its version string, and the size and
// modification time of its file when known. A rebuilt program (same version,
// other code) never talks to a service started from the old one.
const std::string& build_identity();

// The "version" a request carries and the service expects. A cache-only
// request says the version alone: its client is a library, whose own file
// names no build of the service, and what the service makes of it (verified
// cache objects) is what processes of any build of one version share anyway.
std::string request_identity(bool cache_only);

// The variables JobRequest::env carries, as this process sees them.
std::map<std::string, std::string> transfer_environment();

nlohmann::json to_json(const JobRequest& request);
// Throws std::exception (nlohmann's or InputError) on a malformed request.
JobRequest parse_request(const nlohmann::json& j);

nlohmann::json to_json(const ErrorContext& e);
ErrorContext error_from_json(const nlohmann::json& j);
nlohmann::json to_json(const AttemptRecord& r);
AttemptRecord attempt_from_json(const nlohmann::json& j);
nlohmann::json to_json(const FileResult& r);
FileResult result_from_json(const nlohmann::json& j);
nlohmann::json to_json(const Progress& p);
Progress progress_from_json(const nlohmann::json& j);

// One finished file, as "result" lists them (in the order they were sent).
struct RemoteFile {
  bool completed = false;
  std::optional<FileResult> result;
  ErrorContext error;
};

}  // namespace assetfetch::service
