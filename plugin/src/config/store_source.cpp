#include "config/store_source.h"

#include "config/env_expand.h"
#include "base/input_error.h"
#include "base/url.h"
#include "transfer/azure_blob.h"
#include "transfer/s3_sigv4.h"

namespace assetfetch::config_detail {

namespace {

// A credential: "credentials": {KEY: "${env:NAME}"}, or the AWS_* variable
// when the key is not given. A variable that is unset is an error even in
// `check` (a store with no key cannot be used at all). Values are never echoed.
std::string credential(const JsonNode& source, const char* key, const char* env, bool required) {
  const bool given = source.has("credentials") && source.child("credentials").has(key);
  const std::string raw =
      given ? source.child("credentials").child(key).non_empty_string() : std::string("${env:") + env + "}";
  const EnvExpansion expanded = expand_env(raw);
  const JsonNode at = given ? source.child("credentials").child(key) : source;
  const std::string where = given ? "" : std::string("credentials/") + key + ": ";
  if (expanded.problem) at.fail(where + *expanded.problem);
  if (expanded.missing.empty()) return expanded.value;
  if (!required && !given) return {};
  at.fail(where + "environment variable " + expanded.missing.front() + " is not set; export it (the S3 " + key +
          ") or name another variable in \"credentials\": {\"" + key + "\": \"${env:NAME}\"}");
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

void parse_s3(const JsonNode& node, SourceSpec& source, Diagnostics& d) {
  StoreAccess& store = source.store;
  std::string why;
  const JsonNode url = node.child("url");
  const auto where = parse_s3_url(url.non_empty_string(), &why);
  if (!where) url.fail(why);
  if (!node.has("endpoint"))
    node.fail("missing \"endpoint\" for kind \"s3\"; add e.g. \"endpoint\": \"https://s3.eu-west-1.amazonaws.com\"");
  const JsonNode endpoint = node.child("endpoint");
  const std::string base = endpoint.non_empty_string();
  const auto parts = split_url(base);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https"))
    endpoint.fail("the endpoint must be an http:// or https:// URL");
  if (parts->userinfo || parts->query || parts->fragment)
    endpoint.fail("the endpoint is scheme://host[:port] with no query, fragment or credentials");
  if (!node.has("region")) node.fail("missing \"region\" for kind \"s3\" (the SigV4 scope, e.g. \"us-east-1\")");
  store.s3_region = node.child("region").non_empty_string();
  bool virtual_hosted = false;
  if (node.has("addressing")) {
    const JsonNode addressing = node.child("addressing");
    const std::string a = addressing.string();
    if (a == "virtual") virtual_hosted = true;
    else if (a != "path") addressing.fail("\"" + a + "\" is not an addressing style; use \"path\" or \"virtual\"");
  }
  if (node.has("credentials")) {
    node.child("credentials").object();
    node.child("credentials").only_keys({"access_key_id", "secret_access_key", "session_token"}, d);
  }
  store.s3_access_key_id = credential(node, "access_key_id", "AWS_ACCESS_KEY_ID", true);
  store.s3_secret_access_key = credential(node, "secret_access_key", "AWS_SECRET_ACCESS_KEY", true);
  store.s3_session_token = credential(node, "session_token", "AWS_SESSION_TOKEN", false);
  source.url_template = s3_http_url(*where, base, virtual_hosted);
  if (source.url_template.empty()) endpoint.fail("libcurl cannot read this endpoint as scheme://host[:port]");
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

bool parse_store_keys(const JsonNode& node, SourceSpec& source, Diagnostics& d) {
  bool kind_ok = true;
  if (node.has("kind")) {
    kind_ok = d.attempt([&] {
      const JsonNode kind = node.child("kind");
      const std::string k = kind.string();
      if (k == "http") source.store.kind = StoreKind::http;
      else if (k == "azure-blob") source.store.kind = StoreKind::azure_blob;
      else if (k == "s3") source.store.kind = StoreKind::s3;
      else kind.fail("\"" + k + "\" is not a source kind; use \"http\" (default), \"azure-blob\" or \"s3\"");
    });
  }
  if (!kind_ok) return false;  // the other keys cannot be judged without it
  const StoreKind kind = source.store.kind;
  for (const char* key : {"endpoint", "region", "addressing", "credentials"}) {
    if (kind != StoreKind::s3 && node.has(key))
      d.attempt([&] { node.child(key).fail(std::string("\"") + key + "\" is only for \"kind\": \"s3\""); });
  }
  if (node.has("upload")) {
    d.attempt([&] {
      if (kind == StoreKind::http) node.child("upload").fail("\"upload\" is only for \"kind\": \"azure-blob\" or \"s3\"");
      parse_upload(node.child("upload"), kind, source.store, d);
    });
  }
  if (kind != StoreKind::s3) return true;
  if (!node.has("url")) return false;  // the caller reports the missing url
  return d.attempt([&] { parse_s3(node, source, d); });
}

}  // namespace assetfetch::config_detail
