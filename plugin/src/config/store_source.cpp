#include "config/store_source.h"

#include <cstdlib>

#include "config/azure_key.h"
#include "config/env_expand.h"
#include "base/input_error.h"
#include "base/url.h"
#include "platform/environment.h"
#include "transfer/aws_credential_chain.h"
#include "transfer/azure_blob.h"
#include "transfer/s3_sigv4.h"

namespace assetfetch::config_detail {

namespace {

// An explicitly named credential: "credentials": {KEY: "${env:NAME}"} (or
// the value itself). An unset variable makes the store unusable (skipped
// with a warning), not the config malformed. Values are never echoed.
std::optional<std::string> named_credential(const JsonNode& credentials, const char* key, std::string& missing) {
  if (!credentials.has(key)) return std::nullopt;
  const JsonNode at = credentials.child(key);
  const EnvExpansion expanded = expand_env(at.non_empty_string());
  if (expanded.problem) at.fail(*expanded.problem);
  if (!expanded.missing.empty() && missing.empty())
    missing = "environment variable " + expanded.missing.front() + " (\"credentials\": \"" + key + "\") is not set";
  return expanded.value;
}

constexpr const char* kAccessKeyObject =
    "an object such as {\"access_key_id\": \"${env:NAME}\", \"secret_access_key\": \"${env:NAME}\"}";

// "credentials" as a string: true for "none" (unsigned or anonymous
// requests); any other string fails, naming both forms. False for anything
// else (the object the caller reads).
bool credentials_are_none(const JsonNode& c, const char* none_means, const char* object_form) {
  if (!c.value().is_string()) return false;
  if (c.string() != "none")
    c.fail("\"" + c.string() + "\" is not a credentials mode; use \"none\" (" + none_means + ") or " + object_form);
  return true;
}

// The opening S3 and GCS stores share: "credentials" absent (nullopt),
// "none" (unsigned requests: `store.s3_unsigned`, nullopt), else the object,
// checked to hold only `keys`.
std::optional<JsonNode> key_credentials_object(const JsonNode& node, StoreAccess& store,
                                               std::initializer_list<const char*> keys, Diagnostics& d) {
  if (!node.has("credentials")) return std::nullopt;
  const JsonNode c = node.child("credentials");
  if (credentials_are_none(c, "a public bucket, unsigned", kAccessKeyObject)) {
    store.s3_unsigned = true;
    return std::nullopt;
  }
  c.object();
  c.only_keys(keys, d);
  return c;
}

// The named key pair of a credentials object (and its session token when
// `with_token`); `missing` names the first unset ${env:NAME}.
struct NamedKeyPair {
  std::optional<std::string> id, secret, token;
  std::string missing;
};
NamedKeyPair named_key_pair(const JsonNode& c, bool with_token) {
  NamedKeyPair k;
  k.id = named_credential(c, "access_key_id", k.missing);
  k.secret = named_credential(c, "secret_access_key", k.missing);
  if (with_token) k.token = named_credential(c, "session_token", k.missing);
  return k;
}

// "credentials": absent (the AWS chain), "none" (unsigned requests),
// {"access_key_id", "secret_access_key", "session_token"} (named keys), or
// {"instance_metadata": true} (the chain, IMDS at its link-local default
// allowed). Sets `unusable` when no credentials are found.
void parse_s3_credentials(const JsonNode& node, SourceSpec& source, Diagnostics& d,
                          std::optional<std::string>& unusable) {
  StoreAccess& store = source.store;
  AwsChainOptions chain;
  chain.region = store.s3_region;
  const auto c = key_credentials_object(
      node, store, {"access_key_id", "secret_access_key", "session_token", "instance_metadata"}, d);
  if (store.s3_unsigned) return;
  if (c) {
    if (c->has("instance_metadata")) chain.allow_default_imds = c->child("instance_metadata").boolean();
    const NamedKeyPair k = named_key_pair(*c, true);
    if (k.id || k.secret || k.token) {
      if (!k.id || !k.secret)
        c->fail("give both \"access_key_id\" and \"secret_access_key\" (or neither, for the AWS credential chain)");
      if (!k.missing.empty()) {
        unusable = k.missing + "; export it or remove \"credentials\" to use the AWS credential chain";
        return;
      }
      store.s3_access_key_id = *k.id;
      store.s3_secret_access_key = *k.secret;
      store.s3_session_token = k.token.value_or("");
      return;
    }
  }
  AwsChainResult found = resolve_aws_credentials(chain);
  if (!found.found()) {
    unusable = "no AWS credentials found (looked at: " + found.looked_at +
                      "); export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, set AWS_PROFILE, or give "
                      "\"credentials\" (\"none\" for a public bucket)";
    return;
  }
  store.s3_access_key_id = found.keys.access_key_id;
  store.s3_secret_access_key = found.keys.secret_access_key;
  store.s3_session_token = found.keys.session_token;
  store.s3_credentials = found.provider;
}

void parse_upload(const JsonNode& node, StoreKind kind, StoreAccess& store, Diagnostics& d) {
  const bool s3 = kind == StoreKind::s3;
  node.object();
  node.only_keys({"single_max_bytes", s3 ? "part_bytes" : "block_bytes"}, d);
  if (node.has("single_max_bytes"))
    store.single_upload_max = node.child("single_max_bytes").integer(1, s3 ? kS3DefaultSingleMax : 5000ull << 20);
  const char* size_key = s3 ? "part_bytes" : "block_bytes";
  if (node.has(size_key))
    store.block_size = node.child(size_key).integer(1, s3 ? kS3DefaultSingleMax : kAzureMaxBlock);
}

// The HTTP(S) URL template of `where` on the endpoint `base` (the source's
// "endpoint" when `endpoint_given`, else a default named in `default_from`),
// with the source's "addressing".
std::string object_store_url(const JsonNode& node, const S3Location& where, const std::string& base, bool endpoint_given,
                             const std::string& default_from) {
  auto endpoint_fail = [&](const std::string& message) {
    if (endpoint_given) node.child("endpoint").fail(message);
    node.fail("the endpoint from " + default_from + ": " + message);
  };
  const auto parts = split_url(base);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https"))
    endpoint_fail("the endpoint must be an http:// or https:// URL");
  if (parts->userinfo || parts->query || parts->fragment)
    endpoint_fail("the endpoint is scheme://host[:port] with no query, fragment or credentials");
  bool virtual_hosted = false;
  if (node.has("addressing")) {
    const JsonNode addressing = node.child("addressing");
    const std::string a = addressing.string();
    if (a == "virtual") virtual_hosted = true;
    else if (a != "path") addressing.fail("\"" + a + "\" is not an addressing style; use \"path\" or \"virtual\"");
  }
  const std::string url = s3_http_url(where, base, virtual_hosted);
  if (url.empty()) endpoint_fail("libcurl cannot read this endpoint as scheme://host[:port]");
  return url;
}

void parse_s3(const JsonNode& node, SourceSpec& source, Diagnostics& d, std::optional<std::string>& unusable) {
  StoreAccess& store = source.store;
  std::string why;
  const JsonNode url = node.child("url");
  const auto where = parse_s3_url(url.non_empty_string(), &why);
  if (!where) url.fail(why);
  // Region and endpoint: the source's keys, else the environment and the
  // profile as the AWS SDKs read them (aws_credential_chain.h).
  store.s3_region = node.has("region") ? node.child("region").non_empty_string() : aws_region_from_environment();
  if (store.s3_region.empty())
    node.fail("missing \"region\" for kind \"s3\" (the SigV4 scope, e.g. \"us-east-1\"); add it, or set AWS_REGION "
              "or a region in the AWS profile");
  const bool endpoint_given = node.has("endpoint");
  const std::string base =
      endpoint_given ? node.child("endpoint").non_empty_string() : aws_s3_endpoint(store.s3_region);
  const std::string http_url = object_store_url(node, *where, base, endpoint_given, "AWS_ENDPOINT_URL_S3/AWS_ENDPOINT_URL");
  parse_s3_credentials(node, source, d, unusable);
  source.url_template = http_url;
}

// A GCS HMAC key from the environment, under assetfetch's own names (Google
// defines none for HMAC keys).
constexpr const char* kGcsIdVar = "GOOGLE_HMAC_ACCESS_ID";
constexpr const char* kGcsSecretVar = "GOOGLE_HMAC_SECRET";

std::string env_or_empty(const char* name) {
  return platform::environment_value(name).value_or("");
}

// "credentials": "none" (unsigned, a public bucket), {"access_key_id",
// "secret_access_key"} (an HMAC key, e.g. "${env:NAME}"), else the two
// GOOGLE_HMAC_* variables. The AWS chain (AWS_* variables, profiles, web
// identity, container, instance metadata) is never asked for a GCS store.
void parse_gcs_credentials(const JsonNode& node, StoreAccess& store, Diagnostics& d,
                           std::optional<std::string>& unusable) {
  const auto c = key_credentials_object(node, store, {"access_key_id", "secret_access_key"}, d);
  if (store.s3_unsigned) return;
  if (c) {
    const NamedKeyPair k = named_key_pair(*c, false);
    if (!k.id || !k.secret)
      c->fail("give both \"access_key_id\" and \"secret_access_key\" (the GCS HMAC key), or remove \"credentials\" "
              "to use GOOGLE_HMAC_ACCESS_ID and GOOGLE_HMAC_SECRET");
    if (!k.missing.empty()) {
      unusable = k.missing + "; export it, or remove \"credentials\" to use GOOGLE_HMAC_ACCESS_ID and GOOGLE_HMAC_SECRET";
      return;
    }
    store.s3_access_key_id = *k.id;
    store.s3_secret_access_key = *k.secret;
    return;
  }
  const std::string id = env_or_empty(kGcsIdVar);
  const std::string secret = env_or_empty(kGcsSecretVar);
  if (id.empty() || secret.empty()) {
    const std::string unset = id.empty() && secret.empty() ? std::string(kGcsIdVar) + " and " + kGcsSecretVar
                                                           : std::string(id.empty() ? kGcsIdVar : kGcsSecretVar);
    unusable = "no GCS HMAC key found (looked at: \"credentials\", " + std::string(kGcsIdVar) + ", " + kGcsSecretVar +
               "; " + unset + (id.empty() && secret.empty() ? " are" : " is") +
               " not set; AWS_* variables and profiles are not used for kind \"gcs\"); export " + kGcsIdVar +
               " and " + kGcsSecretVar + " (a service account's HMAC key), or give \"credentials\" (\"none\" for a "
               "public bucket)";
    return;
  }
  store.s3_access_key_id = id;
  store.s3_secret_access_key = secret;
}

// Google Cloud Storage through its XML API, which accepts SigV4
// (AWS4-HMAC-SHA256) signed with an HMAC key and the region "auto":
// gs://BUCKET/KEY on https://storage.googleapis.com, path-style.
void parse_gcs(const JsonNode& node, SourceSpec& source, Diagnostics& d, std::optional<std::string>& unusable) {
  StoreAccess& store = source.store;
  store.s3_gcs = true;
  std::string why;
  const JsonNode url = node.child("url");
  const auto where = parse_s3_url(url.non_empty_string(), &why, "gs");
  if (!where) url.fail(why);
  store.s3_region = node.has("region") ? node.child("region").non_empty_string() : "auto";
  const bool endpoint_given = node.has("endpoint");
  const std::string base = endpoint_given ? node.child("endpoint").non_empty_string() : kGcsEndpoint;
  const std::string http_url = object_store_url(node, *where, base, endpoint_given, "the default");
  parse_gcs_credentials(node, store, d, unusable);
  source.url_template = http_url;
}

// "?${env:AZ_SAS}" (or any ${env:NAME} in the query): the SAS from the
// environment, so it stays out of the file. An unset variable makes the
// store unusable (skipped with a warning).
void expand_sas(const JsonNode& node, SourceSpec& source, std::optional<std::string>& unusable) {
  const auto query = source.url_template.find('?');
  if (query == std::string::npos || source.url_template.find("${", query) == std::string::npos) return;
  const EnvExpansion expanded = expand_env(std::string_view(source.url_template).substr(query + 1));
  if (expanded.problem) node.child("url").fail(*expanded.problem);
  if (!expanded.missing.empty())
    unusable = "environment variable " + expanded.missing.front() +
                      " (the SAS in the url's query) is not set; export it with the SAS (sv=...&sig=...)";
  std::string sas = expanded.value;
  if (!sas.empty() && sas.front() == '?') sas.erase(0, 1);  // AZ_SAS="?sv=..." as the portal copies it
  source.url_template = source.url_template.substr(0, query + 1) + sas;
}

// An Azure source whose URL carries no SAS: "credentials": "none" (anonymous,
// a public container), {"account_key": "${env:NAME}"[, "account_name": ...]},
// else the environment (azure_key.h). A key signs account SASes at request
// time (StoreAccess::azure_sas). Else a workload or managed identity's bearer
// token. Nothing found: the store is unusable (skipped with a warning).
void azure_credentials(const JsonNode& node, SourceSpec& source, Diagnostics& d, std::optional<std::string>& unusable,
                       const ConfigLoadOptions& opts) {
  const std::chrono::seconds sas_lifetime = opts.azure_sas_lifetime;
  const bool has_query = source.url_template.find('?') != std::string::npos;
  std::string account = azure_account_of(source.url_template);
  if (node.has("credentials")) {
    const JsonNode c = node.child("credentials");
    if (credentials_are_none(c, "anonymous", "{\"account_key\": \"${env:NAME}\"}")) return;
    c.object();
    c.only_keys({"account_key", "account_name"}, d);
    if (has_query) c.fail("the url has a SAS already; give either the SAS or \"credentials\"");
    if (c.has("account_name")) account = c.child("account_name").non_empty_string();
    std::string missing;
    const auto key = named_credential(c, "account_key", missing);
    if (!key) c.fail("give \"account_key\" (e.g. \"${env:AZURE_STORAGE_KEY}\"), or \"none\"");
    if (!missing.empty()) {
      unusable = missing + "; export it, or remove \"credentials\" to use the environment";
      return;
    }
    if (account.empty())
      c.fail("the url does not name the storage account (ACCOUNT.blob.core.windows.net); add \"account_name\"");
    source.store.azure_sas = azure_account_sas_signer(account, *key, c.child("account_key").place(), sas_lifetime);
    if (!source.store.azure_sas)
      c.child("account_key").fail("the account key is not base64; copy it from the portal's Access keys");
    return;
  }
  if (has_query) return;
  const AzureKeyLookup found = azure_key_from_environment(account, sas_lifetime);
  if (!found.problem.empty()) {
    unusable = found.problem;
    return;
  }
  if (found.signer) {
    source.store.azure_sas = found.signer;
    return;
  }
  if (found.sas) {
    source.url_template += "?" + *found.sas;
    return;
  }
  std::string identities;
  source.store.azure_token = azure_identity_from_environment(identities, opts.cache_dir.value_or(std::filesystem::path()));
  if (!source.store.azure_token)
    unusable = "no Azure credentials found (looked at: " + found.looked_at + ", " + identities +
               "); put a SAS in the url's query (?${env:AZ_SAS}), export AZURE_STORAGE_CONNECTION_STRING, or give "
               "\"credentials\" (\"none\" for a public container)";
}

}  // namespace

std::optional<std::string> azure_sas_problem(const std::string& url_template) {
  const std::string_view path = url_without_query(url_template);
  for (const char* marker : {"sig=", "sv=", "se=", "sp="}) {
    if (path.find(marker) != std::string::npos)
      return std::string("the SAS (\"") + marker +
             "...\") is in the path; put it after '?' at the end: https://ACCOUNT.blob.core.windows.net/CONTAINER/{sha512}?sv=...";
  }
  const auto parts = split_url(url_template);
  if (parts && parts->query && parts->query->find('{') != std::string_view::npos)
    return "a placeholder is in the query; the blob name ({sha512}) goes in the path, the SAS after '?'";
  return std::nullopt;
}

bool parse_store_keys(const JsonNode& node, SourceSpec& source, Diagnostics& d, std::optional<std::string>& unusable,
                      const ConfigLoadOptions& opts) {
  bool kind_ok = true;
  if (node.has("kind")) {
    kind_ok = d.attempt([&] {
      const JsonNode kind = node.child("kind");
      const std::string k = kind.string();
      if (k == "http") source.store.kind = StoreKind::http;
      else if (k == "azure-blob") source.store.kind = StoreKind::azure_blob;
      else if (k == "s3") source.store.kind = StoreKind::s3;
      else if (k == "gcs") source.store.kind = StoreKind::s3, source.store.s3_gcs = true;  // S3's protocol
      else kind.fail("\"" + k + "\" is not a source kind; use \"http\" (default), \"azure-blob\", \"s3\" or \"gcs\"");
    });
  }
  if (!kind_ok) return false;  // the other keys cannot be judged without it
  const StoreKind kind = source.store.kind;
  for (const char* key : {"endpoint", "region", "addressing", "credentials"}) {
    if (kind != StoreKind::s3 && node.has(key) && !(kind == StoreKind::azure_blob && std::string_view(key) == "credentials"))
      d.attempt([&] { node.child(key).fail(std::string("\"") + key + "\" is only for \"kind\": \"s3\" or \"gcs\""); });
  }
  if (node.has("upload")) {
    d.attempt([&] {
      if (kind == StoreKind::http)
        node.child("upload").fail("\"upload\" is only for \"kind\": \"azure-blob\", \"s3\" or \"gcs\"");
      parse_upload(node.child("upload"), kind, source.store, d);
    });
  }
  if (kind == StoreKind::azure_blob && node.has("url"))
    return d.attempt([&] {
      expand_sas(node, source, unusable);
      if (!unusable) azure_credentials(node, source, d, unusable, opts);
    });
  if (kind != StoreKind::s3) return true;
  if (!node.has("url")) return false;  // the caller reports the missing url
  const bool gcs = source.store.s3_gcs;
  return d.attempt([&] { gcs ? parse_gcs(node, source, d, unusable) : parse_s3(node, source, d, unusable); });
}

}  // namespace assetfetch::config_detail
