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

// Splits "s3://bucket/key" ("gs://bucket/key" with scheme "gs"); nullopt
// with `why` when it is not of that form.
std::optional<S3Location> parse_s3_url(const std::string& url, std::string* why, const std::string& scheme = "s3");

// Google Cloud Storage's XML API, the endpoint of "kind": "gcs".
inline constexpr const char* kGcsEndpoint = "https://storage.googleapis.com";

// The key as SigV4's canonical URI wants each path segment: unreserved
// characters (A-Z a-z 0-9 - _ . ~) as they are, every other byte %XX in upper
// case; '/' separates segments and {placeholders} are kept. libcurl 7.88
// signs the path as written and sends it unchanged when it holds no byte it
// would escape itself (lower-case), so the signed and the sent bytes agree.
// The s3:// URL names the key literally (as the AWS CLI does): "%" is a
// character of the key, sent as %25.
std::string s3_encode_key(const std::string& key);

// The HTTP(S) URL of `where` on `endpoint` ("https://host[:port][/base]"):
// path-style endpoint/bucket/key, or virtual-hosted scheme://bucket.host/key,
// the key encoded by s3_encode_key.
std::string s3_http_url(const S3Location& where, const std::string& endpoint, bool virtual_hosted);

// Uploads `body` to target.url unless a HEAD finds an object of that size
// there (content-addressed: the same name is the same bytes); creates with
// If-None-Match: * (GCS: x-goog-if-generation-match: 0, the create-only
// precondition its XML API documents for writes), so a 412 (another writer
// was first) is success too.
// Returns "" on success (`note` says whether anything was written), else
// a short reason from S3's XML error ("HTTP 403 SignatureDoesNotMatch: ...").
std::string upload_s3(const UploadBody& body, const UploadTarget& target, UploadNote* note = nullptr);

}  // namespace assetfetch
