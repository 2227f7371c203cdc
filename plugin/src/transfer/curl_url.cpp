#include "transfer/curl_url.h"

#include <cctype>
#include <memory>
#include <optional>

#include "transfer/curl_api.h"

namespace assetfetch {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_api().url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

UrlHandle parse(std::string_view url) {
  const CurlApi& api = curl_api();
  UrlHandle u(api.url());
  if (!u) return nullptr;
  // Only schemes we fetch from are accepted, with their default ports known.
  if (api.url_set(u.get(), CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK) return nullptr;
  return u;
}

std::optional<std::string> part(const UrlHandle& u, CURLUPart which, unsigned flags) {
  char* value = nullptr;
  if (curl_api().url_get(u.get(), which, &value, flags) != CURLUE_OK || !value) return std::nullopt;
  std::string out(value);
  curl_api().free(value);
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string curl_scheme(std::string_view url) {
  UrlHandle u = parse(url);
  if (!u) return {};
  return lower(part(u, CURLUPART_SCHEME, 0).value_or(""));
}

std::string curl_origin(std::string_view url) {
  UrlHandle u = parse(url);
  if (!u) return {};
  auto scheme = part(u, CURLUPART_SCHEME, 0);
  auto host = part(u, CURLUPART_HOST, 0);
  auto port = part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!scheme || !host || host->empty() || !port) return {};
  return lower(*scheme) + "://" + lower(*host) + ":" + *port;
}

std::string curl_host(std::string_view url) {
  UrlHandle u = parse(url);
  if (!u) return {};
  return lower(part(u, CURLUPART_HOST, 0).value_or(""));
}

std::string curl_with_host(std::string_view url, const std::string& host) {
  UrlHandle u = parse(url);
  if (!u || curl_api().url_set(u.get(), CURLUPART_HOST, host.c_str(), 0) != CURLUE_OK) return {};
  std::string out = part(u, CURLUPART_URL, 0).value_or("");
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace assetfetch
