// Parsing and formatting of digests ("sha256"/"sha512" + hex).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "assetfetch/types.h"

namespace assetfetch {

// Accepts upper- or lowercase hex of the right length; returns lowercase.
// Throws InputError naming `what` (e.g. "--sha256") on malformed input.
Digest parse_digest(HashAlgorithm algorithm, std::string_view hex, std::string_view what);
std::optional<HashAlgorithm> parse_algorithm(std::string_view name);
bool is_hex(std::string_view s);

}  // namespace assetfetch
