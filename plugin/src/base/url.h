// The one place a URL is split as text: its scheme, userinfo, host, port,
// path, query and fragment (RFC 3986 generic syntax), for messages,
// redaction, file names, origins, and the rule of which URLs may be named.
//
// Why not libcurl's parser (CURLU, transfer/curl_url.h): a run served from
// the cache never loads libcurl, and these are asked on that path (a file name
// from a URL, a manifest's URL rules). libcurl's parser still decides who gets
// credentials, at the moment it connects; the unit tests check that where this
// splitter names a host, libcurl names the same one.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace assetfetch {

// BITS' URL length limit, as AF_MAX_URL_LENGTH in the C ABI.
inline constexpr std::size_t kMaxUrlLength = 2200;

// Views into the URL given to split_url() (which must outlive them).
struct UrlParts {
  std::string scheme;             // lowercased
  std::string_view after_scheme;  // everything after "scheme://"
  std::string_view authority;     // [userinfo@]host[:port]; "" when none
  std::optional<std::string_view> userinfo;  // before the last '@' of the authority
  std::string_view host;          // as written (IPv6 literal in brackets)
  std::optional<std::string_view> port;      // the digits after ':', when given
  std::string_view path;          // from the '/' after the authority; may be ""
  std::optional<std::string_view> query;     // after the first '?', without it
  std::optional<std::string_view> fragment;  // after the first '#', without it
  // The host and port are plain: reg-name characters, or an IPv6 literal, and
  // digits. False for an authority that parsers read differently (a '\\', a
  // '%', a control or non-ASCII byte, a port that is not digits): nobody may
  // rely on its host then.
  bool plain_host = false;
};

// nullopt when `url` does not start with "scheme://" (scheme: a letter or
// digit, then letters, digits, '+', '-', '.').
std::optional<UrlParts> split_url(std::string_view url);
// A temporary string would leave the parts dangling: refused at compile time
// (literals stay fine).
std::optional<UrlParts> split_url(std::string&& url) = delete;
inline std::optional<UrlParts> split_url(const char* url) { return split_url(std::string_view(url)); }

// The lowercased scheme, "" when there is none.
std::string url_scheme(std::string_view url);

// "scheme://host:port", lowercased, with http's and https' default port made
// explicit; "" when `url` has no scheme, or no plain host (UrlParts::plain_host).
std::string url_origin(std::string_view url);

// `url` without its query and fragment.
std::string_view url_without_query(std::string_view url);

// `url` for a message, log or JSON event: the userinfo, and the values of
// signature-like query parameters (sig=, token=, SAS strings) are REDACTED.
std::string redact_url(std::string_view url);

// A destination's default file name: the last path segment of `url`,
// percent-decoded, query and fragment stripped. Throws InputError when that
// is empty, "." or "..", or holds a '/', '\\' or control character.
std::string default_file_name(const std::string& url);

// nullopt when `url` may be named by a manifest, a config or the command line
// (http, https or file; at most kMaxUrlLength; no space or control
// character; a host after "http(s)://"), else what is wrong and how to fix it.
std::optional<std::string> url_problem(std::string_view url);

}  // namespace assetfetch
