// Runs one job of files to the end for a CLI command: validate every file
// before any request, transfer, complete, report each file.
#pragma once

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

}  // namespace assetfetch::cli
