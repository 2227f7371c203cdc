// A local write failure (here EFBIG from a file-size limit, as ENOSPC or EIO
// would be) fails the file as a local error: exit 1 naming the file and the
// error, no other mirror blamed or asked, nothing at the destination or in
// the cache, and a resume record never claims a byte that was not written.
#include <gtest/gtest.h>

#include "cache/filled_journal.h"
#include "integration_util.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using af_it::describe;
using af_test::TestServer;

TEST(FetchWriteFailure, FileSizeLimitFailsTheFileCleanlyWithoutTryingAnotherMirror) {
  af_test::TempDir tmp{"af-write-failure"};
  const fs::path cache = tmp / "cache", out = tmp / "out" / "asset.bin";
  fs::create_directories(out.parent_path());
  TestServer a, b;
  const std::string data = af_test::random_bytes(6u << 20, 21);
  const std::string sha = af_test::sha256_hex(data);
  a.add_file("/f", data);
  b.add_file("/f", data);
  constexpr std::uint64_t kLimit = 2u << 20;  // bytes a process may write into one file
  // bash: SIGXFSZ ignored (inherited through exec), so the write returns EFBIG.
  const std::vector<std::string> argv{"/bin/bash",
                                      "-c",
                                      "trap '' XFSZ; ulimit -f " + std::to_string(kLimit / 1024) + "; exec \"$@\"",
                                      "bash",
                                      af_it::cli_path(),
                                      "fetch",
                                      a.url("/f"),
                                      b.url("/f"),
                                      "--sha256",
                                      sha,
                                      "-o",
                                      out.string(),
                                      "--config",
                                      af_it::write_config(tmp / "config.json").string()};
  auto r = af_test::run_process(argv, {{"ASSETFETCH_CACHE_DIR", cache.string()}, {"ASSETFETCH_CONFIG", ""},
                                       {"ASSETFETCH_OFFLINE", ""}},
                                std::chrono::seconds(60), "", tmp.path().string());
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("writing "), std::string::npos) << describe(r);
  EXPECT_NE(r.err.find("File too large"), std::string::npos) << describe(r);
  EXPECT_FALSE(fs::exists(out)) << describe(r);
  EXPECT_TRUE(b.requests_for("/f").empty()) << "a local write failure was blamed on the source: "
                                             << describe(r);
  // If a resume record is left, it claims no byte at or past the limit.
  const fs::path journal = cache / "partial" / ("sha256-" + sha + ".filled");
  const auto kept = assetfetch::FilledJournal::load(journal, data.size());
  for (const auto& s : kept.spans()) EXPECT_LE(s.end, kLimit) << "the journal claims unwritten bytes";
  // Nothing was adopted into the cache.
  EXPECT_TRUE(af_it::files_under(cache / "objects").empty()) << describe(r);
}

}  // namespace
