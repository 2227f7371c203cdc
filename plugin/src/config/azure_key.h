// Azure Blob credentials read when the config is loaded (docs/mirrors.md,
// "Where Azure credentials come from"): an account key from the source's
// "credentials", AZURE_STORAGE_KEY (with AZURE_STORAGE_ACCOUNT), or
// AZURE_STORAGE_CONNECTION_STRING (AccountName + AccountKey, a
// SharedAccessSignature, or UseDevelopmentStorage=true: Azurite's
// well-known account). The key never travels: it signs an account SAS
// (blob service, objects, read/write/create, valid 24 hours), as `az storage
// account generate-sas` does, when a request first needs one and again 5
// minutes before it expires (transfer/azure_sas.h), and requests carry that.
// Without a key: a workload identity (AZURE_FEDERATED_TOKEN_FILE +
// AZURE_CLIENT_ID + AZURE_TENANT_ID), a managed identity (IDENTITY_ENDPOINT +
// IDENTITY_HEADER), else the VM's instance metadata service, in the Azure
// SDKs' order; their tokens are asked later (transfer/azure_token.h), and
// IMDS is probed only then.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace assetfetch {
class AzureSasProvider;
class AzureTokenProvider;
}

namespace assetfetch::config_detail {

// The storage account an Azure Blob URL names: ACCOUNT of
// ACCOUNT.blob.<suffix>, else the first path segment when the host is an IP
// address or localhost (Azurite, path style); "" when the URL does not say.
std::string azure_account_of(const std::string& url);

struct AzureKeyLookup {
  std::shared_ptr<AzureSasProvider> signer;  // an account key was found
  std::optional<std::string> sas;            // a connection string's SAS (no '?')
  std::string looked_at;                     // for the warning when nothing is found
  std::string problem;                       // a malformed key or connection string (what, no secret)
};

// The environment's credentials for `account` ("" accepts any account);
// `sas_lifetime`: ConfigLoadOptions::azure_sas_lifetime.
AzureKeyLookup azure_key_from_environment(const std::string& account, std::chrono::seconds sas_lifetime);

// Signs account SASes for `account` with the base64 `key`; nullptr when the
// key is not base64. `where` names the key in messages ("AZURE_STORAGE_KEY").
std::shared_ptr<AzureSasProvider> azure_account_sas_signer(const std::string& account, const std::string& key,
                                                           std::string where, std::chrono::seconds lifetime);

// An account SAS signed with the base64 `key`, valid `lifetime` from `now`;
// nullopt when the key is not base64.
std::optional<std::string> azure_account_sas(const std::string& account, const std::string& key,
                                             std::chrono::system_clock::time_point now, std::chrono::seconds lifetime);

// The identity service the environment names, in the Azure SDKs' order, or
// nullptr; `looked_at` gets what was looked for. The instance metadata
// service (IMDS) comes last and is not probed here: its provider probes
// when a request first needs a token (transfer/azure_token.h: a machine
// outside Azure has none). Only a recent "none here" remembered under
// `cache_dir` (transfer/imds_absence.h) makes it nullptr.
std::shared_ptr<AzureTokenProvider> azure_identity_from_environment(std::string& looked_at,
                                                                   const std::filesystem::path& cache_dir);

}  // namespace assetfetch::config_detail
