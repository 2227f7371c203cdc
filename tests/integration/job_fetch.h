// fetch_one(): one verified file fetched through the C++ API (a job of its
// own), for the engine tests that watch what servers receive: the job's end
// state, the file's result and error, the warnings and how long it took.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "assetfetch/job.h"
#include "test_util.h"

namespace af_it {

struct FetchRun {
  assetfetch::JobState state = assetfetch::JobState::error;
  std::optional<assetfetch::FileResult> result;
  assetfetch::ErrorContext error;
  std::vector<std::string> warnings;
  std::vector<assetfetch::AttemptRecord> attempts;  // in the order they were reported
  double seconds = 0;  // resume() to the end of the transfer
};

inline FetchRun fetch_one(const assetfetch::JobOptions& options, const std::vector<std::string>& urls,
                          const std::string& data, const std::filesystem::path& dest) {
  using namespace assetfetch;
  auto job = create_job("fetch-one", options);
  std::vector<std::string> warnings;
  JobCallbacks cb;
  cb.warning = [&](const std::string&, const std::string& m) { warnings.push_back(m); };
  std::vector<AttemptRecord> attempts;
  cb.attempt = [&](const AttemptRecord& a) { attempts.push_back(a); };
  job->set_callbacks(cb);
  FileSpec spec;
  spec.name = "big";
  for (const auto& u : urls) spec.candidates.push_back({u, CandidateKind::origin, {}});
  spec.local_name = dest;
  spec.digest = Digest{HashAlgorithm::sha256, af_test::sha256_hex(data)};
  ErrorContext err;
  File* f = job->add_file(spec, &err);
  EXPECT_NE(f, nullptr) << err.message;
  FetchRun run;
  if (!f) return run;
  const auto t0 = std::chrono::steady_clock::now();
  job->resume();
  run.state = job->wait(std::chrono::seconds(120));
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ErrorContext complete_error;
  job->complete(&complete_error);
  run.result = f->result();
  run.error = f->error();
  run.warnings = warnings;
  run.attempts = attempts;
  return run;
}

}  // namespace af_it
