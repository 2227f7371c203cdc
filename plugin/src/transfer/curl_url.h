// URLs as libcurl itself parses them (CURLU), for every decision about who
// gets credentials: configured headers go only to their own origin, and a
// redirect from HTTPS to anything else is refused.
//
// Why not split the string ourselves: a URL that a hand-written split reads
// differently from curl (userinfo tricks like "http://a.example\@b.example/",
// percent-encoded or oddly cased hosts, default ports) could send a token to
// the host curl really connects to. Parsing with the same code that connects
// makes the two agree by construction.
//
// Thread safety: pure functions. They load libcurl on first use (curl_api()).
#pragma once

#include <string>
#include <string_view>

namespace assetfetch {

// "scheme://host:port", lowercased, the port always explicit; empty when
// libcurl cannot parse `url` (then nobody gets credentials for it).
std::string curl_origin(std::string_view url);
// The scheme, lowercased; empty when libcurl cannot parse `url`.
std::string curl_scheme(std::string_view url);
// The host, lowercased (IPv6 in brackets); empty when libcurl cannot parse `url`.
std::string curl_host(std::string_view url);
// `url` with its host replaced by `host` (S3 virtual-hosted addressing),
// without a trailing '/'; empty when libcurl cannot parse either.
std::string curl_with_host(std::string_view url, const std::string& host);

}  // namespace assetfetch
