// assetfetch — value types shared by the C++ API: digests, byte ranges,
// candidates (where bytes may come from) and errors.
//
// Thread safety: plain values; copy freely.
#pragma once

#include <cstdint>
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

// One place the bytes of a file may be fetched from (BITS' remote name).
struct Candidate {
  std::string url;
  CandidateKind kind = CandidateKind::origin;
  HeaderList headers;  // sent only to the exact origin of `url`
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
