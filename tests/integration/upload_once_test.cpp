// A cold fleet uploads an object once (issue 20): four processes with caches
// of their own fetch the same asset from the origin at the same time, each
// with the same writable store. A recording proxy in front of the emulator
// holds every PUT (and POST) back 1.5 s, so all four HEADs find the object
// absent and all four writes reach the store: only the conditional create
// (If-None-Match: *) keeps it to one. The stores' answers are counted at the
// proxy (labels `azurite`, `s3rver`).
#include <gtest/gtest.h>

#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "object_store_emulator.h"
#include "object_store_util.h"
#include "recording_proxy.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using af_test::AzuriteEmulator;
using af_test::ProxiedExchange;
using af_test::RecordingProxy;
using af_test::S3Emulator;
using af_test::TempDir;
using af_test::TestServer;
using Json = nlohmann::json;

constexpr int kMachines = 4;
constexpr auto kHold = std::chrono::milliseconds(1500);

const af_test::EnvList kKeys = {{"ASSETFETCH_CONFIG", ""},
                                {"ASSETFETCH_OFFLINE", ""},
                                {"AWS_ACCESS_KEY_ID", S3Emulator::kAccessKey},
                                {"AWS_SECRET_ACCESS_KEY", S3Emulator::kSecretKey}};

// The store's answers to the writes that create `object` (Put Blob, Put Block
// List, S3 PUT, CompleteMultipartUpload), by status.
std::map<int, int> creates(const std::vector<ProxiedExchange>& log, const std::string& object) {
  std::map<int, int> by_status;
  for (const auto& e : log) {
    const auto q = e.target.find('?');
    const std::string path = e.target.substr(0, q);
    const std::string query = q == std::string::npos ? "" : e.target.substr(q + 1);
    if (path.size() < object.size() || path.compare(path.size() - object.size(), object.size(), object) != 0) continue;
    const bool part = query.find("comp=block&") != std::string::npos || query.find("partNumber=") != std::string::npos;
    const bool create = (e.method == "PUT" && !part && query.find("uploads") == std::string::npos) ||
                        (e.method == "POST" && query.find("uploadId=") != std::string::npos);
    if (create) ++by_status[e.status];
  }
  return by_status;
}

int count(const std::vector<ProxiedExchange>& log, const std::string& method, const std::string& object) {
  int n = 0;
  for (const auto& e : log) n += e.method == method && e.target.find(object) != std::string::npos;
  return n;
}

std::string describe(const std::vector<ProxiedExchange>& log) {
  std::string out;
  for (const auto& e : log) out += e.method + " " + e.target.substr(0, e.target.find('?')) + " " + std::to_string(e.status) + "\n";
  return out;
}

struct UploadOnce : ::testing::Test {
  void SetUp() override {
    af_test::remove_proxy_env();
    origin.add_file("/pkg/tool.tar.gz", data);
  }
  // `kMachines` fetches at once, each with its own cache; every one must
  // succeed without a write-back warning (a lost race is not a failure).
  void run_fleet(const Json& source, const af_test::EnvList& env) {
    Json j{{"retry", {{"attempts", 2}, {"backoff_ms", 10}, {"no_progress_timeout_s", 10}}},
           {"sources", Json::array({source})}};
    af_test::write_file(dir / "af.json", j.dump(2));
    std::vector<af_test::ChildProcess> fleet;
    for (int m = 0; m < kMachines; ++m) {
      const fs::path home = dir / ("m" + std::to_string(m));
      fleet.push_back(af_test::start_process({AF_CLI_PATH, "fetch", origin.url("/pkg/tool.tar.gz"), "--sha512", hex, "-o",
                                              (home / "out.bin").string(), "-v", "--config", (dir / "af.json").string(),
                                              "--cache-dir", (home / "cache").string()},
                                             env));
    }
    for (int m = 0; m < kMachines; ++m) {
      auto r = fleet[static_cast<std::size_t>(m)].wait(std::chrono::seconds(120));
      EXPECT_EQ(r.exit_code, 0) << af_it::describe(r);
      EXPECT_EQ(r.err.find("write-back to"), std::string::npos) << "a lost race is no failure: " << r.err;
      EXPECT_EQ(af_test::read_file(dir / ("m" + std::to_string(m)) / "out.bin"), data);
    }
  }

  TempDir dir;
  TestServer origin;
  const std::string data = af_test::random_bytes(300000, 41);
  const std::string hex = af_test::sha512_hex(data);
};

struct AzureUploadOnce : UploadOnce {
  static void SetUpTestSuite() {
    af_test::remove_proxy_env();
    azurite = std::make_unique<AzuriteEmulator>();
  }
  static void TearDownTestSuite() { azurite.reset(); }
  void SetUp() override {
    UploadOnce::SetUp();
    static int n = 0;
    container = "fleet" + std::to_string(++n);
    azurite->create_container(container);
    proxy = std::make_unique<RecordingProxy>(azurite->port());
  }
  Json source(Json upload = nullptr) const {
    Json s{{"kind", "azure-blob"},
           {"access", "readwrite"},
           {"url", proxy->endpoint() + "/devstoreaccount1/" + container + "/{sha512}?" + azurite->sas("rwc")}};
    if (!upload.is_null()) s["upload"] = upload;
    return s;
  }
  static std::unique_ptr<AzuriteEmulator> azurite;
  std::string container;
  std::unique_ptr<RecordingProxy> proxy;
};
std::unique_ptr<AzuriteEmulator> AzureUploadOnce::azurite;

// Control: Azurite honours If-None-Match: * on Put Blob (409 BlobAlreadyExists
// once the blob is there) and overwrites without it (201 again), so counting
// 201s counts the blobs written.
TEST_F(AzureUploadOnce, TheEmulatorCreatesConditionallyAndOverwritesOtherwise) {
  httplib::Client c("127.0.0.1", azurite->port());
  const std::string path = "/devstoreaccount1/" + container + "/probe?" + azurite->sas("rwc");
  const httplib::Headers plain{{"x-ms-version", "2021-08-06"}, {"x-ms-blob-type", "BlockBlob"}};
  httplib::Headers conditional = plain;
  conditional.emplace("If-None-Match", "*");
  auto first = c.Put(path, conditional, "a", "application/octet-stream");
  auto second = c.Put(path, conditional, "b", "application/octet-stream");
  auto overwrite = c.Put(path, plain, "c", "application/octet-stream");
  ASSERT_TRUE(first && second && overwrite);
  EXPECT_EQ(first->status, 201);
  EXPECT_EQ(second->status, 409) << second->body;
  EXPECT_EQ(overwrite->status, 201);
  EXPECT_EQ(azurite->get_blob(container, "probe"), "c");
}

TEST_F(AzureUploadOnce, FourMachinesPutOneBlob) {
  proxy->hold("PUT", kHold);
  run_fleet(source(), af_it::kCleanEnv);
  const auto log = proxy->exchanges();
  EXPECT_EQ(count(log, "HEAD", hex), kMachines) << describe(log);
  const auto by_status = creates(log, "/" + hex);
  EXPECT_EQ(by_status.count(201) ? by_status.at(201) : 0, 1) << "blobs written:\n" << describe(log);
  EXPECT_EQ(by_status.count(409) ? by_status.at(409) : 0, kMachines - 1) << describe(log);
  EXPECT_EQ(azurite->get_blob(container, hex), data);
}

// Above the single-upload limit: every machine sends its blocks (uncommitted
// blocks are invisible to a HEAD), one Put Block List commits; the others'
// 409 is success (Azure drops uncommitted blocks by itself).
TEST_F(AzureUploadOnce, FourMachinesCommitOneBlockList) {
  proxy->hold("PUT", kHold);
  run_fleet(source({{"single_max_bytes", 100000}, {"block_bytes", 100000}}), af_it::kCleanEnv);
  const auto log = proxy->exchanges();
  const auto by_status = creates(log, "/" + hex);
  EXPECT_EQ(by_status.count(201) ? by_status.at(201) : 0, 1) << "block lists committed:\n" << describe(log);
  EXPECT_EQ(azurite->get_blob(container, hex), data);
  EXPECT_EQ(azurite->committed_blocks(container, hex), 3);
}

// A machine in the middle of a block upload when another one finishes the
// blob stops after the block it is sending: one HEAD per block finds the blob
// (without it: all 3 blocks, then a Put Block List answered 409).
TEST_F(AzureUploadOnce, AWriterStopsBetweenBlocksOnceTheBlobIsThere) {
  proxy->hold("PUT", kHold);
  Json j{{"retry", {{"attempts", 1}, {"backoff_ms", 10}}},
         {"sources", Json::array({source({{"single_max_bytes", 100000}, {"block_bytes", 100000}})})}};
  af_test::write_file(dir / "blocks.json", j.dump(2));
  af_test::ChildProcess late = af_test::start_process(
      {AF_CLI_PATH, "fetch", origin.url("/pkg/tool.tar.gz"), "--sha512", hex, "-o", (dir / "late" / "out.bin").string(),
       "-v", "--config", (dir / "blocks.json").string(), "--cache-dir", (dir / "late" / "cache").string()},
      af_it::kCleanEnv);
  ASSERT_TRUE(proxy->wait_for_arrival("PUT", "comp=block&", std::chrono::seconds(30)));
  azurite->put_blob(container, hex, data);  // another machine was quicker
  auto r = late.wait(std::chrono::seconds(60));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(r.err.find("write-back to"), std::string::npos) << r.err;
  int blocks = 0, lists = 0;
  for (const auto& e : proxy->exchanges()) {
    blocks += e.method == "PUT" && e.target.find("comp=block&") != std::string::npos;
    lists += e.method == "PUT" && e.target.find("comp=blocklist") != std::string::npos;
  }
  EXPECT_EQ(blocks, 1) << describe(proxy->exchanges());
  EXPECT_EQ(lists, 0) << describe(proxy->exchanges());
  EXPECT_EQ(azurite->get_blob(container, hex), data);
}

// One machine after another: the HEAD finds the blob, one Put Blob in all.
TEST_F(AzureUploadOnce, MachinesOneAfterAnotherPutOnce) {
  Json j{{"retry", {{"attempts", 1}, {"backoff_ms", 10}}}, {"sources", Json::array({source()})}};
  af_test::write_file(dir / "seq.json", j.dump(2));
  for (int m = 0; m < kMachines; ++m) {
    auto r = af_it::run_machine(dir.path(), "s" + std::to_string(m),
                                {"fetch", origin.url("/pkg/tool.tar.gz"), "--sha512", hex, "-o",
                                 (dir / ("s" + std::to_string(m)) / "out.bin").string(), "-v"},
                                dir / "seq.json");
    ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
    EXPECT_EQ(r.err.find("write-back to"), std::string::npos) << r.err;
  }
  const auto log = proxy->exchanges();
  EXPECT_EQ(count(log, "PUT", hex), 1) << describe(log);
}

// A store added after the cache got the object: the next cache hit writes it
// there (one HEAD, one Put Blob), and later hits ask the store nothing (the
// cache's mark; a rotated SAS names the same blob). Offline, nothing is sent.
TEST_F(AzureUploadOnce, ACacheHitWritesToAStoreAddedLaterOnce) {
  af_test::write_file(dir / "none.json", "{}");
  const auto fetch_to = [&](const std::string& out, const fs::path& cfg, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"fetch", origin.url("/pkg/tool.tar.gz"), "--sha512", hex, "-o", (dir / out).string(), "-v"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = af_it::run_machine(dir.path(), "A", args, cfg);
    EXPECT_EQ(r.exit_code, 0) << af_it::describe(r);
    EXPECT_EQ(r.err.find("write-back to"), std::string::npos) << r.err;
    EXPECT_EQ(af_test::read_file(dir / out), data);
  };
  const auto with_store = [&](const std::string& permissions) {
    Json s = source();
    s["url"] = proxy->endpoint() + "/devstoreaccount1/" + container + "/{sha512}?" + azurite->sas(permissions);
    Json j{{"retry", {{"attempts", 1}, {"backoff_ms", 10}}}, {"sources", Json::array({s})}};
    af_test::write_file(dir / ("store-" + permissions + ".json"), j.dump(2));
    return dir / ("store-" + permissions + ".json");
  };
  fetch_to("o1", dir / "none.json");  // into the cache, no store yet
  fetch_to("o2", with_store("rwc"), {"--offline"});
  EXPECT_TRUE(proxy->exchanges().empty()) << "offline, yet:\n" << describe(proxy->exchanges());

  fetch_to("o3", with_store("rwc"));  // the store is new to this cache
  EXPECT_EQ(origin.requests_for("/pkg/tool.tar.gz").size(), 1u) << "a cache hit went to the origin";
  EXPECT_EQ(azurite->get_blob(container, hex), data) << "the cache hit did not write to the new store";
  EXPECT_EQ(count(proxy->exchanges(), "HEAD", hex), 1) << describe(proxy->exchanges());
  EXPECT_EQ(count(proxy->exchanges(), "PUT", hex), 1) << describe(proxy->exchanges());

  const std::size_t before = proxy->exchanges().size();
  fetch_to("o4", with_store("rwca"));  // marked: no request, whatever the SAS
  EXPECT_EQ(proxy->exchanges().size(), before) << describe(proxy->exchanges());

  // Control: the mark is what spares the HEAD.
  fs::remove_all(dir / "A" / "cache" / "stores");
  fetch_to("o5", with_store("rwc"));
  EXPECT_EQ(count(proxy->exchanges(), "HEAD", hex), 2) << describe(proxy->exchanges());
  EXPECT_EQ(count(proxy->exchanges(), "PUT", hex), 1) << "the store had it: " << describe(proxy->exchanges());
}

struct S3UploadOnce : UploadOnce {
  static void SetUpTestSuite() {
    af_test::remove_proxy_env();
    s3 = std::make_unique<S3Emulator>("fleet", /*conditional_writes=*/true);
    plain = std::make_unique<S3Emulator>("fleet");
  }
  static void TearDownTestSuite() {
    s3.reset();
    plain.reset();
  }
  void SetUp() override {
    UploadOnce::SetUp();
    static int n = 0;
    prefix = "p" + std::to_string(++n);
  }
  Json source(const RecordingProxy& to, Json upload = nullptr) const {
    Json s{{"kind", "s3"},          {"access", "readwrite"}, {"url", "s3://fleet/" + prefix + "/{sha512}"},
           {"endpoint", to.endpoint()}, {"region", "us-east-1"}};
    if (!upload.is_null()) s["upload"] = upload;
    return s;
  }
  static std::unique_ptr<S3Emulator> s3, plain;
  std::string prefix;
};
std::unique_ptr<S3Emulator> S3UploadOnce::s3;
std::unique_ptr<S3Emulator> S3UploadOnce::plain;

TEST_F(S3UploadOnce, FourMachinesPutOneObject) {
  RecordingProxy proxy(s3->port());
  proxy.hold("PUT", kHold);
  run_fleet(source(proxy), kKeys);
  const auto log = proxy.exchanges();
  EXPECT_EQ(count(log, "HEAD", hex), kMachines) << describe(log);
  const auto by_status = creates(log, "/" + hex);
  EXPECT_EQ(by_status.count(200) ? by_status.at(200) : 0, 1) << "objects written:\n" << describe(log);
  EXPECT_EQ(by_status.count(412) ? by_status.at(412) : 0, kMachines - 1) << describe(log);
  EXPECT_EQ(s3->object("fleet", prefix + "/" + hex), data);
}

TEST_F(S3UploadOnce, FourMachinesCompleteOneMultipartUpload) {
  RecordingProxy proxy(s3->port());
  proxy.hold("POST", kHold);
  run_fleet(source(proxy, {{"single_max_bytes", 100000}, {"part_bytes", 100000}}), kKeys);
  const auto log = proxy.exchanges();
  const auto by_status = creates(log, "/" + hex);
  EXPECT_EQ(by_status.count(200) ? by_status.at(200) : 0, 1) << "uploads completed:\n" << describe(log);
  // The losers abort their uploads: parts left behind cost storage.
  EXPECT_EQ(count(log, "DELETE", hex), kMachines - 1) << describe(log);
  EXPECT_EQ(s3->object("fleet", prefix + "/" + hex), data);
}

// The same for S3 parts: the upload stops after the part being sent and is
// aborted (no CompleteMultipartUpload).
TEST_F(S3UploadOnce, AWriterStopsBetweenPartsOnceTheObjectIsThere) {
  RecordingProxy proxy(plain->port());
  proxy.hold("PUT", kHold);
  Json j{{"retry", {{"attempts", 1}, {"backoff_ms", 10}}},
         {"sources", Json::array({source(proxy, {{"single_max_bytes", 100000}, {"part_bytes", 100000}})})}};
  af_test::write_file(dir / "parts.json", j.dump(2));
  af_test::ChildProcess late = af_test::start_process(
      {AF_CLI_PATH, "fetch", origin.url("/pkg/tool.tar.gz"), "--sha512", hex, "-o", (dir / "late" / "out.bin").string(),
       "-v", "--config", (dir / "parts.json").string(), "--cache-dir", (dir / "late" / "cache").string()},
      kKeys);
  ASSERT_TRUE(proxy.wait_for_arrival("PUT", "partNumber=1&", std::chrono::seconds(30)));
  plain->put_object("fleet", prefix + "/" + hex, data);  // another machine was quicker
  auto r = late.wait(std::chrono::seconds(60));
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(r.err.find("write-back to"), std::string::npos) << r.err;
  int parts = 0, completes = 0, aborts = 0;
  for (const auto& e : proxy.exchanges()) {
    parts += e.method == "PUT" && e.target.find("partNumber=") != std::string::npos;
    completes += e.method == "POST" && e.target.find("uploadId=") != std::string::npos;
    aborts += e.method == "DELETE" && e.target.find("uploadId=") != std::string::npos;
  }
  EXPECT_EQ(parts, 1) << describe(proxy.exchanges());
  EXPECT_EQ(completes, 0) << describe(proxy.exchanges());
  EXPECT_EQ(aborts, 1) << describe(proxy.exchanges());
  EXPECT_EQ(plain->object("fleet", prefix + "/" + hex), data);
}

// One machine after another: the HEAD finds the object, one PUT in all.
TEST_F(S3UploadOnce, MachinesOneAfterAnotherPutOnce) {
  RecordingProxy proxy(plain->port());
  Json j{{"retry", {{"attempts", 1}, {"backoff_ms", 10}}}, {"sources", Json::array({source(proxy)})}};
  af_test::write_file(dir / "seq.json", j.dump(2));
  for (int m = 0; m < kMachines; ++m) {
    auto r = af_it::run_machine(dir.path(), "s" + std::to_string(m),
                                {"fetch", origin.url("/pkg/tool.tar.gz"), "--sha512", hex, "-o",
                                 (dir / ("s" + std::to_string(m)) / "out.bin").string(), "-v"},
                                dir / "seq.json", kKeys);
    ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
    EXPECT_EQ(r.err.find("write-back to"), std::string::npos) << r.err;
  }
  EXPECT_EQ(count(proxy.exchanges(), "PUT", hex), 1) << describe(proxy.exchanges());
}

// Control: a store that ignores If-None-Match (plain s3rver, as S3-compatible
// servers without conditional writes) stores all four: the HEAD alone cannot
// stop writers that asked at the same moment.
TEST_F(S3UploadOnce, AStoreWithoutConditionalWritesStoresEveryRacingPut) {
  RecordingProxy proxy(plain->port());
  proxy.hold("PUT", kHold);
  run_fleet(source(proxy), kKeys);
  const auto log = proxy.exchanges();
  const auto by_status = creates(log, "/" + hex);
  EXPECT_EQ(by_status.count(200) ? by_status.at(200) : 0, kMachines) << describe(log);
  EXPECT_EQ(plain->object("fleet", prefix + "/" + hex), data);
}

}  // namespace
