// S3 as a source: s3://BUCKET/KEY-TEMPLATE mapped onto an endpoint with
// path-style or virtual-hosted addressing; requests signed with libcurl's
// SigV4 (store_auth.h); write-back as one PUT up to a threshold (5 GiB, S3's
// limit) and a multipart upload above it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "transfer/upload_target.h"

namespace assetfetch {

inline constexpr std::uint64_t kS3DefaultSingleMax = 5ull << 30;  // S3's single PUT limit
inline constexpr std::uint64_t kS3DefaultPartSize = 64ull << 20;

struct S3Location {
  std::string bucket;
  std::string key;  // may hold {sha256}/{sha512}/{name}
};

// Splits "s3://bucket/key"; nullopt with `why` when it is not of that form.
std::optional<S3Location> parse_s3_url(const std::string& url, std::string* why);

// The HTTP(S) URL of `where` on `endpoint` ("https://host[:port][/base]"):
// path-style endpoint/bucket/key, or virtual-hosted scheme://bucket.host/key.
std::string s3_http_url(const S3Location& where, const std::string& endpoint, bool virtual_hosted);

// Uploads `body` to target.url. Returns "" on success, else a short reason
// from S3's XML error ("HTTP 403 SignatureDoesNotMatch: ...").
std::string upload_s3(const UploadBody& body, const UploadTarget& target);

}  // namespace assetfetch
