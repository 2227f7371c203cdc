// S3 (SigV4) as a team cache, against a real s3rver that verifies
// signatures (label `s3rver`): read, write-back, wrong credentials, ranged
// resume, multipart upload with a scaled-down part size, and proof that the
// emulator rejects a wrong secret and a tampered request.
#include <gtest/gtest.h>

#include <curl/curl.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "object_store_emulator.h"
#include "object_store_util.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using af_test::S3Emulator;
using af_test::TempDir;
using af_test::TestServer;
using Json = nlohmann::json;

const af_test::EnvList kKeys = {{"ASSETFETCH_CONFIG", ""},
                                {"ASSETFETCH_OFFLINE", ""},
                                {"AWS_ACCESS_KEY_ID", S3Emulator::kAccessKey},
                                {"AWS_SECRET_ACCESS_KEY", S3Emulator::kSecretKey}};

struct S3 : ::testing::Test {
  static void SetUpTestSuite() {
    af_test::remove_proxy_env();
    s3 = std::make_unique<S3Emulator>("team-cache");
  }
  static void TearDownTestSuite() { s3.reset(); }
  // A key prefix of its own per test: the same asset, never left by another.
  void SetUp() override {
    origin.add_file("/pkg/tool.tar.gz", data);
    static int n = 0;
    prefix = "t" + std::to_string(++n);
  }

  Json source(const std::string& access = "readwrite", Json upload = nullptr) {
    Json s{{"kind", "s3"},
           {"url", "s3://team-cache/" + prefix + "/{sha256}"},
           {"endpoint", s3->endpoint()},
           {"region", "us-east-1"},
           {"addressing", "path"},
           {"access", access}};
    if (!upload.is_null()) s["upload"] = upload;
    return s;
  }
  fs::path config(Json sources) {
    Json j{{"retry", {{"attempts", 1}, {"backoff_ms", 10}, {"no_progress_timeout_s", 2}}}, {"sources", sources}};
    af_test::write_file(dir / "af.json", j.dump(2));
    return dir / "af.json";
  }
  af_test::ProcessResult fetch(const std::string& machine, std::vector<std::string> extra = {},
                               af_test::EnvList env = kKeys) {
    std::vector<std::string> args{"fetch", origin.url("/pkg/tool.tar.gz"), "--sha256", hex,
                                  "-o",    (dir / machine / "out.bin").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return af_it::run_machine(dir.path(), machine, args, dir / "af.json", env);
  }
  std::string out(const std::string& machine) { return af_test::read_file(dir / machine / "out.bin"); }

  static std::unique_ptr<S3Emulator> s3;
  std::string prefix;
  TempDir dir;
  TestServer origin;
  const std::string data = af_test::random_bytes(300000, 23);
  const std::string hex = af_test::sha256_hex(data);
};

std::unique_ptr<S3Emulator> S3::s3;

// A GET signed by libcurl's SigV4, sent to `to` instead of the emulator
// (CURLOPT_CONNECT_TO), so the test can see and replay the signed headers.
af_test::HeaderMap signed_headers(const S3Emulator& s3, const std::string& path, const std::string& secret,
                                  TestServer& to) {
  CURL* curl = curl_easy_init();
  const std::string url = s3.endpoint() + path;
  curl_slist* headers = curl_slist_append(nullptr, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  curl_slist* connect_to = curl_slist_append(
      nullptr, ("127.0.0.1:" + std::to_string(s3.port()) + ":127.0.0.1:" + std::to_string(to.port())).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:s3");
  curl_easy_setopt(curl, CURLOPT_USERPWD, (std::string(S3Emulator::kAccessKey) + ":" + secret).c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to);
  curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_slist_free_all(connect_to);
  curl_easy_cleanup(curl);
  auto seen = to.requests();
  if (seen.empty()) return {};
  return seen.back().headers;
}

int replay(const S3Emulator& s3, const std::string& path, const af_test::HeaderMap& h) {
  httplib::Client c("127.0.0.1", s3.port());
  httplib::Headers headers;
  for (const char* name : {"Authorization", "x-amz-date", "x-amz-content-sha256"})
    if (h.count(name)) headers.emplace(name, h.at(name));
  auto r = c.Get(path, headers);
  return r ? r->status : -1;
}

TEST_F(S3, EmulatorRejectsAWrongSecretAndATamperedRequest) {
  s3->put_object("team-cache", "probe/a", "probe bytes a");
  s3->put_object("team-cache", "probe/b", "probe bytes b");
  TestServer capture;
  const af_test::HeaderMap good = signed_headers(*s3, "/team-cache/probe/a", S3Emulator::kSecretKey, capture);
  ASSERT_TRUE(good.count("Authorization")) << "libcurl did not sign";
  EXPECT_EQ(replay(*s3, "/team-cache/probe/a", good), 200) << "the replay itself must work";
  EXPECT_EQ(replay(*s3, "/team-cache/probe/b", good), 403) << "a signature for /a must not open /b";
  const af_test::HeaderMap wrong = signed_headers(*s3, "/team-cache/probe/a", "not-the-secret", capture);
  EXPECT_EQ(replay(*s3, "/team-cache/probe/a", wrong), 403);
}

TEST_F(S3, ReadAndWriteBack) {
  config(Json::array({source()}));
  auto r = fetch("A");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(out("A"), data);
  ASSERT_EQ(s3->object("team-cache", prefix + "/" + hex), data) << "the PUT did not land";

  origin.stop();  // machine B: only the shared cache can serve it
  r = fetch("B");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(out("B"), data);
  const std::string secret = S3Emulator::kSecretKey;
  const auto records = af_it::files_under(dir / "B" / "cache");
  for (const auto& f : records) {
    if (f.find("jobs/") != 0 && f.find("health") == std::string::npos) continue;
    EXPECT_EQ(af_test::read_file(dir / "B" / "cache" / f).find("x-amz"), std::string::npos) << f;
  }
}

TEST_F(S3, WrongCredentialsAreAClearErrorAndTheNextCandidateServes) {
  s3->put_object("team-cache", prefix + "/" + hex, data);
  config(Json::array({source("read")}));
  af_test::EnvList env = kKeys;
  env.back().second = "wrong-secret-value";
  auto r = fetch("A", {"-v"}, env);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(out("A"), data);
  EXPECT_EQ(origin.requests_for("/pkg/tool.tar.gz").size(), 1u) << "the origin served after the store refused";
  EXPECT_NE(r.err.find("HTTP 403"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("wrong-secret-value"), std::string::npos) << "the secret leaked";

  // Write-back with the wrong secret: a -v line naming S3's reason.
  config(Json::array({source("write")}));
  r = fetch("B", {"-v"}, env);  // a failed write-back is a -v line
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_NE(r.err.find("SignatureDoesNotMatch"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("wrong-secret-value"), std::string::npos);
}

TEST_F(S3, ResumesWithARangeFromTheBytesAnotherSourceDelivered) {
  s3->put_object("team-cache", prefix + "/" + hex, data);
  TestServer flaky;
  flaky.add_file("/c/" + hex, data);
  af_test::Fault cut;
  cut.reset_after_bytes = 100000;
  flaky.set_fault("/c/" + hex, cut);
  config(Json::array({Json{{"url", flaky.url("/c/{sha256}")}}, source("read")}));
  auto r = fetch("A", {"--json"});
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(out("A"), data);
  EXPECT_TRUE(af_it::resumed_with_range(af_it::json_events(r.out), "/team-cache/" + prefix + "/")) << r.out;
  EXPECT_TRUE(origin.requests().empty());
}

TEST_F(S3, AnObjectAboveTheThresholdIsAMultipartUpload) {
  config(Json::array({source("readwrite", {{"single_max_bytes", 100000}, {"part_bytes", 64000}})}));
  auto r = fetch("A");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  ASSERT_EQ(s3->object("team-cache", prefix + "/" + hex), data);
  // Five part uploads (4 × 64000 + 44000) of this key, as s3rver logged them.
  const std::string log = s3->request_log();
  int parts = 0;
  for (auto p = log.find(hex + "?partNumber="); p != std::string::npos; p = log.find(hex + "?partNumber=", p + 1)) ++parts;
  EXPECT_EQ(parts, 5) << log;
}

// SigV4 signs the canonical URI with each segment encoded per AWS (unreserved
// as is, the rest %XX upper-case); s3rver re-encodes the decoded key the same
// way and rejects any difference, so a 403 here means signed != sent.
TEST_F(S3, ReservedCharactersInTheKeyRoundTrip) {
  prefix = "raw+\xC3\xBC sp=@!'(*~/" + prefix;
  config(Json::array({source()}));
  auto r = fetch("A", {"-v"});
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(r.err.find("SignatureDoesNotMatch"), std::string::npos) << r.err;
  ASSERT_EQ(s3->object("team-cache", prefix + "/" + hex), data) << "the PUT did not land under the literal key";

  origin.stop();  // machine B: only the store can serve it
  r = fetch("B", {"-v"});
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(out("B"), data);
}

TEST_F(S3, AMultipartUploadIsStoredAsOctetStream) {
  config(Json::array({source("readwrite", {{"single_max_bytes", 100000}, {"part_bytes", 64000}})}));
  auto r = fetch("A");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  const auto meta = s3->object_metadata("team-cache", prefix + "/" + hex);
  ASSERT_TRUE(meta) << "no object";
  EXPECT_EQ(Json::parse(*meta).value("content-type", ""), "application/octet-stream") << *meta;
}

// The objects and parts s3rver stored (its log names no method: each PUT that
// wrote something logs "Stored object" or "Stored part").
int put_count(const std::string& log) {
  int n = 0;
  for (auto p = log.find("Stored "); p != std::string::npos; p = log.find("Stored ", p + 1)) ++n;
  return n;
}

TEST_F(S3, MirrorToAStoreIsIdempotentAndReadsTheStoreFirst) {
  Json manifest{{"assets", Json::array({{{"name", "tool"}, {"urls", {origin.url("/pkg/tool.tar.gz")}},
                                          {"sha256", hex}, {"size", data.size()}}})}};
  af_test::write_file(dir / "m.json", manifest.dump());
  af_test::write_file(dir / "empty.json", "{}");
  const std::vector<std::string> args{"mirror", (dir / "m.json").string(), "--to", "s3://team-cache/" + prefix,
                                      "--endpoint", s3->endpoint(), "--region", "us-east-1"};
  auto r = af_it::run_machine(dir.path(), "A", args, dir / "empty.json", kKeys);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(s3->object("team-cache", prefix + "/" + af_test::sha512_hex(data)), data);
  ASSERT_EQ(origin.requests_for("/pkg/tool.tar.gz").size(), 1u);
  EXPECT_EQ(r.err.find("assetfetch-mirror-"), std::string::npos) << "an internal temporary path: " << r.err;

  // Again on a fresh machine: read from the store it seeds, nothing sent.
  const int puts_before = put_count(s3->request_log());
  ASSERT_GT(puts_before, 0) << s3->request_log();
  r = af_it::run_machine(dir.path(), "B", args, dir / "empty.json", kKeys);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(origin.requests_for("/pkg/tool.tar.gz").size(), 1u) << "the origin was asked again";
  EXPECT_EQ(put_count(s3->request_log()), puts_before) << s3->request_log();
  EXPECT_NE(r.err.find("0 objects uploaded (2 already there)"), std::string::npos) << r.err;
}

TEST_F(S3, MirrorSeedsABucketUnderBothDigests) {
  Json manifest{{"assets", Json::array({{{"name", "tool"}, {"urls", {origin.url("/pkg/tool.tar.gz")}}, {"sha256", hex}}})}};
  af_test::write_file(dir / "m.json", manifest.dump());
  af_test::write_file(dir / "empty.json", "{}");
  auto r = af_it::run_machine(dir.path(), "A",
                              {"mirror", (dir / "m.json").string(), "--to", "s3://team-cache/seed", "--endpoint",
                               s3->endpoint(), "--region", "us-east-1"},
                              dir / "empty.json", kKeys);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(s3->object("team-cache", "seed/" + hex), data);
  EXPECT_EQ(s3->object("team-cache", "seed/" + af_test::sha512_hex(data)), data);
}

// --endpoint and --region default as in a config (AWS_ENDPOINT_URL_S3,
// AWS_REGION); with no region anywhere the mirror stops with exit 2 naming
// --region, and writes nothing.
TEST_F(S3, MirrorTakesTheEndpointAndRegionFromTheEnvironment) {
  Json manifest{{"assets", Json::array({{{"name", "tool"}, {"urls", {origin.url("/pkg/tool.tar.gz")}}, {"sha256", hex}}})}};
  af_test::write_file(dir / "m.json", manifest.dump());
  af_test::write_file(dir / "empty.json", "{}");
  const std::vector<std::string> args{"mirror", (dir / "m.json").string(), "--to", "s3://team-cache/envseed"};
  af_test::EnvList env = kKeys;
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"})
    env.emplace_back(name, "");
  env.emplace_back("AWS_CONFIG_FILE", (dir / "no-aws-config").string());
  env.emplace_back("AWS_SHARED_CREDENTIALS_FILE", (dir / "no-aws-credentials").string());
  auto r = af_it::run_machine(dir.path(), "A", args, dir / "empty.json", env);
  EXPECT_EQ(r.exit_code, 2) << af_it::describe(r);
  EXPECT_NE(r.err.find("--region"), std::string::npos) << r.err;
  EXPECT_FALSE(s3->object("team-cache", "envseed/" + hex).has_value());
  EXPECT_EQ(origin.requests_for("/pkg/tool.tar.gz").size(), 0u) << "fetched before the destination was known";

  for (auto& [name, value] : env) {
    if (name == "AWS_REGION") value = "us-east-1";
    if (name == "AWS_ENDPOINT_URL_S3") value = s3->endpoint();
  }
  r = af_it::run_machine(dir.path(), "A", args, dir / "empty.json", env);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(s3->object("team-cache", "envseed/" + hex), data);
}

// A store that does not answer costs one failed upload per process, not a
// round of retries for every object: the later uploads to it are not tried
// (both lines are -v lines: the fetch itself succeeded).
TEST_F(S3, WriteBackStopsSendingToAStoreThatFailed) {
  TestServer gone;
  const int port = gone.port();
  gone.stop();  // connections to it are refused
  Json s = source("write");
  s["endpoint"] = "http://127.0.0.1:" + std::to_string(port);
  Json j{{"retry", {{"attempts", 3}, {"backoff_ms", 200}, {"no_progress_timeout_s", 2}}}, {"sources", Json::array({s})}};
  af_test::write_file(dir / "af.json", j.dump(2));
  Json assets = Json::array();
  for (int i = 0; i < 4; ++i) {
    const std::string bytes = af_test::random_bytes(20000, 100 + i);
    origin.add_file("/f" + std::to_string(i), bytes);
    assets.push_back({{"name", "f" + std::to_string(i)}, {"urls", {origin.url("/f" + std::to_string(i))}},
                      {"sha256", af_test::sha256_hex(bytes)}});
  }
  af_test::write_file(dir / "m.json", Json{{"assets", assets}}.dump());
  auto r = af_it::run_machine(dir.path(), "A", {"sync", (dir / "m.json").string(), "--dest", (dir / "out").string(), "-j", "1", "-v"},
                              dir / "af.json", kKeys);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  int failed = 0;
  for (auto p = r.err.find("write-back to "); p != std::string::npos; p = r.err.find("write-back to ", p + 1)) ++failed;
  EXPECT_GE(failed, 1) << r.err;
  EXPECT_LT(failed, 4) << "every upload was tried against a store that failed: " << r.err;
  EXPECT_NE(r.err.find("not tried"), std::string::npos) << r.err;
}

}  // namespace
