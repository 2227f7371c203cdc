// The CLI's side of the background service (src/service/): a single-asset
// command (fetch, x-script) sends its resolved job there when
// ASSETFETCH_SERVICE=auto, prints the events through its reporter, and exits
// as the in-process run would. nullopt means "fetch in-process": the service
// is off, absent, busy, refusing, or went away mid-job (the cache keeps the
// bytes it had received), or the job needs what only a process of its own
// does (object-store signing, write-back uploads).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "assetfetch/job.h"
#include "reporter.h"
#include "run_job.h"

namespace assetfetch::cli {

// Throws InputError when ASSETFETCH_SERVICE holds an unknown mode.
std::optional<JobOutcome> run_job_in_service(const std::string& name, const JobOptions& options,
                                             const std::vector<FileSpec>& specs, Reporter& reporter);

// run_job_in_service, else run_job.
JobOutcome run_job_maybe_in_service(const std::string& name, const JobOptions& options, std::vector<FileSpec> specs,
                                    Reporter& reporter);

}  // namespace assetfetch::cli
