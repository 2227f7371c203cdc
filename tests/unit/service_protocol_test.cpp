// The service's request (service/service_protocol.h) carries every JobOptions
// and FileSpec field a client resolved: a job run by the service behaves as
// the same job in-process. Each field here is set to a non-default value and
// must come back unchanged.
#include <gtest/gtest.h>

#include "service/service_protocol.h"

namespace {

using namespace assetfetch;

TEST(ServiceProtocol, ARequestComesBackWithEveryField) {
  service::JobRequest in;
  in.name = "x-script-sha512-0123";
  JobOptions& o = in.options;
  o.cache_dir = "/c/cache";
  o.offline = true;
  o.block_origin = true;
  o.require_verified_ranges = true;
  o.install = InstallMode::hardlink;
  o.retry = RetryPolicy{7, std::chrono::milliseconds(12), std::chrono::seconds(13), 14, std::chrono::seconds(15),
                        std::chrono::seconds(16), std::chrono::seconds(17), 18};
  o.tls = TlsPolicy{false, "/ca.pem"};
  o.max_parallel_files = 3;
  o.max_connections_per_file = 2;
  o.segment_threshold = 111;
  o.segment_min_split = 222;
  o.segment_probe_after = std::chrono::milliseconds(333);
  o.segment_local_capacity = 444.5;
  o.max_download_size = 555;
  o.min_free_space = FreeSpaceFloor{std::nullopt, 1.5};
  o.use_mirror_health = false;
  o.skip_in_place = false;
  o.restore = false;
  o.write_back_wait = std::chrono::seconds(9);
  FileSpec f;
  f.name = "zlib";
  f.candidates.emplace_back("https://m/zlib", CandidateKind::rewrite, HeaderList{{"Authorization", "Bearer t"}});
  f.candidates.emplace_back("https://o/zlib", CandidateKind::origin);
  f.local_name = "/d/zlib.tar.gz";
  f.digest = Digest{HashAlgorithm::sha256, std::string(64, 'a')};
  f.extra_digest = Digest{HashAlgorithm::sha512, std::string(128, 'b')};
  f.allow_unverified = true;
  f.resume_key = Digest{HashAlgorithm::sha256, std::string(64, 'c')};
  f.size = 1234;
  f.ranges = {ByteRange{10, 20, std::nullopt}, ByteRange{100, kLengthToEof, std::nullopt}};
  f.ranges_given = true;
  f.layout = Layout::sparse;
  in.files.push_back(f);
  in.env = {{"https_proxy", "http://proxy:3128"}};
  in.cache_only = true;

  const service::JobRequest out = service::parse_request(nlohmann::json::parse(service::to_json(in).dump()));
  EXPECT_EQ(out.name, in.name);
  const JobOptions& p = out.options;
  EXPECT_EQ(p.cache_dir, o.cache_dir);
  EXPECT_TRUE(p.offline && p.block_origin && p.require_verified_ranges);
  EXPECT_EQ(p.install, InstallMode::hardlink);
  EXPECT_EQ(p.retry.attempts, 7);
  EXPECT_EQ(p.retry.backoff.count(), 12);
  EXPECT_EQ(p.retry.no_progress_timeout.count(), 13);
  EXPECT_EQ(p.retry.min_rate_bytes_per_s, 14u);
  EXPECT_EQ(p.retry.min_rate_window.count(), 15);
  EXPECT_EQ(p.retry.connect_timeout.count(), 16);
  EXPECT_EQ(p.retry.retry_after_cap.count(), 17);
  EXPECT_EQ(p.retry.max_redirects, 18);
  EXPECT_FALSE(p.tls.verify);
  EXPECT_EQ(p.tls.ca_file, "/ca.pem");
  EXPECT_EQ(p.max_parallel_files, 3);
  EXPECT_EQ(p.max_connections_per_file, 2);
  EXPECT_EQ(p.segment_threshold, 111u);
  EXPECT_EQ(p.segment_min_split, 222u);
  EXPECT_EQ(p.segment_probe_after.count(), 333);
  EXPECT_EQ(p.segment_local_capacity, 444.5);
  EXPECT_EQ(p.max_download_size, 555u);
  EXPECT_FALSE(p.min_free_space.bytes);
  EXPECT_EQ(p.min_free_space.percent, 1.5);
  EXPECT_FALSE(p.use_mirror_health || p.skip_in_place || p.restore);
  EXPECT_EQ(p.write_back_wait.count(), 9);
  EXPECT_EQ(p.sources, nullptr);
  ASSERT_EQ(out.files.size(), 1u);
  const FileSpec& g = out.files[0];
  EXPECT_EQ(g.name, "zlib");
  ASSERT_EQ(g.candidates.size(), 2u);
  EXPECT_EQ(g.candidates[0].url, "https://m/zlib");
  EXPECT_EQ(g.candidates[0].kind, CandidateKind::rewrite);
  EXPECT_EQ(g.candidates[0].headers, f.candidates[0].headers);
  EXPECT_EQ(g.candidates[1].kind, CandidateKind::origin);
  EXPECT_TRUE(g.urls.empty());
  EXPECT_EQ(g.local_name, f.local_name);
  EXPECT_EQ(g.digest, f.digest);
  EXPECT_EQ(g.extra_digest, f.extra_digest);
  EXPECT_TRUE(g.allow_unverified);
  EXPECT_EQ(g.resume_key, f.resume_key);
  EXPECT_EQ(g.size, f.size);
  EXPECT_EQ(g.ranges, f.ranges);
  EXPECT_TRUE(g.ranges_given);
  EXPECT_EQ(g.layout, Layout::sparse);
  EXPECT_EQ(out.env, in.env);
  EXPECT_TRUE(out.cache_only);
}

// A cache-only request (a library's prefetch) names the version alone: the
// library's file says nothing of the service's build. The CLI's names its
// build (a rebuilt service refuses it).
TEST(ServiceProtocol, ACacheOnlyRequestCarriesTheVersionAlone) {
  service::JobRequest r;
  r.name = "j";
  r.cache_only = true;
  EXPECT_EQ(service::to_json(r).at("version"), ASSETFETCH_VERSION_STRING);
  r.cache_only = false;
  EXPECT_EQ(service::to_json(r).at("version"), service::build_identity());
  EXPECT_FALSE(service::parse_request(service::to_json(r)).cache_only);
}

TEST(ServiceProtocol, EventsComeBackUnchanged) {
  AttemptRecord a{"zlib", "https://m/zlib", "bytes=0-", 206, 99, 0.25, AttemptOutcome::retry,
                  ErrorCause::http_status, "503"};
  const AttemptRecord b = service::attempt_from_json(nlohmann::json::parse(service::to_json(a).dump()));
  EXPECT_EQ(b.asset, a.asset);
  EXPECT_EQ(b.url, a.url);
  EXPECT_EQ(b.range, a.range);
  EXPECT_EQ(b.http_status, 206);
  EXPECT_EQ(b.bytes, 99u);
  EXPECT_EQ(b.duration_s, 0.25);
  EXPECT_EQ(b.outcome, AttemptOutcome::retry);
  EXPECT_EQ(b.cause, ErrorCause::http_status);
  EXPECT_EQ(b.retry_reason, "503");
  ErrorContext e;
  e.code = ErrorCode::hash_mismatch;
  e.cause = ErrorCause::hash_mismatch;
  e.file = "zlib";
  e.url = "https://m/zlib";
  e.http_status = 200;
  e.message = "bytes differ";
  const ErrorContext e2 = service::error_from_json(nlohmann::json::parse(service::to_json(e).dump()));
  EXPECT_EQ(e2.code, e.code);
  EXPECT_EQ(e2.cause, e.cause);
  EXPECT_EQ(e2.file, e.file);
  EXPECT_EQ(e2.url, e.url);
  EXPECT_EQ(e2.http_status, 200);
  EXPECT_EQ(e2.message, e.message);
}

}  // namespace
