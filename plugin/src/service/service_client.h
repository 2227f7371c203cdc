// A client of the background service (service_server.h): sends one
// resolved job, relays its events, and says what became of it. Anything but
// a result (no service, busy, refused, gone mid-way) is an answer too: the
// caller then fetches in-process, and the cache keeps the bytes the service
// had received.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "service/service_protocol.h"

namespace assetfetch::service {

// The job's events, called on the caller's thread; `file` indexes
// JobRequest::files.
struct RemoteEvents {
  // The service (process id) took the job; the events follow.
  std::function<void(std::uint64_t pid)> accepted;
  std::function<void(const AttemptRecord&)> attempt;
  std::function<void(std::size_t file, const std::string& from, const std::string& to, const std::string& reason)>
      failover;
  std::function<void(const std::string& asset, const std::string& message)> warning;
  std::function<void(const std::string& asset, const std::string& message)> note;
  std::function<void(std::size_t file, const Progress&)> progress;
};

struct RemoteOutcome {
  enum class Kind {
    unavailable,  // never started: no service, busy, refused (reason says which)
    lost,         // the service went away or fell silent mid-job (reason)
    interrupted,  // `interrupted` said so; the service stops the job (the cache keeps its bytes)
    not_run,      // the service could not create the job or refused a file (error); try in-process
    done,         // files, all, complete_error
  };
  Kind kind = Kind::unavailable;
  std::string reason;
  ErrorContext error;
  std::vector<RemoteFile> files;
  bool all = false;
  ErrorContext complete_error;
};

struct ClientOptions {
  std::filesystem::path dir;  // the service's private folder
  // Started (detached) when nobody listens, then waited for a little;
  // empty: never start one.
  std::vector<std::string> start_command;
  // The service says it is alive every second; this much silence is a lost service.
  std::chrono::milliseconds silence_limit{15000};
};

// The request for a job the client resolved (flags, environment, config):
// its candidates expanded from options.sources, destinations made absolute.
// nullopt (and *why_not) when the job needs a process of its own (a signed
// object store, write-back uploads) or its input is bad (the in-process run
// then reports it as it always does).
std::optional<JobRequest> make_request(const std::string& name, const JobOptions& options,
                                       const std::vector<FileSpec>& specs, std::string* why_not);

// Why `spec` (candidates expanded) needs a process of its own (a signed
// object store, write-back uploads), or empty.
std::string needs_own_process(const FileSpec& spec);

// `PROGRAM service --idle-exit 60 --dir DIR`.
std::vector<std::string> start_command(const std::string& program, const std::filesystem::path& dir);
// The same with this program; empty when its own path is unknown.
std::vector<std::string> start_command(const std::filesystem::path& dir);

// `interrupted` is asked at least every 100 ms, also while the service
// starts or the job waits in its line (Kind::interrupted).
RemoteOutcome run_remote(const ClientOptions& options, const JobRequest& request, const RemoteEvents& events,
                         const std::function<bool()>& interrupted);

}  // namespace assetfetch::service
