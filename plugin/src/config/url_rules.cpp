#include "config/url_rules.h"

#include <cctype>

namespace assetfetch::config_detail {

std::string scheme_of(std::string_view url) {
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return "";
  std::string scheme;
  for (char c : url.substr(0, sep)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return "";
    scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return scheme;
}

std::optional<std::string> url_problem(std::string_view url) {
  if (url.empty()) return "URL is empty; give an http://, https:// or file:// URL";
  if (url.size() > kMaxUrlLength)
    return "URL is " + std::to_string(url.size()) + " characters long; at most " +
           std::to_string(kMaxUrlLength) + " are allowed";
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return "URL contains a space or control character; percent-encode it (%20)";
  }
  const std::string scheme = scheme_of(url);
  if (scheme.empty()) return "URL has no scheme; write it as http://, https:// or file://...";
  if (scheme != "http" && scheme != "https" && scheme != "file")
    return "URL scheme \"" + scheme + "\" is not supported; use http, https or file";
  if (url.size() == scheme.size() + 3) return "URL has nothing after \"" + scheme + "://\"";
  if (scheme != "file" && std::string_view("/?#").find(url[scheme.size() + 3]) != std::string_view::npos)
    return "URL has no host after \"" + scheme + "://\"";
  return std::nullopt;
}

}  // namespace assetfetch::config_detail
