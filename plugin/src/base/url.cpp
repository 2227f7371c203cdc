#include "base/url.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "base/input_error.h"

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

// Query parameters whose values are credentials (SAS signatures, tokens, keys).
bool is_secret_param(std::string_view name) {
  static const std::array<std::string_view, 11> names = {
      "sig", "signature", "token", "access_token", "auth", "key", "password", "sas",
      "x-amz-signature", "x-amz-credential", "x-amz-security-token"};
  std::string n = lower(name);
  return std::find(names.begin(), names.end(), n) != names.end();
}

// "k=v&k2=v2" with the values of secret parameters replaced.
std::string redact_params(std::string_view query) {
  std::string out;
  bool first = true;
  while (true) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    if (!first) out += '&';
    first = false;
    auto eq = part.find('=');
    if (eq != std::string_view::npos && is_secret_param(part.substr(0, eq)))
      out += std::string(part.substr(0, eq)) + "=REDACTED";
    else
      out += std::string(part);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

// The text up to its first '?', then the parameters after it redacted.
std::string redact_after_question_mark(std::string_view text) {
  const auto q = text.find('?');
  if (q == std::string_view::npos) return std::string(text);
  return std::string(text.substr(0, q + 1)) + redact_params(text.substr(q + 1));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}


// Splits `url` at the "://" at `sep`, whatever comes before it.
UrlParts split_at(std::string_view url, std::size_t sep) {
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

}  // namespace

std::optional<UrlParts> split_url(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0 || !all_of(url.substr(0, sep), is_scheme_char)) return std::nullopt;
  return split_at(url, sep);
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

std::string redact_url(std::string_view url) {
  // Any "://" counts here, even after what is no scheme ("my_scheme://u:pw@h"):
  // a message never shows its userinfo.
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return redact_after_question_mark(url);  // still hide a query
  const std::optional<UrlParts> u = split_at(url, sep);
  std::string out(url.substr(0, sep + 3));
  // Not a scheme ("a?sig=x&u=http://..."): a query in it is hidden too.
  if (!split_url(url)) out = redact_after_question_mark(out);
  if (u->userinfo) out += "REDACTED@";
  out += std::string(u->authority.substr(u->userinfo ? u->userinfo->size() + 1 : 0));
  out += std::string(u->path);
  if (u->query) out += "?" + redact_params(*u->query);
  // A fragment is not sent, but a message may show it: a '?' in it is read as a query too.
  if (u->fragment) out += "#" + redact_after_question_mark(*u->fragment);
  return out;
}

std::string default_file_name(const std::string& url) {
  // The authority (host) is never a file name; a string with no scheme is all path.
  const auto parts = split_url(url);
  const std::string_view rest = parts ? parts->path : url_without_query(url);
  const std::size_t last = rest.rfind('/');
  const std::string name = percent_decode(last == std::string_view::npos ? rest : rest.substr(last + 1));
  bool bad = name.empty() || name == "." || name == "..";
  for (char c : name)
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) bad = true;
  if (bad)
    throw InputError("cannot derive a file name from URL " + redact_url(url) +
                     " (its last path segment is empty or unsafe); give the destination explicitly");
  return name;
}

}  // namespace assetfetch
