// A library job's way to the background service (issue 19 item 4): a
// Prefetch (core/prefetch.h) that sends the files the cache can hold to the
// service as a cache-only request, relays its events, and returns when the
// service is done, absent, busy, refusing or lost, or when the job stops (the
// socket closes: the service suspends and the cache keeps its partial). The
// job's own loop then finds the files in the cache, or resumes them itself.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/prefetch.h"

namespace assetfetch::service {

// The assetfetch program that starts the service for a library: beside the
// library (a build tree, bin/ on Windows), else in ../bin (an install, the
// release zips: lib/ beside bin/), else ../../bin (lib/<multiarch>/).
// nullopt when none is there: the library then uses a running service only.
std::optional<std::filesystem::path> program_beside_library();

// The prefetch for a library job with `cache_dir`: nullptr when the service
// has no folder (no XDG_RUNTIME_DIR and no cache).
std::shared_ptr<Prefetch> make_service_prefetch(const std::filesystem::path& cache_dir);

}  // namespace assetfetch::service
