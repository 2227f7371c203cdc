#include "object_store_emulator.h"
#include "test_util.h"

#include <curl/curl.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <csignal>
#include <regex>
#include <stdexcept>
#include <thread>

#include "base/percent_encode.h"

namespace af_test {

namespace fs = std::filesystem;

namespace {

// Azurite's well-known development account key (public, documented).
constexpr const char* kAzuriteKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

std::string base64(const unsigned char* data, int n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, n);
  out.resize(static_cast<std::size_t>(len));
  return out;
}

std::string unbase64(const std::string& text) {
  std::string out(text.size(), '\0');
  const int len = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (len < 0) throw std::runtime_error("bad base64 key");
  // EVP_DecodeBlock counts the zero bytes that stand for '=' padding.
  std::size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++padding;
  out.resize(static_cast<std::size_t>(len) - padding);
  return out;
}

fs::path require(const fs::path& p) {
  if (!fs::exists(p))
    throw std::runtime_error(p.string() + " is missing: run scripts/install-deps.sh (it installs the object-storage "
                             "emulators from the npm registry into .deps/npm)");
  return p;
}

// Waits (bounded) until the child's stdout matches `pattern`; returns group 1.
std::string wait_for_output(ChildProcess& child, const std::regex& pattern, const std::string& what) {
  for (int i = 0; i < 600; ++i) {
    std::smatch m;
    const std::string out = child.stdout_so_far();
    if (std::regex_search(out, m, pattern)) return m[1];
    if (!child.running())
      throw std::runtime_error(what + " exited before listening: " + child.stderr_so_far() + out);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error(what + " did not start within 60 s: " + child.stderr_so_far());
}

void stop(ChildProcess& child) {
  if (!child.running()) return;
  child.kill(SIGTERM);
  child.wait(std::chrono::seconds(5));  // SIGKILLs on timeout
}

httplib::Client client(int port, const std::string& scheme = "http") {
  httplib::Client c(scheme + "://127.0.0.1:" + std::to_string(port));
  c.enable_server_certificate_verification(false);  // a test CA's certificate, on loopback
  c.set_connection_timeout(10);
  c.set_read_timeout(30);
  return c;
}

}  // namespace

fs::path npm_deps_dir() { return fs::path(af_test::source_dir()) / ".deps" / "npm"; }

AzuriteEmulator::AzuriteEmulator() : AzuriteEmulator(Https{}) {}

AzuriteEmulator::AzuriteEmulator(const Https& https) : dir_("assetfetch-azurite") {
  const fs::path main = require(npm_deps_dir() / "node_modules" / "azurite" / "dist" / "src" / "blob" / "main.js");
  std::vector<std::string> argv{"node", main.string(), "--blobHost", "127.0.0.1", "--blobPort", "0", "--location",
                                (dir_ / "data").string(), "--disableTelemetry"};
  if (!https.cert_file.empty()) {
    argv.insert(argv.end(), {"--cert", https.cert_file, "--key", https.key_file, "--oauth", "basic"});
    scheme_ = "https";
  }
  process_ = start_process(argv);
  port_ = std::stoi(wait_for_output(process_, std::regex(R"(listens on https?://127\.0\.0\.1:(\d+))"), "azurite-blob"));
}

AzuriteEmulator::~AzuriteEmulator() { stop(process_); }

std::string AzuriteEmulator::container_url(const std::string& container) const {
  return scheme_ + "://127.0.0.1:" + std::to_string(port_) + "/" + kAccount + "/" + container;
}

std::string AzuriteEmulator::sas(const std::string& permissions) const {
  // Account SAS, version 2019-12-12 (its string to sign has no encryption scope).
  const std::string version = "2019-12-12", expiry = "2099-01-01T00:00:00Z";
  const std::string to_sign = std::string(kAccount) + "\n" + permissions + "\nb\nsco\n\n" + expiry + "\n\n\n" +
                              version + "\n";
  const std::string key = unbase64(kAzuriteKey);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(to_sign.data()),
       to_sign.size(), mac, &mac_len);
  return "sv=" + version + "&ss=b&srt=sco&sp=" + permissions + "&se=" + assetfetch::percent_encode(expiry) +
         "&sig=" + assetfetch::percent_encode(base64(mac, static_cast<int>(mac_len)));
}

void AzuriteEmulator::create_container(const std::string& container) const {
  auto c = client(port_, scheme_);
  auto r = c.Put("/" + std::string(kAccount) + "/" + container + "?restype=container&" + sas("rwdlac"),
                 {{"x-ms-version", "2021-08-06"}}, "", "application/octet-stream");
  if (!r || r->status != 201) throw std::runtime_error("creating container " + container + " failed");
}

std::optional<std::string> AzuriteEmulator::get_blob(const std::string& container, const std::string& blob) const {
  auto c = client(port_, scheme_);
  auto r = c.Get("/" + std::string(kAccount) + "/" + container + "/" + blob + "?" + sas("r"),
                 {{"x-ms-version", "2021-08-06"}});
  if (!r || r->status != 200) return std::nullopt;
  return r->body;
}

void AzuriteEmulator::put_blob(const std::string& container, const std::string& blob, const std::string& bytes) const {
  auto c = client(port_, scheme_);
  auto r = c.Put("/" + std::string(kAccount) + "/" + container + "/" + blob + "?" + sas("rwc"),
                 {{"x-ms-version", "2021-08-06"}, {"x-ms-blob-type", "BlockBlob"}}, bytes, "application/octet-stream");
  if (!r || r->status != 201) throw std::runtime_error("putting blob " + blob + " failed");
}

int AzuriteEmulator::committed_blocks(const std::string& container, const std::string& blob) const {
  auto c = client(port_, scheme_);
  auto r = c.Get("/" + std::string(kAccount) + "/" + container + "/" + blob +
                     "?comp=blocklist&blocklisttype=committed&" + sas("r"),
                 {{"x-ms-version", "2021-08-06"}});
  if (!r || r->status != 200) throw std::runtime_error("Get Block List of " + blob + " failed");
  int n = 0;
  for (auto p = r->body.find("<Block>"); p != std::string::npos; p = r->body.find("<Block>", p + 1)) ++n;
  return n;
}

S3Emulator::S3Emulator(const std::string& bucket, bool conditional_writes) : dir_("assetfetch-s3rver") {
  const fs::path module = require(npm_deps_dir() / "node_modules" / "@20minutes" / "s3rver");
  const fs::path runner = fs::path(af_test::source_dir()) / "tests" / "support" / "s3rver_main.js";
  std::vector<std::string> argv{"node", runner.string(), module.string(), (dir_ / "data").string(), bucket};
  if (conditional_writes) argv.push_back("conditional-writes");
  process_ = start_process(argv);
  port_ = std::stoi(wait_for_output(process_, std::regex(R"(listening (\d+))"), "s3rver"));
}

S3Emulator::~S3Emulator() { stop(process_); }

std::string S3Emulator::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::optional<std::string> S3Emulator::object(const std::string& bucket, const std::string& key) const {
  const fs::path p = dir_ / "data" / bucket / (key + "._S3rver_object");
  if (!fs::exists(p)) return std::nullopt;
  return read_file(p);
}

std::optional<std::string> S3Emulator::object_metadata(const std::string& bucket, const std::string& key) const {
  const fs::path p = dir_ / "data" / bucket / (key + "._S3rver_metadata.json");
  if (!fs::exists(p)) return std::nullopt;
  return read_file(p);
}

void S3Emulator::put_object(const std::string& bucket, const std::string& key, const std::string& bytes) const {
  CURL* curl = curl_easy_init();
  const std::string url = endpoint() + "/" + bucket + "/" + key;
  curl_slist* headers = curl_slist_append(nullptr, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:s3");
  curl_easy_setopt(curl, CURLOPT_USERPWD, (std::string(kAccessKey) + ":" + kSecretKey).c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, bytes.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(bytes.size()));
  const CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK || status != 200) throw std::runtime_error("putting s3 object " + key + " failed");
}

}  // namespace af_test
