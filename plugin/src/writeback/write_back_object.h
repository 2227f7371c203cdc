// Writing one verified cache object to one writable source: a file copy for
// a file:// folder (created beside the name, then renamed into place), an
// HTTP PUT otherwise. Object stores (S3, Azure) go through upload.h instead.
#pragma once

#include <filesystem>
#include <string>

#include "assetfetch/job.h"

namespace assetfetch {

// Returns an empty string on success, else why it failed. An object already
// at a file:// target is left as it is (content-addressed: the same bytes).
std::string write_back_object(const std::filesystem::path& object, const Candidate& target,
                              const JobOptions& options);

}  // namespace assetfetch
