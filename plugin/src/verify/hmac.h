// HMAC-SHA256 (RFC 2104) over the engine's own SHA-256 (hasher.h), so it
// works wherever the hasher does (OpenSSL, Windows CNG): Azure Shared Key
// signs a SAS with it.
#pragma once

#include <string>
#include <string_view>

namespace assetfetch {

// The 32 raw bytes of HMAC-SHA256(key, message).
std::string hmac_sha256(std::string_view key, std::string_view message);

}  // namespace assetfetch
