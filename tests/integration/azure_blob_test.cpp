// Azure Blob as a team cache, against a real Azurite (label `azurite`):
// read and write-back with a SAS, a SAS without write permission, block
// upload above the (scaled) threshold, ranged resume, and vcpkg x-azurl
// interoperability on the same container.
#include <gtest/gtest.h>

#include <httplib.h>

#include <openssl/evp.h>

#include <memory>
#include <set>
#include <nlohmann/json.hpp>

#include "object_store_emulator.h"
#include "object_store_util.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using af_test::AzuriteEmulator;
using af_test::TempDir;
using af_test::TestServer;
using Json = nlohmann::json;

struct AzureBlob : ::testing::Test {
  static void SetUpTestSuite() {
    af_test::remove_proxy_env();
    azurite = std::make_unique<AzuriteEmulator>();
  }
  static void TearDownTestSuite() { azurite.reset(); }
  // A container of its own per test: the same asset, never left by another.
  void SetUp() override {
    origin.add_file("/pkg/tool.tar.gz", data);
    static int n = 0;
    container = "test" + std::to_string(++n);  // Azure: 3 to 63 characters
    azurite->create_container(container);
  }

  // The config's source: the container with {sha512} and the SAS, as issue 10 shows it.
  Json source(const std::string& permissions, const std::string& access = "readwrite", Json upload = nullptr) {
    Json s{{"kind", "azure-blob"},
           {"url", azurite->container_url(container) + "/{sha512}?" + azurite->sas(permissions)},
           {"access", access}};
    if (!upload.is_null()) s["upload"] = upload;
    return s;
  }
  fs::path config(Json sources, const std::string& name = "af.json") {
    Json j{{"retry", {{"attempts", 1}, {"backoff_ms", 10}, {"no_progress_timeout_s", 2}}}, {"sources", sources}};
    af_test::write_file(dir / name, j.dump(2));
    return dir / name;
  }
  af_test::ProcessResult fetch(const fs::path& cfg, const std::string& machine, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"fetch", origin.url("/pkg/tool.tar.gz"), "--sha512", hex,
                                  "-o",    (dir / machine / "out.bin").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return af_it::run_machine(dir.path(), machine, args, cfg);
  }
  std::string out(const std::string& machine) { return af_test::read_file(dir / machine / "out.bin"); }

  static std::unique_ptr<AzuriteEmulator> azurite;
  std::string container;
  TempDir dir;
  TestServer origin;
  const std::string data = af_test::random_bytes(300000, 17);
  const std::string hex = af_test::sha512_hex(data);
};

std::unique_ptr<AzuriteEmulator> AzureBlob::azurite;

TEST_F(AzureBlob, EmulatorRejectsAWriteWithAReadOnlySas) {
  // Azurite really checks SAS permissions, so the tests below mean something.
  httplib::Client c("127.0.0.1", azurite->port());
  auto r = c.Put("/devstoreaccount1/" + container + "/probe?" + azurite->sas("r"),
                 {{"x-ms-version", "2021-08-06"}, {"x-ms-blob-type", "BlockBlob"}}, "x", "application/octet-stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_FALSE(azurite->get_blob(container, "probe"));
}

// RFC 1864 Content-MD5: base64 of the MD5 of `bytes`.
std::string md5_base64(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_md5(), nullptr);
  unsigned char text[64];
  const int n = EVP_EncodeBlock(text, digest, static_cast<int>(size));
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(n));
}

// Uploads are checked by the store: every Put Blob, Put Block and S3 PUT
// carries the Content-MD5 of exactly the bytes it sends, and Azurite (as
// Azure; AWS S3 too, 400 BadDigest) refuses a body that does not match, so
// bytes that change between being read and arriving are never stored.
// s3rver does not check Content-MD5 (nor x-amz-checksum-*): the S3 side is
// shown on a recording server, the refusal on Azurite only.
TEST_F(AzureBlob, UploadsCarryContentMd5AndTheStoreRefusesAMismatch) {
  httplib::Client c("127.0.0.1", azurite->port());
  auto bad = c.Put("/devstoreaccount1/" + container + "/probe?" + azurite->sas("rwc"),
                   {{"x-ms-version", "2021-08-06"}, {"x-ms-blob-type", "BlockBlob"},
                    {"Content-MD5", md5_base64("other bytes")}},
                   "the bytes sent", "application/octet-stream");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;
  EXPECT_FALSE(azurite->get_blob(container, "probe")) << "Azurite stored a body that failed its Content-MD5";

  TestServer store;  // records what assetfetch sends
  store.enable_put("/");
  const Json sources = Json::array(
      {{{"kind", "azure-blob"}, {"access", "write"}, {"url", store.url("/c/{sha512}") + "?sv=2021-08-06&sig=x"},
        {"upload", {{"single_max_bytes", 100000}, {"block_bytes", 131072}}}},
       {{"kind", "s3"}, {"access", "write"}, {"url", "s3://bkt/s/{sha512}"}, {"endpoint", store.url("")},
        {"region", "us-east-1"}, {"credentials", {{"access_key_id", "AKID"}, {"secret_access_key", "secret"}}}}});
  auto r = fetch(config(sources), "A");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  std::set<std::string> expected_blocks, sent_blocks;
  for (std::size_t offset = 0; offset < data.size(); offset += 131072)
    expected_blocks.insert(md5_base64(data.substr(offset, 131072)));
  std::string s3_put_md5;
  for (const auto& q : store.requests()) {
    if (q.method != "PUT") continue;
    const auto md5 = q.headers.find("Content-MD5");
    if (q.target.find("comp=block&") != std::string::npos) {
      ASSERT_NE(md5, q.headers.end()) << "a Put Block without Content-MD5";
      sent_blocks.insert(md5->second);
    } else if (q.path == "/bkt/s/" + hex) {
      ASSERT_NE(md5, q.headers.end()) << "an S3 PUT without Content-MD5";
      s3_put_md5 = md5->second;
    }
  }
  EXPECT_EQ(sent_blocks, expected_blocks);
  EXPECT_EQ(s3_put_md5, md5_base64(data));
}

TEST_F(AzureBlob, ReadAndWriteBackWithASas) {
  const fs::path cfg = config(Json::array({source("rwc")}));
  auto r = fetch(cfg, "A");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(out("A"), data);
  ASSERT_EQ(azurite->get_blob(container, hex), data) << "Put Blob did not land";
  EXPECT_EQ(azurite->committed_blocks(container, hex), 0) << "below the threshold: one Put Blob";

  origin.stop();  // machine B: only the shared cache can serve it
  r = fetch(cfg, "B");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(out("B"), data);
}

TEST_F(AzureBlob, SasWithoutWritePermissionWarnsAndTheFetchSucceeds) {
  const std::string sas = azurite->sas("rl");
  const fs::path cfg = config(Json::array({source("rl")}));
  auto r = fetch(cfg, "A", {"-v"});  // a failed write-back is a -v line: the fetch itself succeeded
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(out("A"), data);
  EXPECT_NE(r.err.find("write-back"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("AuthorizationPermissionMismatch"), std::string::npos) << r.err;
  const std::string sig = sas.substr(sas.find("sig=") + 4);
  EXPECT_EQ(r.err.find(sig), std::string::npos) << "the SAS signature leaked: " << r.err;
  EXPECT_EQ(r.out.find(sig), std::string::npos);
  EXPECT_FALSE(azurite->get_blob(container, hex));
}

TEST_F(AzureBlob, ABlobAboveTheThresholdIsUploadedInBlocks) {
  const fs::path cfg = config(Json::array({source("rwc", "readwrite", {{"single_max_bytes", 100000}, {"block_bytes", 64000}})}));
  auto r = fetch(cfg, "A");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  ASSERT_EQ(azurite->get_blob(container, hex), data);
  EXPECT_EQ(azurite->committed_blocks(container, hex), 5);  // 4 × 64000 + 44000
}

TEST_F(AzureBlob, ResumesWithARangeFromTheBytesAnotherSourceDelivered) {
  azurite->put_blob(container, hex, data);
  // The first source drops the connection after 100000 bytes; the blob store
  // continues from there instead of starting over.
  TestServer flaky;
  flaky.add_file("/c/" + hex, data);
  af_test::Fault cut;
  cut.reset_after_bytes = 100000;
  flaky.set_fault("/c/" + hex, cut);
  const fs::path cfg = config(Json::array({Json{{"url", flaky.url("/c/{sha512}")}}, source("r", "read")}));
  auto r = fetch(cfg, "A", {"--json"});
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(out("A"), data);
  EXPECT_TRUE(af_it::resumed_with_range(af_it::json_events(r.out), "/devstoreaccount1/" + container + "/")) << r.out;
  EXPECT_TRUE(origin.requests().empty());
}

TEST_F(AzureBlob, WhatAssetfetchWritesAnXAzurlReaderReads) {
  // One team, one container: assetfetch writes through a vcpkg-style x-azurl
  // import; what lands at <prefix>/<sha512> is what vcpkg's x-azurl reads
  // (a GET of <prefix>/<sha512>?<SAS>).
  Json j{{"retry", {{"attempts", 1}, {"backoff_ms", 10}}},
         {"vcpkg_asset_sources", "clear;x-azurl," + azurite->container_url(container) + "," + azurite->sas("rwc") + ",rw"}};
  af_test::write_file(dir / "vcpkg.json", j.dump());
  auto r = fetch(dir / "vcpkg.json", "A");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  httplib::Client c("127.0.0.1", azurite->port());
  auto got = c.Get("/devstoreaccount1/" + container + "/" + hex + "?" + azurite->sas("r"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, data);

  // And the other way: an object vcpkg put there serves an origin-blocked fetch.
  origin.clear_log();
  const std::string other = af_test::random_bytes(5000, 3);
  azurite->put_blob(container, af_test::sha512_hex(other), other);
  j["vcpkg_asset_sources"] = "clear;x-azurl," + azurite->container_url(container) + "," + azurite->sas("r") + ";x-block-origin";
  af_test::write_file(dir / "blocked.json", j.dump());
  r = af_it::run_machine(dir.path(), "B",
                         {"fetch", origin.url("/other.bin"), "--sha512", af_test::sha512_hex(other), "-o",
                          (dir / "B" / "other.bin").string()},
                         dir / "blocked.json");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(af_test::read_file(dir / "B" / "other.bin"), other);
  EXPECT_TRUE(origin.requests().empty());
}

TEST_F(AzureBlob, XScriptHonoursXAzurlAndBlockOriginFromVcpkgsEnvironment) {
  azurite->put_blob(container, hex, data);
  const std::string sources = "x-azurl," + azurite->container_url(container) + "," + azurite->sas("r") +
                              ";x-script,assetfetch x-script {url} {sha512} {dst};x-block-origin";
  auto r = af_it::run_cli({"x-script", origin.url("/pkg/tool.tar.gz"), hex, (dir / "dl" / "t.part").string()},
                          dir / container, dir.path(), {{"X_VCPKG_ASSET_SOURCES", sources}});
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(af_test::read_file(dir / "dl" / "t.part"), data);
  EXPECT_TRUE(origin.requests().empty()) << "x-block-origin: {url} must not be contacted";
}

TEST_F(AzureBlob, MirrorSeedsAContainerUnderBothDigests) {
  Json manifest{{"assets", Json::array({{{"name", "tool"}, {"urls", {origin.url("/pkg/tool.tar.gz")}}, {"sha512", hex}}})}};
  af_test::write_file(dir / "m.json", manifest.dump());
  af_test::write_file(dir / "empty.json", "{}");
  auto r = af_it::run_machine(dir.path(), "A",
                              {"mirror", (dir / "m.json").string(), "--to",
                               azurite->container_url(container) + "/seed?" + azurite->sas("rwc"), "--kind", "azure-blob"},
                              dir / "empty.json");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(azurite->get_blob(container, "seed/" + hex), data);
  EXPECT_EQ(azurite->get_blob(container, "seed/" + af_test::sha256_hex(data)), data);
  const std::string sas = azurite->sas("rwc");
  EXPECT_EQ(r.err.find(sas.substr(sas.find("sig=") + 4)), std::string::npos) << "the SAS leaked: " << r.err;
}

// Issue 20: a store URL on a host that does not name its kind (Azurite, Azure
// Stack, a custom domain) was taken for a folder, created as ./http:/...?sig=
// and printed with its signature. Now it is refused without --kind (exit 2,
// nothing on disk), and with --kind it uploads; no output holds the signature.
TEST_F(AzureBlob, MirrorToAStoreUrlNeverBecomesAFolderNorPrintsTheSas) {
  Json manifest{{"assets", Json::array({{{"name", "tool"}, {"urls", {origin.url("/pkg/tool.tar.gz")}}, {"sha512", hex}}})}};
  af_test::write_file(dir / "m.json", manifest.dump());
  const std::string sas = azurite->sas("rwc");
  const std::string signature = sas.substr(sas.find("sig=") + 4, 20);
  const std::string to = azurite->container_url(container) + "/seed?" + sas;
  const fs::path cwd = dir / "cwd";
  for (const auto& extra : std::vector<std::vector<std::string>>{{}, {"--json"}, {"-v"}}) {
    std::vector<std::string> args{"mirror", (dir / "m.json").string(), "--to", to};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = af_it::run_cli(args, dir / "cache", cwd);
    EXPECT_EQ(r.exit_code, 2) << af_it::describe(r);
    EXPECT_NE(r.err.find("--kind azure-blob"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find(signature), std::string::npos) << "the SAS leaked: " << r.out;
    EXPECT_EQ(r.err.find(signature), std::string::npos) << "the SAS leaked: " << r.err;
    EXPECT_TRUE(af_it::files_under(cwd).empty()) << "a folder was made of the URL";
    EXPECT_FALSE(azurite->get_blob(container, "seed/" + hex));
  }
  for (const auto& extra : std::vector<std::vector<std::string>>{{}, {"--json"}, {"-v"}}) {
    std::vector<std::string> args{"mirror", (dir / "m.json").string(), "--to", to, "--kind", "azure-blob"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = af_it::run_cli(args, dir / "cache", cwd);
    EXPECT_EQ(r.exit_code, 0) << af_it::describe(r);
    EXPECT_EQ(r.out.find(signature), std::string::npos) << "the SAS leaked: " << r.out;
    EXPECT_EQ(r.err.find(signature), std::string::npos) << "the SAS leaked: " << r.err;
    EXPECT_EQ(r.err.find("assetfetch-mirror-"), std::string::npos) << "an internal path: " << r.err;
    EXPECT_TRUE(af_it::files_under(cwd).empty());
  }
  EXPECT_EQ(azurite->get_blob(container, "seed/" + hex), data);
  EXPECT_EQ(origin.requests_for("/pkg/tool.tar.gz").size(), 1u) << "later runs read the store, not the origin";
}

// A second writer finds the blob there: HEAD says so and nothing is put (the
// blob's ETag, which every Put Blob changes, stays the same).
TEST_F(AzureBlob, WriteBackSkipsABlobTheContainerAlreadyHas) {
  azurite->put_blob(container, hex, data);
  httplib::Client c("127.0.0.1", azurite->port());
  const std::string path = "/devstoreaccount1/" + container + "/" + hex + "?" + azurite->sas("r");
  auto before = c.Head(path, {{"x-ms-version", "2021-08-06"}});
  ASSERT_TRUE(before && before->status == 200);
  config(Json::array({source("rwc", "write")}));
  auto r = fetch(dir / "af.json", "A", {"-v"});
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(r.err.find("write-back"), std::string::npos) << r.err;
  EXPECT_EQ(origin.requests_for("/pkg/tool.tar.gz").size(), 1u);
  auto after = c.Head(path, {{"x-ms-version", "2021-08-06"}});
  ASSERT_TRUE(after && after->status == 200);
  EXPECT_EQ(after->get_header_value("ETag"), before->get_header_value("ETag")) << "the blob was put again";
}

}  // namespace
