// Redaction of credentials in URLs for every message, log and JSON event:
// userinfo, and signature-like query parameters (sig=, token=, SAS strings).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/url.h"  // url_scheme, url_origin: the one URL splitter

namespace assetfetch {

std::string redact_url(std::string_view url);
// Replaces every occurrence of each secret (configured header values) in text.
std::string redact_secrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace assetfetch
