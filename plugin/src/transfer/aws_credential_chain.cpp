#include "transfer/aws_credential_chain.h"

#include <algorithm>
#include <cstdlib>

#include "transfer/aws_profile.h"
#include "transfer/curl_url.h"

namespace assetfetch {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string sts_endpoint(const std::string& region) {
  for (const char* name : {"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"})
    if (!aws_env(name).empty()) return aws_env(name);
  return region.empty() ? "https://sts.amazonaws.com" : "https://sts." + region + ".amazonaws.com";
}

std::string session_name() {
  const std::string given = aws_env("AWS_ROLE_SESSION_NAME");
  return given.empty() ? "assetfetch" : given;
}

// The container endpoint may be plain http only on this machine or on the
// addresses ECS and EKS use (the SDKs' rule): a credential answer must not
// cross a network in clear.
bool container_host_allowed(const std::string& url) {
  const std::string scheme = url.substr(0, url.find("://"));
  if (lower(scheme) == "https") return true;
  if (lower(scheme) != "http") return false;
  const std::string host = curl_host(url);
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]" || host == "::1" ||
         host == "169.254.170.2" || host == "169.254.170.23" || host == "[fd00:ec2::23]" || host == "fd00:ec2::23";
}

}  // namespace

std::string aws_region_from_environment() {
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"})
    if (!aws_env(name).empty()) return aws_env(name);
  return read_aws_profile().value("region");
}

std::string aws_s3_endpoint(const std::string& region) {
  for (const char* name : {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"})
    if (!aws_env(name).empty()) return aws_env(name);
  return region.empty() ? std::string() : "https://s3." + region + ".amazonaws.com";
}

AwsChainResult resolve_aws_credentials(const AwsChainOptions& options) {
  AwsChainResult out;
  std::string& looked = out.looked_at;
  // 1. The environment.
  const std::string id = aws_env("AWS_ACCESS_KEY_ID"), secret = aws_env("AWS_SECRET_ACCESS_KEY");
  if (!id.empty() && !secret.empty()) {
    out.keys = {id, secret, aws_env("AWS_SESSION_TOKEN"), std::nullopt};
    out.source = "AWS_ACCESS_KEY_ID";
    return out;
  }
  looked = "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (" + std::string(id.empty() ? "unset" : "no secret") + ")";
  // 2. The shared files.
  const AwsProfile profile = read_aws_profile();
  const std::string where = "profile \"" + profile.name + "\" in " + profile.credentials_file + " and " +
                            profile.config_file;
  if (!profile.value("aws_access_key_id").empty() && !profile.value("aws_secret_access_key").empty()) {
    out.keys = {profile.value("aws_access_key_id"), profile.value("aws_secret_access_key"),
                profile.value("aws_session_token"), std::nullopt};
    out.source = "profile \"" + profile.name + "\"";
    return out;
  }
  // 2b. The profile's credential_process (the SDKs' order: after static keys,
  // before web identity). Run when a request is signed, again before Expiration.
  if (!profile.value("credential_process").empty()) {
    out.provider = make_process_provider(profile.value("credential_process"), profile.name);
    out.source = "profile \"" + profile.name + "\" (credential_process)";
    return out;
  }
  if (!profile.value("web_identity_token_file").empty() && !profile.value("role_arn").empty()) {
    const std::string session = profile.value("role_session_name");
    out.provider = make_web_identity_provider(profile.value("web_identity_token_file"), profile.value("role_arn"),
                                              session.empty() ? session_name() : session,
                                              sts_endpoint(options.region));
    out.source = "profile \"" + profile.name + "\" (web identity)";
    return out;
  }
  if (!profile.found) looked += "; " + where + " (no such profile)";
  else if (!profile.value("role_arn").empty())
    looked += "; " + where + " (role_arn with source_profile is not supported)";
  else looked += "; " + where + " (no aws_access_key_id)";
  // 3. Web identity from the environment (GitHub Actions OIDC, EKS IRSA).
  const std::string token_file = aws_env("AWS_WEB_IDENTITY_TOKEN_FILE"), role = aws_env("AWS_ROLE_ARN");
  if (!token_file.empty() && !role.empty()) {
    out.provider = make_web_identity_provider(token_file, role, session_name(), sts_endpoint(options.region));
    out.source = "AWS_WEB_IDENTITY_TOKEN_FILE";
    return out;
  }
  looked += "; AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN (unset)";
  // 4. Container credentials (ECS tasks, EKS Pod Identity).
  std::string container = aws_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  if (!container.empty()) container = "http://169.254.170.2" + container;
  else container = aws_env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (!container.empty()) {
    if (container_host_allowed(container)) {
      out.provider = make_container_provider(container, aws_env("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
                                             aws_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
      out.source = "AWS_CONTAINER_CREDENTIALS_*_URI";
      return out;
    }
    looked += "; AWS_CONTAINER_CREDENTIALS_FULL_URI (plain http to a host that is neither loopback nor the "
              "ECS/EKS address: refused)";
  } else {
    looked += "; AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI (unset)";
  }
  // 5. Instance metadata: a machine without it must never wait for it, so
  // the link-local default is asked only when the source allows it.
  if (lower(aws_env("AWS_EC2_METADATA_DISABLED")) == "true") {
    looked += "; instance metadata (AWS_EC2_METADATA_DISABLED=true)";
    return out;
  }
  std::string imds = aws_env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (imds.empty()) imds = profile.value("ec2_metadata_service_endpoint");
  if (imds.empty() && options.allow_default_imds) imds = "http://169.254.169.254";
  if (!imds.empty()) {
    out.provider = make_imds_provider(imds);
    out.source = "instance metadata";
    return out;
  }
  looked += "; instance metadata (not asked: set AWS_EC2_METADATA_SERVICE_ENDPOINT or \"credentials\": "
            "{\"instance_metadata\": true})";
  return out;
}

}  // namespace assetfetch
