#include "transfer/azure_token.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "assetfetch/job.h"
#include "base/percent_encode.h"
#include "transfer/aws_credentials.h"
#include "transfer/imds_absence.h"
#include "transfer/object_request.h"

namespace assetfetch {

namespace {

using std::chrono::system_clock;

// Bounded like the AWS services: one connect second, a few seconds in all,
// no retries; the next request after the pause asks again.
ObjectResponse ask(ObjectRequest r) {
  static const RetryPolicy quick = [] {
    RetryPolicy p;
    p.connect_timeout = std::chrono::seconds(1);
    p.no_progress_timeout = std::chrono::seconds(5);
    return p;
  }();
  r.retry = &quick;
  r.store = nullptr;
  r.total_timeout = std::chrono::seconds(10);
  r.no_proxy = true;  // the answer is a secret; the App Service endpoint is local
  return perform_object_request(r);
}

// A JSON number, or a string holding one ("expires_on": "1586984735").
std::optional<long long> json_integer(const std::string& json, const std::string& key) {
  std::string text = json_string_field(json, key);
  if (text.empty()) {
    const std::string quoted = "\"" + key + "\"";
    const auto at = json.find(quoted);
    if (at == std::string::npos) return std::nullopt;
    std::size_t i = json.find(':', at + quoted.size());
    if (i == std::string::npos) return std::nullopt;
    for (++i; i < json.size() && std::isspace(static_cast<unsigned char>(json[i])); ++i) {
    }
    while (i < json.size() && std::isdigit(static_cast<unsigned char>(json[i]))) text += json[i++];
  }
  if (text.empty() || text.size() > 18) return std::nullopt;
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  return std::stoll(text);
}

std::optional<AzureToken> token_of(const ObjectResponse& answer, std::string& why) {
  if (!answer.ok()) {
    why = answer.transport_failed ? answer.error : "HTTP " + std::to_string(answer.status);
    return std::nullopt;
  }
  AzureToken t;
  t.access_token = json_string_field(answer.body, "access_token");
  if (t.access_token.empty()) {
    why = "the answer has no access_token";
    return std::nullopt;
  }
  if (auto on = json_integer(answer.body, "expires_on")) t.expires = system_clock::from_time_t(static_cast<std::time_t>(*on));
  else if (auto in = json_integer(answer.body, "expires_in")) t.expires = system_clock::now() + std::chrono::seconds(*in);
  return t;
}

class AppServiceIdentity final : public AzureTokenProvider {
 public:
  AppServiceIdentity(std::string endpoint, std::string secret, std::string client_id)
      : endpoint_(std::move(endpoint)), secret_(std::move(secret)), client_id_(std::move(client_id)) {}
  std::string name() const override { return "managed identity (IDENTITY_ENDPOINT, IDENTITY_HEADER)"; }

 protected:
  std::optional<AzureToken> fetch(std::string& why) override {
    ObjectRequest r;
    r.method = "GET";
    r.url = endpoint_ + (endpoint_.find('?') == std::string::npos ? "?" : "&") +
            "api-version=2019-08-01&resource=" + percent_encode(kAzureStorageResource);
    if (!client_id_.empty()) r.url += "&client_id=" + percent_encode(client_id_);
    r.headers.emplace_back("X-IDENTITY-HEADER", secret_);
    return token_of(ask(r), why);
  }

 private:
  std::string endpoint_, secret_, client_id_;
};

class WorkloadIdentity final : public AzureTokenProvider {
 public:
  WorkloadIdentity(std::string authority, std::string tenant, std::string client_id, std::string token_file)
      : authority_(std::move(authority)), tenant_(std::move(tenant)), client_id_(std::move(client_id)),
        token_file_(std::move(token_file)) {}
  std::string name() const override { return "workload identity (AZURE_FEDERATED_TOKEN_FILE)"; }

 protected:
  std::optional<AzureToken> fetch(std::string& why) override {
    std::ifstream in(token_file_, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    std::string assertion = text.str();
    while (!assertion.empty() && std::isspace(static_cast<unsigned char>(assertion.back()))) assertion.pop_back();
    if (!in || assertion.empty()) {
      why = "cannot read the federated token file " + token_file_;
      return std::nullopt;
    }
    ObjectRequest r;
    r.method = "POST";
    r.url = authority_;
    if (r.url.empty() || r.url.back() != '/') r.url += '/';
    r.url += percent_encode(tenant_) + "/oauth2/v2.0/token";
    r.content_type = "application/x-www-form-urlencoded";
    r.body_text = "grant_type=client_credentials&client_id=" + percent_encode(client_id_) +
                  "&client_assertion_type=" + percent_encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
                  "&client_assertion=" + percent_encode(assertion) +
                  "&scope=" + percent_encode(std::string(kAzureStorageResource) + ".default");
    return token_of(ask(r), why);
  }

 private:
  std::string authority_, tenant_, client_id_, token_file_;
};

// The token path under an IMDS host ("http://169.254.169.254", or the
// override with or without a trailing '/').
std::string imds_token_url(const std::string& host) {
  std::string url = host;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/metadata/identity/oauth2/token";
}

// A JSON object, as IMDS's errors are; a proxy's or portal's page is not.
bool json_object(const std::string& body) {
  const auto first = body.find_first_not_of(" \t\r\n");
  const auto last = body.find_last_not_of(" \t\r\n");
  return first != std::string::npos && body[first] == '{' && body[last] == '}' &&
         body.find('"', first) != std::string::npos;
}

class InstanceMetadataIdentity final : public AzureTokenProvider {
 public:
  InstanceMetadataIdentity(std::string host, std::string client_id, std::filesystem::path cache_dir)
      : host_(std::move(host)), client_id_(std::move(client_id)), cache_dir_(std::move(cache_dir)) {}
  std::string name() const override { return "managed identity (instance metadata at " + host_ + ")"; }

 protected:
  // Runs under RefreshingSecret's lock: one probe at a time, and after a
  // "none" the next one kImdsAbsenceMemory later (a host that runs for days).
  std::optional<AzureToken> fetch(std::string& why) override {
    if (!answered_) {
      const auto now = std::chrono::steady_clock::now();
      if (!absent_.empty() && now - absent_since_ >= kImdsAbsenceMemory) absent_.clear();
      if (absent_.empty()) {
        if (auto remembered = remembered_imds_absence(cache_dir_, host_)) {
          absent_ = describe_imds_absence(*remembered, imds_absence_file(cache_dir_, host_));
          absent_since_ = now - std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::system_clock::now() - remembered->at);
        } else if (std::string no = probe_instance_metadata(host_); !no.empty()) {
          remember_imds_absence(cache_dir_, host_, no);
          absent_ = no;
          absent_since_ = now;
        } else {
          answered_ = true;
        }
      }
      if (!answered_) {
        why = "no instance metadata service (" + absent_ + ")";
        return std::nullopt;
      }
    }
    ObjectRequest r;
    r.method = "GET";
    r.url = imds_token_url(host_) + "?api-version=2018-02-01&resource=" + percent_encode(kAzureStorageResource);
    if (!client_id_.empty()) r.url += "&client_id=" + percent_encode(client_id_);
    r.headers.emplace_back("Metadata", "true");
    return token_of(ask(r), why);
  }

 private:
  std::string host_, client_id_;
  std::filesystem::path cache_dir_;
  bool answered_ = false;  // the probe found IMDS
  std::string absent_;     // why there is none, learnt at absent_since_
  std::chrono::steady_clock::time_point absent_since_;
};

}  // namespace

std::shared_ptr<AzureTokenProvider> make_instance_metadata_identity_provider(std::string host, std::string client_id,
                                                                             std::filesystem::path cache_dir) {
  return std::make_shared<InstanceMetadataIdentity>(std::move(host), std::move(client_id), std::move(cache_dir));
}

std::string probe_instance_metadata(const std::string& host) {
  static const RetryPolicy probe = [] {
    RetryPolicy p;
    p.connect_timeout = kImdsProbeConnectTimeout;
    p.no_progress_timeout = std::chrono::seconds(2);
    return p;
  }();
  ObjectRequest r;
  r.method = "GET";
  r.url = imds_token_url(host);
  r.retry = &probe;
  r.total_timeout = std::chrono::seconds(3);
  r.no_proxy = true;
  const ObjectResponse answer = perform_object_request(r);
  if (answer.transport_failed) return answer.error.empty() ? "no answer" : answer.error;
  if (!json_object(answer.body))
    return "HTTP " + std::to_string(answer.status) + " from something that is not the instance metadata service "
           "(its body is not JSON)";
  return {};
}

std::shared_ptr<AzureTokenProvider> make_app_service_identity_provider(std::string endpoint, std::string secret,
                                                                       std::string client_id) {
  return std::make_shared<AppServiceIdentity>(std::move(endpoint), std::move(secret), std::move(client_id));
}

std::shared_ptr<AzureTokenProvider> make_workload_identity_provider(std::string authority, std::string tenant,
                                                                    std::string client_id, std::string token_file) {
  return std::make_shared<WorkloadIdentity>(std::move(authority), std::move(tenant), std::move(client_id),
                                            std::move(token_file));
}

}  // namespace assetfetch
