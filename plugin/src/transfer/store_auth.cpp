#include "transfer/store_auth.h"

#include "transfer/aws_credentials.h"
#include "transfer/azure_sas.h"
#include "transfer/azure_token.h"
#include "transfer/curl_url.h"

namespace assetfetch {

curl_slist* apply_store_auth(CURL* easy, const StoreAccess& store, const std::string& url, curl_slist* headers) {
  const CurlApi& curl = curl_api();
  switch (store.kind) {
    case StoreKind::http:
      break;
    case StoreKind::azure_blob:
      headers = curl.slist_append(headers, (std::string("x-ms-version: ") + kAzureApiVersion).c_str());
      // Without a token the request goes anonymous: a private container
      // refuses it and the candidate fails over like any refused one.
      if (store.azure_token) {
        if (auto token = store.azure_token->current())
          headers = curl.slist_append(headers, ("Authorization: Bearer " + token->access_token).c_str());
      }
      if (store.azure_sas) {
        if (auto sas = store.azure_sas->current()) {
          const std::string signed_url = url + (url.find('?') == std::string::npos ? "?" : "&") + sas->query;
          curl.easy_setopt(easy, CURLOPT_URL, signed_url.c_str());
        }
      }
      break;
    case StoreKind::s3: {
      if (store.s3_unsigned) break;
      AwsCredentials keys{store.s3_access_key_id, store.s3_secret_access_key, store.s3_session_token, std::nullopt};
      if (store.s3_credentials) {
        // Without keys the request goes unsigned: the store refuses it
        // (403) and the candidate fails over like any refused one.
        auto current = store.s3_credentials->current();
        if (!current) break;
        keys = std::move(*current);
      }
      const std::string provider = "aws:amz:" + store.s3_region + ":s3";
      curl.easy_setopt(easy, CURLOPT_AWS_SIGV4, provider.c_str());
      curl.easy_setopt(easy, CURLOPT_USERNAME, keys.access_key_id.c_str());
      curl.easy_setopt(easy, CURLOPT_PASSWORD, keys.secret_access_key.c_str());
      // libcurl 7.88 signs no payload hash of its own; S3 requires the
      // header, and the body's integrity is the asset hash anyway.
      headers = curl.slist_append(headers, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
      if (!keys.session_token.empty())
        headers = curl.slist_append(headers, ("x-amz-security-token: " + keys.session_token).c_str());
      break;
    }
  }
  return headers;
}

const StoreAccess* store_for(const Candidate& c, const std::string& url) {
  // The origin as libcurl parses it, as for headers (worker/requests.h: headers_for).
  if (c.store.kind == StoreKind::http) return nullptr;
  const std::string origin = curl_origin(url);
  if (origin.empty() || origin != curl_origin(c.url)) return nullptr;
  return &c.store;
}

}  // namespace assetfetch
