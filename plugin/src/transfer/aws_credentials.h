// AWS credentials that come from a service and expire: web identity (STS
// AssumeRoleWithWebIdentity), container credentials (ECS/EKS endpoint) and
// instance metadata (IMDSv2). Each is asked only when a request needs
// credentials (never at config time), with short bounded timeouts, and asked
// again before what it gave expires (kAwsRefreshMargin). Static keys (the
// environment, a profile) need none of this: they sit in StoreAccess.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace assetfetch {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  std::optional<std::chrono::system_clock::time_point> expiration;
};

// Temporary credentials are fetched again when they expire within this much
// (the margin the SDKs use), so a request is never signed with keys that
// lapse while it runs.
inline constexpr std::chrono::minutes kAwsRefreshMargin{5};

// After a failed fetch, the next request asks again only after this long,
// so a dead endpoint costs one timeout per interval, not one per request.
inline constexpr std::chrono::seconds kAwsRetryAfterFailure{15};

// Thread-safe: one fetch at a time; callers wait for it and share its answer.
class AwsCredentialProvider {
 public:
  virtual ~AwsCredentialProvider() = default;

  // The current credentials, fetched when there are none or they expire
  // within kAwsRefreshMargin. nullopt with the reason in `why` (never a
  // secret) when the service gave none.
  std::optional<AwsCredentials> current(std::string* why = nullptr);

  // "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)", for messages.
  virtual std::string name() const = 0;

 protected:
  virtual std::optional<AwsCredentials> fetch(std::string& why) = 0;

 private:
  std::mutex mu_;
  std::optional<AwsCredentials> cached_;
  std::optional<std::chrono::steady_clock::time_point> failed_at_;
  std::string failure_;
};

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

// Runs `command` (a profile's credential_process) through the shell at each
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
