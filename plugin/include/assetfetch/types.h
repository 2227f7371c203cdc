// assetfetch — value types shared by the C++ API: digests, byte ranges,
// candidates (where bytes may come from) and errors.
//
// Thread safety: plain values; copy freely.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace assetfetch {

enum class HashAlgorithm { sha256, sha512 };

// The identity of an asset (or of one range): algorithm + lowercase hex.
struct Digest {
  HashAlgorithm algorithm = HashAlgorithm::sha256;
  std::string hex;  // lowercase, 64 or 128 chars

  bool operator==(const Digest&) const = default;
};

const char* algorithm_name(HashAlgorithm a);  // "sha256" / "sha512"
std::size_t digest_hex_length(HashAlgorithm a);

// BITS' BG_LENGTH_TO_EOF.
inline constexpr std::uint64_t kLengthToEof = UINT64_MAX;

// BITS' BG_FILE_RANGE, plus an optional per-range digest.
struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = kLengthToEof;
  std::optional<Digest> digest;

  bool to_eof() const { return length == kLengthToEof; }
  bool operator==(const ByteRange&) const = default;
};

enum class Layout { concatenated, sparse };

// Where a candidate came from; decides order and whether offline may use it.
enum class CandidateKind { source, rewrite, origin, fallback_mirror };

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// What kind of server a candidate is: it decides how requests are signed and
// how write-back uploads (docs/mirrors.md, "Team caches on object storage").
enum class StoreKind { http, azure_blob, s3 };

class AwsCredentialProvider;  // temporary AWS credentials (src/transfer/aws_credentials.h)
class AzureTokenProvider;     // Azure AD tokens (src/transfer/azure_token.h)
class AzureSasProvider;       // an account SAS signed with a key (src/transfer/azure_sas.h)

// Per-candidate object-storage settings. Secrets here are never shown, put in
// job records or written under the cache directory.
struct StoreAccess {
  StoreKind kind = StoreKind::http;
  std::string s3_region;              // SigV4 scope
  std::string s3_access_key_id;
  std::string s3_secret_access_key;
  std::string s3_session_token;       // optional; sent as x-amz-security-token
  // Keys from a service (web identity, container, instance metadata), asked
  // when a request is signed and refreshed before they expire; the three
  // strings above are then empty. Shared by the copies of one source.
  std::shared_ptr<AwsCredentialProvider> s3_credentials;
  bool s3_unsigned = false;           // "credentials": "none" (a public bucket)
  // "kind": "gcs": Google Cloud Storage's XML API, spoken as S3 (SigV4 with an
  // HMAC key); creates are conditional on x-goog-if-generation-match: 0.
  bool s3_gcs = false;
  // Azure Blob: a bearer token from a managed or workload identity, asked
  // when a request is sent (none when the URL carries a SAS).
  std::shared_ptr<AzureTokenProvider> azure_token;
  // Azure Blob: an account SAS from an account key, appended to each
  // request's query and signed again before it expires.
  std::shared_ptr<AzureSasProvider> azure_sas;
  // Objects larger than this are uploaded in blocks (Azure Put Block) or parts
  // (S3 multipart) of block_size bytes. 0: the backend's default.
  std::uint64_t single_upload_max = 0;
  std::uint64_t block_size = 0;
};

// One place the bytes of a file may be fetched from (BITS' remote name).
struct Candidate {
  Candidate() = default;
  Candidate(std::string url_, CandidateKind kind_ = CandidateKind::origin, HeaderList headers_ = {},
            StoreAccess store_ = {})
      : url(std::move(url_)), kind(kind_), headers(std::move(headers_)), store(std::move(store_)) {}

  std::string url;
  CandidateKind kind = CandidateKind::origin;
  HeaderList headers;  // sent only to the exact origin of `url`
  StoreAccess store;   // like headers: used only for the exact origin of `url`
};

// Error classes; each maps to one CLI exit code (DESIGN.md).
enum class ErrorCode {
  ok = 0,
  internal = 1,
  bad_input = 2,
  hash_mismatch = 3,
  unavailable = 4,  // not found or unreachable on every candidate
  offline_miss = 5,
};

int exit_code_for(ErrorCode code);

}  // namespace assetfetch
