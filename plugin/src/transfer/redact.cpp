#include "transfer/redact.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace assetfetch {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Query parameters whose values are credentials (SAS signatures, tokens, keys).
bool is_secret_param(std::string_view name) {
  static const std::array<std::string_view, 11> names = {
      "sig", "signature", "token", "access_token", "auth", "key", "password", "sas",
      "x-amz-signature", "x-amz-credential", "x-amz-security-token"};
  std::string n = lower(name);
  return std::find(names.begin(), names.end(), n) != names.end();
}

}  // namespace

std::string url_scheme(std::string_view url) {
  auto p = url.find("://");
  if (p == std::string_view::npos) return {};
  return lower(url.substr(0, p));
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  auto scheme_end = out.find("://");
  if (scheme_end != std::string::npos) {
    auto auth_start = scheme_end + 3;
    auto path_start = out.find_first_of("/?#", auth_start);
    auto at = out.rfind('@', path_start == std::string::npos ? out.size() : path_start);
    if (at != std::string::npos && at >= auth_start)
      out.replace(auth_start, at - auth_start, "REDACTED");
  }
  auto q = out.find('?');
  if (q == std::string::npos) return out;
  std::string rebuilt = out.substr(0, q + 1);
  std::string_view query(out);
  query.remove_prefix(q + 1);
  std::string fragment;
  if (auto h = query.find('#'); h != std::string_view::npos) {
    fragment = std::string(query.substr(h));
    query = query.substr(0, h);
  }
  bool first = true;
  while (true) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    if (!first) rebuilt += '&';
    first = false;
    auto eq = part.find('=');
    if (eq != std::string_view::npos && is_secret_param(part.substr(0, eq)))
      rebuilt += std::string(part.substr(0, eq)) + "=REDACTED";
    else
      rebuilt += std::string(part);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return rebuilt + fragment;
}

std::string redact_secrets(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.size() < 4) continue;  // too short to be a credential; replacing would mangle text
    for (auto p = text.find(s); p != std::string::npos; p = text.find(s, p + 8))
      text.replace(p, s.size(), "REDACTED");
  }
  return text;
}

std::string url_origin(std::string_view url) {
  std::string scheme = url_scheme(url);
  if (scheme.empty()) return {};
  std::string_view rest = url.substr(scheme.size() + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  std::string host = lower(rest);
  bool has_port = false;
  if (!host.empty() && host.front() == '[')
    has_port = host.find("]:") != std::string::npos;
  else
    has_port = host.find(':') != std::string::npos;
  if (!has_port) {
    if (scheme == "https") host += ":443";
    else if (scheme == "http") host += ":80";
  }
  return scheme + "://" + host;
}

}  // namespace assetfetch
