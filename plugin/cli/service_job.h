// The CLI's side of the background service (src/service/): fetch, x-script
// and sync send their resolved job there when Settings::service is auto
// (config "service", or ASSETFETCH_SERVICE), print the events through their
// reporter, and exit as the in-process run would. nullopt means "fetch in-process": the service
// is off, absent, busy, refusing, or went away mid-job (the cache keeps the
// bytes it had received), or the job needs what only a process of its own
// does (object-store signing, write-back uploads).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "assetfetch/job.h"
#include "cli_options.h"
#include "reporter.h"
#include "run_job.h"

namespace assetfetch::cli {

std::optional<JobOutcome> run_job_in_service(const std::string& name, const Settings& settings,
                                             const std::vector<FileSpec>& specs, Reporter& reporter);

// run_job_in_service, else run_job (which resumes from the cache's partials;
// the reporter announces each file once either way).
JobOutcome run_job_maybe_in_service(const std::string& name, const Settings& settings, std::vector<FileSpec> specs,
                                    Reporter& reporter);

}  // namespace assetfetch::cli
