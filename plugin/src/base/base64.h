// Base64 (RFC 4648, with padding): Content-MD5 values and Azure block ids.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace assetfetch {

std::string base64(const unsigned char* data, std::size_t size);

// The bytes of base64 text (padding optional, no whitespace), or nullopt
// when it is not base64: an Azure account key.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace assetfetch
