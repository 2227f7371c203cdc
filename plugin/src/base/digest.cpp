#include "base/digest.h"

#include <cctype>

#include "base/input_error.h"

namespace assetfetch {

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

Digest parse_digest(HashAlgorithm algorithm, std::string_view hex, std::string_view what) {
  const std::size_t want = digest_hex_length(algorithm);
  if (hex.size() != want || !is_hex(hex)) {
    throw InputError(std::string(what) + ": '" + std::string(hex) + "' is not a " +
                     algorithm_name(algorithm) + " digest (expected " + std::to_string(want) +
                     " hex digits, got " + std::to_string(hex.size()) + ")");
  }
  Digest d{algorithm, std::string(hex)};
  for (char& c : d.hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return d;
}

std::optional<HashAlgorithm> parse_algorithm(std::string_view name) {
  if (name == "sha256") return HashAlgorithm::sha256;
  if (name == "sha512") return HashAlgorithm::sha512;
  return std::nullopt;
}

}  // namespace assetfetch
