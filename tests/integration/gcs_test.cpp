// "kind": "gcs" (docs/mirrors.md, "Google Cloud Storage"): GCS's XML API is
// S3's protocol signed with an HMAC key and the region "auto", so it is
// tested against the signature-checking s3rver (label `s3rver`), with the
// endpoint overridden to a recording proxy in front of it: what the store
// received (the Authorization header's scope, the create-only precondition,
// Content-MD5) is asserted there. Not tested against GCS itself.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <csignal>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "object_store_emulator.h"
#include "object_store_util.h"
#include "recording_proxy.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using af_test::RecordingProxy;
using af_test::S3Emulator;
using Json = nlohmann::json;

// RFC 1864 Content-MD5: base64 of the MD5 of `bytes`.
std::string md5_base64(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_md5(), nullptr);
  unsigned char text[64];
  const int n = EVP_EncodeBlock(text, digest, static_cast<int>(size));
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(n));
}

struct Gcs : ::testing::Test {
  static void SetUpTestSuite() {
    af_test::remove_proxy_env();
    s3 = std::make_unique<S3Emulator>("gcs-cache", /*conditional_writes=*/true);
    proxy = std::make_unique<RecordingProxy>(s3->port());
  }
  static void TearDownTestSuite() {
    proxy.reset();
    s3.reset();
  }
  void SetUp() override {
    origin.add_file("/pkg/tool.tar.gz", data);
    static int n = 0;
    prefix = "g" + std::to_string(++n);
    start = proxy->exchanges().size();
  }

  // The GCS HMAC variables set (or not) and every AWS source empty unless
  // `set` gives it.
  af_test::EnvList env(af_test::EnvList set) const {
    af_test::EnvList e = {{"ASSETFETCH_CONFIG", ""},
                          {"ASSETFETCH_OFFLINE", ""},
                          {"GOOGLE_HMAC_ACCESS_ID", ""},
                          {"GOOGLE_HMAC_SECRET", ""},
                          {"AWS_ACCESS_KEY_ID", ""},
                          {"AWS_SECRET_ACCESS_KEY", ""},
                          {"AWS_SESSION_TOKEN", ""},
                          {"AWS_PROFILE", ""},
                          {"AWS_REGION", ""},
                          {"AWS_DEFAULT_REGION", ""},
                          {"AWS_SHARED_CREDENTIALS_FILE", (dir / "no-credentials").string()},
                          {"AWS_CONFIG_FILE", (dir / "no-config").string()},
                          {"AWS_WEB_IDENTITY_TOKEN_FILE", ""},
                          {"AWS_ROLE_ARN", ""},
                          {"AWS_ENDPOINT_URL", ""},
                          {"AWS_ENDPOINT_URL_S3", ""},
                          {"AWS_CONTAINER_CREDENTIALS_FULL_URI", ""},
                          {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ""},
                          {"AWS_EC2_METADATA_SERVICE_ENDPOINT", ""}};
    for (auto& [k, v] : set) {
      bool replaced = false;
      for (auto& [ek, ev] : e)
        if (ek == k) ev = v, replaced = true;
      if (!replaced) e.emplace_back(k, v);
    }
    return e;
  }
  af_test::EnvList gcs_keys(af_test::EnvList more = {}) const {
    more.emplace_back("GOOGLE_HMAC_ACCESS_ID", S3Emulator::kAccessKey);
    more.emplace_back("GOOGLE_HMAC_SECRET", S3Emulator::kSecretKey);
    return env(more);
  }

  // No region, no addressing: the gcs defaults; only the endpoint points at
  // the loopback emulator (through the proxy).
  void config(Json extra = Json::object()) {
    Json s{{"kind", "gcs"}, {"url", "gs://gcs-cache/" + prefix + "/{sha256}"}, {"endpoint", proxy->endpoint()},
           {"access", "readwrite"}};
    s.update(extra);
    Json j{{"retry", {{"attempts", 1}, {"backoff_ms", 10}, {"no_progress_timeout_s", 2}}},
           {"sources", Json::array({s})}};
    af_test::write_file(dir / "af.json", j.dump(2));
  }
  af_test::ProcessResult fetch(const std::string& machine, const af_test::EnvList& e) {
    return af_it::run_machine(dir.path(), machine,
                              {"fetch", origin.url("/pkg/tool.tar.gz"), "--sha256", hex, "-o",
                               (dir / machine / "out.bin").string(), "-v"},
                              dir / "af.json", e);
  }
  // This test's requests through the proxy.
  std::vector<af_test::ProxiedExchange> seen() const {
    auto all = proxy->exchanges();
    return {all.begin() + static_cast<std::ptrdiff_t>(start), all.end()};
  }
  static std::string describe(const std::vector<af_test::ProxiedExchange>& log) {
    std::string s;
    for (const auto& e : log) s += e.method + " " + e.target + " " + std::to_string(e.status) + "\n";
    return s;
  }
  void expect_no_secret(const af_test::ProcessResult& r) {
    for (const std::string& s : {std::string(S3Emulator::kSecretKey), std::string("Signature=")}) {
      EXPECT_EQ(r.out.find(s), std::string::npos) << s << " in stdout";
      EXPECT_EQ(r.err.find(s), std::string::npos) << s << " in stderr";
    }
  }

  static std::unique_ptr<S3Emulator> s3;
  static std::unique_ptr<RecordingProxy> proxy;
  std::size_t start = 0;
  std::string prefix;
  af_test::TempDir dir;
  af_test::TestServer origin;
  const std::string data = af_test::random_bytes(200000, 31);
  const std::string hex = af_test::sha256_hex(data);
};

std::unique_ptr<S3Emulator> Gcs::s3;
std::unique_ptr<RecordingProxy> Gcs::proxy;

// Machine A fetches from the origin and writes back with the GOOGLE_HMAC_*
// key; machine B reads it from the store with the origin gone. Wrong AWS
// keys in the environment are not used (a signature with them is a 403).
TEST_F(Gcs, ReadsAndWritesBackWithTheHmacKeyAndRegionAuto) {
  config();
  const auto e = gcs_keys({{"AWS_ACCESS_KEY_ID", "AKIAWRONG"}, {"AWS_SECRET_ACCESS_KEY", "wrong"}});
  auto r = fetch("A", e);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  ASSERT_EQ(s3->object("gcs-cache", prefix + "/" + hex), data) << "the PUT did not land\n" << describe(seen());
  expect_no_secret(r);

  int puts = 0;
  for (const auto& x : seen()) {
    const std::string auth = x.header("Authorization");
    EXPECT_EQ(auth.rfind("AWS4-HMAC-SHA256 Credential=S3RVER/", 0), 0u) << x.method << " " << auth;
    EXPECT_NE(auth.find("/auto/s3/aws4_request"), std::string::npos) << "scope without region auto: " << auth;
    if (x.method != "PUT") continue;
    ++puts;
    EXPECT_EQ(x.status, 200);
    EXPECT_EQ(x.header("x-goog-if-generation-match"), "0");
    EXPECT_NE(auth.find("content-md5;"), std::string::npos) << auth;
    EXPECT_NE(auth.find(";x-goog-if-generation-match,"), std::string::npos) << "precondition not signed: " << auth;
    EXPECT_EQ(x.header("If-None-Match"), "") << "GCS documents If-None-Match for reads only";
    EXPECT_EQ(x.header("Content-MD5"), md5_base64(data));
  }
  EXPECT_EQ(puts, 1) << describe(seen());

  origin.stop();  // machine B: only the store can serve
  start = proxy->exchanges().size();
  r = fetch("B", e);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(af_test::read_file(dir / "B" / "out.bin"), data);
  bool got = false;
  for (const auto& x : seen()) got = got || (x.method == "GET" && x.status / 100 == 2);
  EXPECT_TRUE(got) << describe(seen());
  expect_no_secret(r);
}

// Control: only the AWS variables (the emulator's right keys) are set. A gcs
// store does not ask the AWS chain: it is skipped with one warning naming
// what was looked at, never asked, and the origin serves (exit 0).
TEST_F(Gcs, AwsVariablesAreNotUsedTheStoreIsSkippedWithAWarning) {
  config();
  auto r = fetch("A", env({{"AWS_ACCESS_KEY_ID", S3Emulator::kAccessKey},
                           {"AWS_SECRET_ACCESS_KEY", S3Emulator::kSecretKey},
                           {"AWS_REGION", "us-east-1"}}));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(af_test::read_file(dir / "A" / "out.bin"), data);
  EXPECT_TRUE(seen().empty()) << "the store was asked:\n" << describe(seen());
  EXPECT_FALSE(s3->object("gcs-cache", prefix + "/" + hex).has_value());
  std::size_t warnings = 0;
  for (auto at = r.err.find("no GCS HMAC key found"); at != std::string::npos;
       at = r.err.find("no GCS HMAC key found", at + 1))
    ++warnings;
  EXPECT_EQ(warnings, 1u) << r.err;
  for (const char* named : {"/sources/0", "GOOGLE_HMAC_ACCESS_ID", "GOOGLE_HMAC_SECRET", "AWS_* variables", "skipped"})
    EXPECT_NE(r.err.find(named), std::string::npos) << named << " not in: " << r.err;
}

// Named variables through "credentials" (${env:...}); a multipart upload
// completes under the same create-only precondition.
TEST_F(Gcs, NamedCredentialsAndAMultipartUpload) {
  config({{"credentials", {{"access_key_id", "${env:CI_GCS_ID}"}, {"secret_access_key", "${env:CI_GCS_SECRET}"}}},
          {"upload", {{"single_max_bytes", 100000}, {"part_bytes", 64000}}}});
  auto r = fetch("A", env({{"CI_GCS_ID", S3Emulator::kAccessKey}, {"CI_GCS_SECRET", S3Emulator::kSecretKey}}));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  ASSERT_EQ(s3->object("gcs-cache", prefix + "/" + hex), data) << describe(seen());
  int parts = 0, completes = 0;
  for (const auto& x : seen()) {
    if (x.method == "PUT" && x.target.find("partNumber=") != std::string::npos) ++parts;
    if (x.method == "POST" && x.target.find("uploadId=") != std::string::npos) {
      ++completes;
      EXPECT_EQ(x.header("x-goog-if-generation-match"), "0");
      EXPECT_EQ(x.status, 200);
    }
  }
  EXPECT_EQ(parts, 4) << describe(seen());  // 3 x 64000 + 8000
  EXPECT_EQ(completes, 1) << describe(seen());
  expect_no_secret(r);
}

// An object of that name already there (of another size, so the HEAD says
// absent): the create-only PUT gets 412, which counts as "already there".
TEST_F(Gcs, APreconditionFailureOnCreateIsSuccess) {
  s3->put_object("gcs-cache", prefix + "/" + hex, "another writer's bytes");
  config();
  auto r = fetch("A", gcs_keys());
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  int refused = 0;
  for (const auto& x : seen()) refused += x.method == "PUT" && x.status == 412;
  EXPECT_EQ(refused, 1) << describe(seen());
  EXPECT_EQ(r.err.find("write-back to "), std::string::npos) << r.err;
}

// "credentials": "none": unsigned requests (a public bucket).
TEST_F(Gcs, NoneReadsUnsigned) {
  s3->put_object("gcs-cache", prefix + "/" + hex, data);
  config({{"credentials", "none"}, {"access", "read"}});
  origin.stop();
  auto r = fetch("A", gcs_keys());
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(af_test::read_file(dir / "A" / "out.bin"), data);
  for (const auto& x : seen()) EXPECT_EQ(x.header("Authorization"), "") << x.method << " " << x.target;
}

// --- mirror --to gs://BUCKET/PREFIX -------------------------------------------

// Writes a manifest of `n` assets (sha256 and size declared; sha512 not, so
// the mirror computes it) served by the origin; returns their bytes.
std::vector<std::string> mirror_manifest(af_test::TestServer& origin, const fs::path& file, int n) {
  std::vector<std::string> bytes;
  Json assets = Json::array();
  for (int i = 0; i < n; ++i) {
    bytes.push_back(af_test::random_bytes(50000 + i, 300 + i));
    const std::string path = "/m/a" + std::to_string(i);
    origin.add_file(path, bytes.back());
    assets.push_back({{"name", "a" + std::to_string(i)}, {"urls", {origin.url(path)}},
                      {"sha256", af_test::sha256_hex(bytes.back())}, {"size", bytes.back().size()}});
  }
  af_test::write_file(file, Json{{"assets", assets}}.dump());
  af_test::write_file(file.parent_path() / "empty.json", "{}");
  return bytes;
}

int count_puts(const std::vector<af_test::ProxiedExchange>& log) {
  int n = 0;
  for (const auto& x : log) n += x.method == "PUT";
  return n;
}

struct GcsMirror : Gcs {
  std::vector<std::string> args() const {
    return {"mirror", (dir / "m.json").string(), "--to", "gs://gcs-cache/" + prefix, "--endpoint", proxy->endpoint()};
  }
  af_test::ProcessResult mirror(const std::string& machine, const af_test::EnvList& e) {
    return af_it::run_machine(dir.path(), machine, args(), dir / "empty.json", e);
  }
  // Names of the store's objects for these assets (under both digests).
  int names_in_store(const std::vector<std::string>& bytes) const {
    int n = 0;
    for (const auto& b : bytes)
      for (const std::string& hex : {af_test::sha256_hex(b), af_test::sha512_hex(b)})
        n += s3->object("gcs-cache", prefix + "/" + hex) == b;
    return n;
  }
};

// The same rules as --to s3://: seeded under both digests with GCS's
// create-only precondition and the HMAC key (wrong AWS keys are not used);
// a second run on a fresh machine reads the store, makes 0 PUTs and never
// asks the origin. Control: the first run made the 2 PUTs.
TEST_F(GcsMirror, SeedsABucketIdempotentlyAndReadsItFirst) {
  const auto bytes = mirror_manifest(origin, dir / "m.json", 1);
  const auto e = gcs_keys({{"AWS_ACCESS_KEY_ID", "AKIAWRONG"}, {"AWS_SECRET_ACCESS_KEY", "wrong"}});
  auto r = mirror("A", e);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r) << describe(seen());
  EXPECT_EQ(names_in_store(bytes), 2) << describe(seen());
  EXPECT_EQ(count_puts(seen()), 2) << describe(seen());
  for (const auto& x : seen()) {
    const std::string auth = x.header("Authorization");
    EXPECT_NE(auth.find("/auto/s3/aws4_request"), std::string::npos) << x.method << " " << auth;
    if (x.method != "PUT") continue;
    EXPECT_EQ(x.header("x-goog-if-generation-match"), "0");
    EXPECT_EQ(x.header("If-None-Match"), "");
    EXPECT_EQ(x.header("Content-MD5"), md5_base64(bytes[0]));
  }
  EXPECT_EQ(origin.requests_for("/m/a0").size(), 1u);
  EXPECT_NE(r.err.find("mirror gs://gcs-cache/" + prefix), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("assetfetch-mirror-"), std::string::npos) << "an internal temporary path: " << r.err;
  expect_no_secret(r);

  start = proxy->exchanges().size();
  r = mirror("B", e);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(count_puts(seen()), 0) << describe(seen());
  EXPECT_EQ(origin.requests_for("/m/a0").size(), 1u) << "the origin was asked again";
  EXPECT_NE(r.err.find("0 objects uploaded (2 already there)"), std::string::npos) << r.err;
  expect_no_secret(r);
}

// A mirror SIGKILLed while its uploads are in flight: the rerun uploads
// exactly the names the store still lacks, nothing twice.
TEST_F(GcsMirror, ARerunAfterAKillUploadsOnlyWhatIsMissing) {
  const auto bytes = mirror_manifest(origin, dir / "m.json", 3);
  const auto e = gcs_keys();
  proxy->hold("PUT", std::chrono::milliseconds(1500));
  std::vector<std::string> argv{AF_CLI_PATH};
  for (const auto& a : args()) argv.push_back(a);
  argv.insert(argv.end(), {"--config", (dir / "empty.json").string(), "--cache-dir", (dir / "A" / "cache").string()});
  auto child = af_test::start_process(argv, e);
  const bool arrived = proxy->wait_for_arrival("PUT", "/gcs-cache/" + prefix + "/", std::chrono::seconds(60));
  child.kill(SIGKILL);
  child.wait(std::chrono::seconds(10));
  proxy->hold("PUT", std::chrono::milliseconds(0));
  ASSERT_TRUE(arrived) << describe(seen());
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // the held PUTs land meanwhile
  const int before = names_in_store(bytes);
  ASSERT_LT(before, 6) << "the kill came too late to interrupt anything";

  start = proxy->exchanges().size();
  auto r = af_it::run_machine(dir.path(), "A", args(), dir / "empty.json", e);
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(names_in_store(bytes), 6) << describe(seen());
  EXPECT_EQ(count_puts(seen()), 6 - before) << describe(seen());
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(origin.requests_for("/m/a" + std::to_string(i)).size(), 1u) << "asset " << i << " fetched again";
}

// Control: the AWS variables alone are not a GCS key. The mirror stops with
// exit 2 naming the variables to set, before fetching or uploading anything.
TEST_F(GcsMirror, WithoutAnHmacKeyItIsExit2BeforeAnything) {
  mirror_manifest(origin, dir / "m.json", 1);
  auto r = mirror("A", env({{"AWS_ACCESS_KEY_ID", S3Emulator::kAccessKey},
                            {"AWS_SECRET_ACCESS_KEY", S3Emulator::kSecretKey},
                            {"AWS_REGION", "us-east-1"}}));
  EXPECT_EQ(r.exit_code, 2) << af_it::describe(r);
  EXPECT_NE(r.err.find("GOOGLE_HMAC_ACCESS_ID"), std::string::npos) << r.err;
  EXPECT_TRUE(seen().empty()) << describe(seen());
  EXPECT_EQ(origin.requests_for("/m/a0").size(), 0u);
  // --kind says the same as the scheme, or is refused.
  auto args_s3 = args();
  args_s3.insert(args_s3.end(), {"--kind", "s3"});
  r = af_it::run_machine(dir.path(), "A", args_s3, dir / "empty.json", gcs_keys());
  EXPECT_EQ(r.exit_code, 2) << af_it::describe(r);
  EXPECT_NE(r.err.find("--kind gcs"), std::string::npos) << r.err;
}

// Bad input names the key and the fix (exit 2 from check).
TEST_F(Gcs, AnS3UrlForKindGcsIsExit2) {
  config({{"url", "s3://gcs-cache/x/{sha256}"}});
  auto r = af_test::run_process({AF_CLI_PATH, "check", (dir / "af.json").string()}, gcs_keys());
  EXPECT_EQ(r.exit_code, 2) << af_it::describe(r);
  EXPECT_NE((r.out + r.err).find("gs://"), std::string::npos) << af_it::describe(r);
}

}  // namespace
