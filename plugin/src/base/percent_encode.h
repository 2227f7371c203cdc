// Percent-encoding of a URL query value (RFC 3986): every byte but the
// unreserved A-Z a-z 0-9 '-' '.' '_' '~' becomes %XX. Used for Azure block
// IDs (base64: '+', '/', '=') and by the tests' object-store emulator for SAS
// values, so both spell a value the same way.
#pragma once

#include <string>
#include <string_view>

namespace assetfetch {

std::string percent_encode(std::string_view value);

}  // namespace assetfetch
