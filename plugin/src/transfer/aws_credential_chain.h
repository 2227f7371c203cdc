// Where an S3 source's credentials, region and endpoint come from when the
// config does not give them, in the order of the AWS SDKs' default chain
// (docs/mirrors.md, "Where S3 credentials come from"):
//   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
//   2. the shared files' profile (aws_profile.h): its keys, or its
//      web_identity_token_file + role_arn
//   3. AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (STS AssumeRoleWithWebIdentity)
//   4. AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI
//   5. IMDSv2, only when AWS_EC2_METADATA_SERVICE_ENDPOINT is set or the
//      source allows the link-local default; never with
//      AWS_EC2_METADATA_DISABLED=true
// Steps 1 and 2 are read here (files and variables); 3 to 5 become a
// provider that asks its service on the first signed request.
#pragma once

#include <memory>
#include <string>

#include "transfer/aws_credentials.h"

namespace assetfetch {

struct AwsChainOptions {
  bool allow_default_imds = false;  // "credentials": {"instance_metadata": true}
  std::string region;               // known so far (for the regional STS endpoint)
};

struct AwsChainResult {
  AwsCredentials keys;                              // steps 1-2 (access_key_id set)
  std::shared_ptr<AwsCredentialProvider> provider;  // steps 3-5
  std::string source;     // which step answered, for messages ("profile \"ci\"")
  std::string looked_at;  // when nothing answered: every place looked, and why each was passed by

  bool found() const { return provider != nullptr || !keys.access_key_id.empty(); }
};

AwsChainResult resolve_aws_credentials(const AwsChainOptions& options);

// The region: AWS_REGION, AWS_DEFAULT_REGION, then the profile's "region";
// "" when none says.
std::string aws_region_from_environment();

// The S3 endpoint: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS's
// regional endpoint https://s3.REGION.amazonaws.com.
std::string aws_s3_endpoint(const std::string& region);

}  // namespace assetfetch
