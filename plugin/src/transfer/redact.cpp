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

}  // namespace

std::string redact_url(std::string_view url) {
  const auto u = split_url(url);
  // Not a URL: still hide what a query after '?' would hold.
  if (!u) return redact_after_question_mark(url);
  std::string out(url.substr(0, url.size() - u->after_scheme.size()));
  if (u->userinfo) out += "REDACTED@";
  out += std::string(u->authority.substr(u->userinfo ? u->userinfo->size() + 1 : 0));
  out += std::string(u->path);
  if (u->query) out += "?" + redact_params(*u->query);
  // A fragment is not sent, but a message may show it: a '?' in it is read as a query too.
  if (u->fragment) out += "#" + redact_after_question_mark(*u->fragment);
  return out;
}

std::string redact_secrets(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.size() < 4) continue;  // too short to be a credential; replacing would mangle text
    for (auto p = text.find(s); p != std::string::npos; p = text.find(s, p + 8))
      text.replace(p, s.size(), "REDACTED");
  }
  return text;
}

}  // namespace assetfetch
