// Azure AD (Entra ID) access tokens for Blob storage from an identity
// service: workload identity (a federated token file exchanged at the
// tenant's token endpoint, as AKS and GitHub Actions OIDC set it up), App
// Service / Functions / Container Apps managed identity (IDENTITY_ENDPOINT +
// IDENTITY_HEADER) and a VM's managed identity through the instance metadata
// service (IMDS). Asked only when a request needs a token (never at config
// time; IMDS is probed then too, once), with the bounds of refreshing_secret.h,
// and again 5 minutes before the token expires. Requests carry it as
// "Authorization: Bearer"; storage accepts that over HTTPS only.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "transfer/refreshing_secret.h"

namespace assetfetch {

struct AzureToken {
  std::string access_token;
  std::optional<std::chrono::system_clock::time_point> expires;
};

// Tokens: fetched, shared and refreshed by RefreshingSecret.
class AzureTokenProvider : public RefreshingSecret<AzureToken, &AzureToken::expires> {};

// The resource (audience) tokens are asked for.
inline constexpr const char* kAzureStorageResource = "https://storage.azure.com/";

// GET <endpoint>?api-version=2019-08-01&resource=...[&client_id=...] with
// X-IDENTITY-HEADER: <secret> (App Service managed identity).
std::shared_ptr<AzureTokenProvider> make_app_service_identity_provider(std::string endpoint, std::string secret,
                                                                       std::string client_id);

// The instance metadata service's address; the Azure SDKs' override
// AZURE_POD_IDENTITY_AUTHORITY_HOST replaces it (aad-pod-identity, tests).
inline constexpr const char* kAzureImdsHost = "http://169.254.169.254";
// A machine outside Azure has no IMDS: the probe gives up after this long
// (the SDKs' probe: a 1-second connect, no retry).
inline constexpr std::chrono::seconds kImdsProbeConnectTimeout{1};

// GET <host>/metadata/identity/oauth2/token?api-version=2018-02-01&resource=...
// [&client_id=...] with "Metadata: true" (a VM's or scale set's identity).
// Before its first token it probes the host (probe_instance_metadata), so
// the probe costs nothing until a request to the store needs a token. A
// host that does not answer fails every fetch for kImdsAbsenceMemory
// without another probe, and is remembered under `cache_dir` for the next
// processes (imds_absence.h; empty: not remembered).
std::shared_ptr<AzureTokenProvider> make_instance_metadata_identity_provider(std::string host, std::string client_id,
                                                                             std::filesystem::path cache_dir);

// Whether an instance metadata service answers at `host`: "" when it does,
// else why not (no secret in it). A request without the Metadata header,
// which IMDS refuses with 400 and a JSON error ({"error": ...}); an answer
// whose body is not a JSON object is something else on the way (Docker
// Desktop's proxy answers 403 "... unreachable network"; a captive portal
// its page) and means no IMDS here.
std::string probe_instance_metadata(const std::string& host);

// POST <authority><tenant>/oauth2/v2.0/token, client credentials with the
// contents of `token_file` (read at each fetch) as the client assertion.
std::shared_ptr<AzureTokenProvider> make_workload_identity_provider(std::string authority, std::string tenant,
                                                                    std::string client_id, std::string token_file);

}  // namespace assetfetch
