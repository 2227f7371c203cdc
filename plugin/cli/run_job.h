// Runs one job of files to the end for a CLI command: validate every file
// before any request, transfer, complete, report each file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "assetfetch/job.h"
#include "reporter.h"

namespace assetfetch::cli {

struct JobOutcome {
  int exit_code = 0;
  int fetched = 0;
  int from_cache = 0;
  int failed = 0;
};

// `name` follows the core's rule (base/job_name.h): a name that breaks it is
// reported as bad input (exit 2), never changed.
JobOutcome run_job(const std::string& name, const JobOptions& options, std::vector<FileSpec> specs,
                   Reporter& reporter);

// How run_job reports one file's end (shared with the service client,
// service_job.h): done, or the file's error (else the complete() error).
void report_file(Reporter& reporter, const FileSpec& spec, bool completed, const std::optional<FileResult>& result,
                 ErrorContext error, const ErrorContext& complete_error, JobOutcome& outcome);
// complete() failed though every file looked fine: exit 1 with its message.
void report_incomplete(Reporter& reporter, bool all, const ErrorContext& complete_error, JobOutcome& outcome);

}  // namespace assetfetch::cli
