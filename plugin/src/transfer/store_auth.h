// How a request to an object store is authorised, on top of the configured
// headers: S3 is signed with libcurl's SigV4 (CURLOPT_AWS_SIGV4), Azure Blob
// carries x-ms-version and a bearer token or an account SAS (a SAS written
// in the URL is sent as given).
#pragma once

#include "transfer/curl_api.h"

#include <string>

#include "assetfetch/types.h"

namespace assetfetch {

// The REST version every Azure request names (Put Blob, Put Block, Get Blob).
inline constexpr const char* kAzureApiVersion = "2021-08-06";

// Sets the signing options on `easy` and appends the store's headers to
// `headers` (returned). `url` is the one CURLOPT_URL was set to: an Azure
// store signed with an account key sets it again with the current SAS
// appended to its query. libcurl copies string options, so temporaries are
// fine.
curl_slist* apply_store_auth(CURL* easy, const StoreAccess& store, const std::string& url, curl_slist* headers);

// The store settings of `c` for a request to `url`: like headers, only for
// the exact origin they were configured for (never for a redirect target).
const StoreAccess* store_for(const Candidate& c, const std::string& url);

}  // namespace assetfetch
