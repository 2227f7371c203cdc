// Redaction of credentials for every message, log and JSON event: in URLs
// (redact_url, base/url.h: userinfo, and signature-like query parameters such
// as sig=, token=, SAS strings), and configured secrets in any text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/url.h"  // redact_url, url_scheme, url_origin: the one URL splitter

namespace assetfetch {

// Replaces every occurrence of each secret (configured header values) in text.
std::string redact_secrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace assetfetch
