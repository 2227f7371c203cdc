// Base64 (RFC 4648, with padding): Content-MD5 values and Azure block ids.
#pragma once

#include <cstddef>
#include <string>

namespace assetfetch {

std::string base64(const unsigned char* data, std::size_t size);

}  // namespace assetfetch
