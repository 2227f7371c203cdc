// "No instance metadata service answers here", remembered between processes.
// A machine outside Azure whose network drops link-local packets pays the
// IMDS probe's connect timeout (azure_token.h); vcpkg's x-script and CMake's
// fetch_asset() start a process per asset, so without a memory each of them
// would pay it. The answer is kept for kImdsAbsenceMemory in a small text
// file under <cache>/probes/, one per IMDS address, written through a
// temporary and a rename. A file that is malformed, names another address,
// is older than the bound or dated ahead of the clock, or was written in
// another boot of the machine (Linux's boot id; elsewhere the bound alone)
// is ignored. Only the negative answer is kept: a token is never written.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace assetfetch {

inline constexpr std::chrono::seconds kImdsAbsenceMemory{600};

// The record for `host` under `cache_dir` (the file name hashes the host).
std::filesystem::path imds_absence_file(const std::filesystem::path& cache_dir, const std::string& host);

struct ImdsAbsence {
  std::chrono::system_clock::time_point at;  // when the probe found none
  std::string why;                           // the probe's reason (no secret)
};

// The absence recorded for `host` under `cache_dir`, when a record holds at
// `now`; nullopt otherwise (none, unreadable, malformed, stale, another
// address or boot). An empty `cache_dir` never holds one.
std::optional<ImdsAbsence> remembered_imds_absence(const std::filesystem::path& cache_dir, const std::string& host,
                                                   std::chrono::system_clock::time_point now =
                                                       std::chrono::system_clock::now());

// Records that the probe of `host` found none, for `why`. Best effort: a
// cache that cannot be written only costs the next process a probe.
void remember_imds_absence(const std::filesystem::path& cache_dir, const std::string& host, const std::string& why);

// For messages: "none answered at 02:31:07 UTC (why); asked again after
// 02:41:07 UTC or once <file> is removed".
std::string describe_imds_absence(const ImdsAbsence& absence, const std::filesystem::path& file);

}  // namespace assetfetch
