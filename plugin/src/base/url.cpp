#include "base/url.h"

#include <cctype>

namespace assetfetch {
namespace {

bool is_scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

// Characters every URL parser reads the same way in a host name.
bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~';
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ipv6_char(char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A host whose last label is a number is an IPv4 address to libcurl, which
// reads "1", "0x7f.1" or "010.0.0.1" as other addresses: only the dotted
// quad "a.b.c.d" (each 0-255, no leading zero) reads the same everywhere.
bool numeric_host_is_plain(std::string_view host) {
  std::string_view last = host;
  if (!last.empty() && last.back() == '.') last.remove_suffix(1);
  if (const auto dot = last.rfind('.'); dot != std::string_view::npos) last.remove_prefix(dot + 1);
  const bool numeric = !last.empty() && (all_of(last, is_digit) || last.substr(0, 2) == "0x" || last.substr(0, 2) == "0X");
  if (!numeric) return true;
  int labels = 0;
  while (true) {
    const auto dot = host.find('.');
    const std::string_view label = host.substr(0, dot);
    if (label.empty() || label.size() > 3 || !all_of(label, is_digit) || (label.size() > 1 && label[0] == '0'))
      return false;
    if (std::stoi(std::string(label)) > 255) return false;
    ++labels;
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  return labels == 4;
}

// Splits "[userinfo@]host[:port]" into `u`.
void split_authority(UrlParts& u) {
  std::string_view hostport = u.authority;
  const auto at = hostport.rfind('@');
  // A '\\' (a '/' to WHATWG parsers), a control, space or non-ASCII byte
  // anywhere in the authority: parsers disagree on where the host is.
  bool plain = true;
  for (char c : u.authority)
    if (c == '\\' || static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) plain = false;
  if (at != std::string_view::npos) {
    u.userinfo = hostport.substr(0, at);
    hostport.remove_prefix(at + 1);
    // "u@v@host": parsers disagree on which '@' ends the userinfo.
    if (u.userinfo->find('@') != std::string_view::npos) plain = false;
  }
  std::string_view port;
  bool has_port = false;
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) {
      u.host = hostport;
      plain = false;
    } else {
      u.host = hostport.substr(0, close + 1);
      std::string_view after = hostport.substr(close + 1);
      if (!after.empty()) {
        if (after.front() != ':') plain = false;
        has_port = true;
        port = after.substr(1);
      }
      if (!all_of(u.host.substr(1, u.host.size() - 2), is_ipv6_char) || u.host.size() == 2) plain = false;
    }
  } else {
    const auto colon = hostport.find(':');
    u.host = hostport.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port = hostport.substr(colon + 1);
    }
    if (!all_of(u.host, is_host_char) || !numeric_host_is_plain(u.host)) plain = false;
  }
  // An empty port is no port (RFC 3986 3.2.3).
  if (has_port && !port.empty()) {
    u.port = port;
    if (port.size() > 5 || !all_of(port, is_digit)) plain = false;
  }
  u.plain_host = plain;
}

}  // namespace

std::optional<UrlParts> split_url(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0 || !all_of(url.substr(0, sep), is_scheme_char)) return std::nullopt;
  UrlParts u;
  u.scheme = lower(url.substr(0, sep));
  u.after_scheme = url.substr(sep + 3);
  std::string_view rest = u.after_scheme;
  const auto authority_end = rest.find_first_of("/?#");
  u.authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
    u.fragment = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
  }
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    u.query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  u.path = rest;
  split_authority(u);
  return u;
}

std::string url_scheme(std::string_view url) {
  auto u = split_url(url);
  return u ? u->scheme : std::string();
}

std::string url_origin(std::string_view url) {
  auto u = split_url(url);
  if (!u || !u->plain_host) return {};
  std::string origin = u->scheme + "://" + lower(u->host);
  if (u->port) origin += ":" + std::string(*u->port);
  else if (u->scheme == "https") origin += ":443";
  else if (u->scheme == "http") origin += ":80";
  return origin;
}

std::string_view url_without_query(std::string_view url) {
  return url.substr(0, url.find_first_of("?#"));
}

std::optional<std::string> url_problem(std::string_view url) {
  if (url.empty()) return "URL is empty; give an http://, https:// or file:// URL";
  if (url.size() > kMaxUrlLength)
    return "URL is " + std::to_string(url.size()) + " characters long; at most " + std::to_string(kMaxUrlLength) +
           " are allowed";
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return "URL contains a space or control character; percent-encode it (%20)";
  }
  const auto u = split_url(url);
  if (!u) return "URL has no scheme; write it as http://, https:// or file://...";
  if (u->scheme != "http" && u->scheme != "https" && u->scheme != "file")
    return "URL scheme \"" + u->scheme + "\" is not supported; use http, https or file";
  if (u->after_scheme.empty()) return "URL has nothing after \"" + u->scheme + "://\"";
  if (u->scheme != "file" && u->authority.empty()) return "URL has no host after \"" + u->scheme + "://\"";
  return std::nullopt;
}

}  // namespace assetfetch
