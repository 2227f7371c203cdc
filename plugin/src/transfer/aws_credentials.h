// AWS credentials that come from a service and expire: web identity (STS
// AssumeRoleWithWebIdentity), container credentials (ECS/EKS endpoint) and
// instance metadata (IMDSv2). Each is asked only when a request needs
// credentials (never at config time), with short bounded timeouts, and asked
// again before what it gave expires (refreshing_secret.h). Static keys (the
// environment, a profile) need none of this: they sit in StoreAccess.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "transfer/refreshing_secret.h"

namespace assetfetch {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  std::optional<std::chrono::system_clock::time_point> expiration;
};

// Temporary credentials: fetched, shared and refreshed by RefreshingSecret.
class AwsCredentialProvider : public RefreshingSecret<AwsCredentials, &AwsCredentials::expiration> {};

// STS AssumeRoleWithWebIdentity at `sts_endpoint` ("https://sts.amazonaws.com"),
// the token read from `token_file` at each fetch (it is rotated on disk).
std::shared_ptr<AwsCredentialProvider> make_web_identity_provider(std::string token_file, std::string role_arn,
                                                                  std::string session_name,
                                                                  std::string sts_endpoint);

// GET `url` with an Authorization header from `auth_token`, else from the
// contents of `auth_token_file` (read at each fetch), else none.
std::shared_ptr<AwsCredentialProvider> make_container_provider(std::string url, std::string auth_token,
                                                               std::string auth_token_file);

// IMDSv2 at `endpoint` ("http://169.254.169.254"): a session token (PUT),
// the instance's role name, then its credentials.
std::shared_ptr<AwsCredentialProvider> make_imds_provider(std::string endpoint);

// Runs `command` (a profile's credential_process; platform/child_process_output.h) at each
// fetch and reads its JSON ({"Version": 1, "AccessKeyId", "SecretAccessKey",
// "SessionToken", "Expiration"}); `profile` names it in messages (the command
// itself is never printed: it may carry secrets). At most 30 s per run.
std::shared_ptr<AwsCredentialProvider> make_process_provider(std::string command, std::string profile);

// Parses "2026-12-06T17:30:00Z" (fractional seconds and an offset of Z or
// +00:00 accepted); nullopt otherwise.
std::optional<std::chrono::system_clock::time_point> parse_aws_time(const std::string& text);

// The string value of "key" in a flat JSON object ("" when absent).
std::string json_string_field(const std::string& json, const std::string& key);

}  // namespace assetfetch
