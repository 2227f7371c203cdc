// Azure Blob credentials read when the config is loaded (docs/mirrors.md,
// "Where Azure credentials come from"): an account key from the source's
// "credentials", AZURE_STORAGE_KEY (with AZURE_STORAGE_ACCOUNT), or
// AZURE_STORAGE_CONNECTION_STRING (AccountName + AccountKey, a
// SharedAccessSignature, or UseDevelopmentStorage=true: Azurite's
// well-known account). The key never travels: it signs an account SAS
// (blob service, objects, read/write/create, valid 24 hours from the load),
// as `az storage account generate-sas` does, and requests carry that.
// Without a key: a managed identity (IDENTITY_ENDPOINT + IDENTITY_HEADER) or
// a workload identity (AZURE_FEDERATED_TOKEN_FILE + AZURE_CLIENT_ID +
// AZURE_TENANT_ID), whose tokens are asked later (transfer/azure_token.h).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace assetfetch {
class AzureTokenProvider;
}

namespace assetfetch::config_detail {

// The storage account an Azure Blob URL names: ACCOUNT of
// ACCOUNT.blob.<suffix>, else the first path segment when the host is an IP
// address or localhost (Azurite, path style); "" when the URL does not say.
std::string azure_account_of(const std::string& url);

struct AzureKeyLookup {
  std::optional<std::string> sas;  // the query to use (no '?'), when found
  std::string looked_at;           // for the warning when nothing is found
  std::string problem;             // a malformed key or connection string (what, no secret)
};

// The environment's credentials for `account` ("" accepts any account).
AzureKeyLookup azure_key_from_environment(const std::string& account,
                                          std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// An account SAS signed with the base64 `key`; nullopt when the key is not base64.
std::optional<std::string> azure_account_sas(const std::string& account, const std::string& key,
                                             std::chrono::system_clock::time_point now);

// The identity service the environment names, or nullptr; `looked_at` gets
// what was looked for.
std::shared_ptr<AzureTokenProvider> azure_identity_from_environment(std::string& looked_at);

}  // namespace assetfetch::config_detail
