// Azure AD (Entra ID) access tokens for Blob storage from an identity
// service: App Service / Functions / Container Apps managed identity
// (IDENTITY_ENDPOINT + IDENTITY_HEADER) and workload identity (a federated
// token file exchanged at the tenant's token endpoint, as AKS and GitHub
// Actions OIDC set it up). Asked only when a request needs a token (never
// at config time), with the bounds of refreshing_secret.h, and
// again 5 minutes before the token expires. Requests carry it as
// "Authorization: Bearer"; storage accepts that over HTTPS only.
#pragma once

#include <chrono>
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

// POST <authority><tenant>/oauth2/v2.0/token, client credentials with the
// contents of `token_file` (read at each fetch) as the client assertion.
std::shared_ptr<AzureTokenProvider> make_workload_identity_provider(std::string authority, std::string tenant,
                                                                    std::string client_id, std::string token_file);

}  // namespace assetfetch
