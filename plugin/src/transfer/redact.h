// Redaction of credentials in URLs for every message, log and JSON event:
// userinfo, and signature-like query parameters (sig=, token=, SAS strings).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace assetfetch {

std::string redact_url(std::string_view url);
// Replaces every occurrence of each secret (configured header values) in text.
std::string redact_secrets(std::string text, const std::vector<std::string>& secrets);
// "scheme://host:port" with the default port made explicit, lowercased.
std::string url_origin(std::string_view url);
std::string url_scheme(std::string_view url);  // lowercased, "" if none

}  // namespace assetfetch
