#include "config/azure_key.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "base/base64.h"
#include "base/percent_encode.h"
#include "base/url.h"
#include "platform/environment.h"
#include "transfer/azure_sas.h"
#include "transfer/azure_token.h"
#include "transfer/imds_absence.h"
#include "verify/hmac.h"

namespace assetfetch::config_detail {

namespace {

// Azurite's development account and key: public, documented by Microsoft.
constexpr const char* kDevAccount = "devstoreaccount1";
constexpr const char* kDevKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
// SAS version 2019-12-12: its string to sign has no encryption scope line.
constexpr const char* kSasVersion = "2019-12-12";

std::string env(const char* name) {
  return platform::environment_value(name).value_or("");
}

bool same_text(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string utc_text(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day date{day};
  const hh_mm_ss time{floor<seconds>(t - day)};
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return text;
}

// Key=Value;Key=Value... (a value may hold '='); names compared without case.
std::string connection_value(const std::string& text, std::string_view name) {
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t end = std::min(text.find(';', at), text.size());
    const std::string_view part(text.data() + at, end - at);
    const auto eq = part.find('=');
    if (eq != std::string_view::npos && same_text(part.substr(0, eq), name)) return std::string(part.substr(eq + 1));
    at = end + 1;
  }
  return {};
}

// Signs with the key it holds when a request first needs a SAS, and again
// before that one expires.
class AccountKeySigner final : public AzureSasProvider {
 public:
  AccountKeySigner(std::string account, std::string key, std::string where, std::chrono::seconds lifetime)
      : account_(std::move(account)), key_(std::move(key)), where_(std::move(where)), lifetime_(lifetime) {}
  std::string name() const override { return "account key (" + where_ + ")"; }

 protected:
  std::optional<AzureSas> fetch(std::string& why) override {
    // Whole seconds: "se" has no fraction, so the expiry kept is the one signed.
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    auto query = azure_account_sas(account_, key_, now, lifetime_);
    if (!query) {
      why = "the account key is not base64";
      return std::nullopt;
    }
    return AzureSas{std::move(*query), now + lifetime_};
  }

 private:
  std::string account_, key_, where_;
  std::chrono::seconds lifetime_;
};

}  // namespace

std::string azure_account_of(const std::string& url) {
  const auto parts = split_url(url);
  if (!parts) return {};
  const std::string host(parts->host);
  if (const auto dot = host.find(".blob."); dot != std::string::npos && dot > 0) return host.substr(0, dot);
  bool address = host == "localhost" || (!host.empty() && host.front() == '[');
  if (!address) {
    address = !host.empty();
    for (char c : host) address = address && (std::isdigit(static_cast<unsigned char>(c)) || c == '.');
  }
  if (!address) return {};
  std::string_view path = parts->path;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return std::string(path.substr(0, path.find('/')));
}

std::optional<std::string> azure_account_sas(const std::string& account, const std::string& key,
                                             std::chrono::system_clock::time_point now, std::chrono::seconds lifetime) {
  const auto secret = base64_decode(key);
  if (!secret || secret->empty()) return std::nullopt;
  const std::string expiry = utc_text(now + lifetime);
  const std::string permissions = "rwc", services = "b", types = "o";
  const std::string to_sign = account + "\n" + permissions + "\n" + services + "\n" + types + "\n\n" + expiry +
                              "\n\n\n" + kSasVersion + "\n";
  const std::string mac = hmac_sha256(*secret, to_sign);
  return std::string("sv=") + kSasVersion + "&ss=" + services + "&srt=" + types + "&sp=" + permissions +
         "&se=" + percent_encode(expiry) +
         "&sig=" + percent_encode(base64(reinterpret_cast<const unsigned char*>(mac.data()), mac.size()));
}

std::shared_ptr<AzureSasProvider> azure_account_sas_signer(const std::string& account, const std::string& key,
                                                           std::string where, std::chrono::seconds lifetime) {
  const auto secret = base64_decode(key);
  if (!secret || secret->empty()) return nullptr;
  return std::make_shared<AccountKeySigner>(account, key, std::move(where), lifetime);
}

AzureKeyLookup azure_key_from_environment(const std::string& account, std::chrono::seconds sas_lifetime) {
  AzureKeyLookup out;
  std::vector<std::string> looked;
  const auto use = [&](const std::string& name, const std::string& key, const std::string& where) {
    if (!account.empty() && !name.empty() && name != account) {
      looked.push_back(where + " (for account " + name + ", not " + account + ")");
      return false;
    }
    out.signer = azure_account_sas_signer(account.empty() ? name : account, key, where, sas_lifetime);
    if (!out.signer) out.problem = where + ": the account key is not base64 (copy it from the portal's Access keys)";
    return true;
  };
  const std::string key = env("AZURE_STORAGE_KEY");
  if (!key.empty()) {
    if (use(env("AZURE_STORAGE_ACCOUNT"), key, "AZURE_STORAGE_KEY")) return out;
  } else {
    looked.push_back("AZURE_STORAGE_KEY");
  }
  const std::string connection = env("AZURE_STORAGE_CONNECTION_STRING");
  if (connection.empty()) {
    looked.push_back("AZURE_STORAGE_CONNECTION_STRING");
  } else if (same_text(connection_value(connection, "UseDevelopmentStorage"), "true")) {
    if (use(kDevAccount, kDevKey, "AZURE_STORAGE_CONNECTION_STRING (UseDevelopmentStorage)")) return out;
  } else if (const std::string sas = connection_value(connection, "SharedAccessSignature"); !sas.empty()) {
    out.sas = sas.front() == '?' ? sas.substr(1) : sas;
    return out;
  } else if (const std::string account_key = connection_value(connection, "AccountKey"); !account_key.empty()) {
    if (use(connection_value(connection, "AccountName"), account_key, "AZURE_STORAGE_CONNECTION_STRING")) return out;
  } else {
    out.problem = "AZURE_STORAGE_CONNECTION_STRING has no AccountKey, SharedAccessSignature or "
                  "UseDevelopmentStorage=true";
    return out;
  }
  for (const auto& l : looked) out.looked_at += (out.looked_at.empty() ? "" : ", ") + l;
  return out;
}

std::shared_ptr<AzureTokenProvider> azure_identity_from_environment(std::string& looked_at,
                                                                   const std::filesystem::path& cache_dir) {
  const std::string client = env("AZURE_CLIENT_ID");
  // DefaultAzureCredential's order: workload identity, then managed identity
  // (App Service's endpoint, else the instance metadata service).
  const std::string token_file = env("AZURE_FEDERATED_TOKEN_FILE"), tenant = env("AZURE_TENANT_ID");
  if (!token_file.empty() && !client.empty() && !tenant.empty()) {
    std::string authority = env("AZURE_AUTHORITY_HOST");
    if (authority.empty()) authority = "https://login.microsoftonline.com/";
    return make_workload_identity_provider(authority, tenant, client, token_file);
  }
  const std::string endpoint = env("IDENTITY_ENDPOINT"), secret = env("IDENTITY_HEADER");
  if (!endpoint.empty() && !secret.empty()) return make_app_service_identity_provider(endpoint, secret, client);
  std::string imds = env("AZURE_POD_IDENTITY_AUTHORITY_HOST");
  const bool overridden = !imds.empty();
  if (!overridden) imds = kAzureImdsHost;
  // Not probed here: the provider probes when a request first needs a
  // token. A recent "none here" skips the store now, as any store without
  // credentials is skipped.
  const auto absent = remembered_imds_absence(cache_dir, imds);
  if (!absent) return make_instance_metadata_identity_provider(imds, client, cache_dir);
  looked_at = "AZURE_FEDERATED_TOKEN_FILE + AZURE_CLIENT_ID + AZURE_TENANT_ID, IDENTITY_ENDPOINT + IDENTITY_HEADER, "
              "the instance metadata service at " + imds + (overridden ? " (AZURE_POD_IDENTITY_AUTHORITY_HOST)" : "") +
              " (" + describe_imds_absence(*absent, imds_absence_file(cache_dir, imds)) + ")";
  return nullptr;
}

}  // namespace assetfetch::config_detail
