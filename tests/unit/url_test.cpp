// base/url.h: the one URL splitter. Its parts, the URL rules, and hostile
// input: every split puts the URL back together exactly, and where it names
// a host, libcurl (which connects) names the same one.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "base/input_error.h"
#include "base/url.h"
#include "transfer/curl_url.h"

namespace assetfetch {
namespace {

std::string joined(const UrlParts& u, std::string_view url) {
  std::string out(url.substr(0, url.size() - u.after_scheme.size()));
  out += std::string(u.authority) + std::string(u.path);
  if (u.query) out += "?" + std::string(*u.query);
  if (u.fragment) out += "#" + std::string(*u.fragment);
  return out;
}

TEST(SplitUrl, Parts) {
  const std::string url = "HTTPS://user:pw@Example.COM:8443/a/b.tar.gz?x=1&sig=2#frag?y";
  const auto u = split_url(url);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->authority, "user:pw@Example.COM:8443");
  EXPECT_EQ(u->userinfo, "user:pw");
  EXPECT_EQ(u->host, "Example.COM");
  EXPECT_EQ(u->port, "8443");
  EXPECT_EQ(u->path, "/a/b.tar.gz");
  EXPECT_EQ(u->query, "x=1&sig=2");
  EXPECT_EQ(u->fragment, "frag?y");
  EXPECT_TRUE(u->plain_host);
  EXPECT_EQ(joined(*u, url), url);
}

TEST(SplitUrl, EdgesOfTheAuthority) {
  auto u = split_url("file:///srv/mirror/x");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->authority, "");
  EXPECT_EQ(u->path, "/srv/mirror/x");
  u = split_url("http://[::1]:81/x");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "[::1]");
  EXPECT_EQ(u->port, "81");
  u = split_url("http://h?q#f");  // no path
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "h");
  EXPECT_EQ(u->path, "");
  EXPECT_EQ(u->query, "q");
  EXPECT_EQ(u->fragment, "f");
  u = split_url("http://h/p#f?notquery");  // a '?' after '#' belongs to the fragment
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->query);
  EXPECT_EQ(u->fragment, "f?notquery");
  u = split_url("http://h:/p");  // an empty port is no port
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->port);
  EXPECT_TRUE(u->plain_host);
}

TEST(SplitUrl, NoSchemeIsNoUrl) {
  for (const char* s : {"", "no-scheme", "://h/x", "/path/with://inside", "a b://h/", "foo?x=http://y", "h:/x",
                        "C:\\dir\\file"})
    EXPECT_FALSE(split_url(s)) << s;
  EXPECT_EQ(url_scheme("/path/with://inside"), "");
  EXPECT_EQ(url_scheme("FILE:///x"), "file");
  EXPECT_EQ(url_without_query("https://h/f?sig=1#x"), "https://h/f");
  EXPECT_EQ(url_without_query("plain"), "plain");
}

TEST(SplitUrl, HostsParsersReadDifferentlyAreNotPlain) {
  for (const char* s : {"http://a.example\\@b.example/", "http://u@v@b.example/", "http://a%2eexample/",
                        "http://exa mple.com/", "http://h:80x/", "http://h:123456/", "http://[::1/",
                        "http://[::1]x/", "http://[fe80::1%25eth0]/", "http://h\xc3\xa9.example/", "http://a\tb/"}) {
    const auto u = split_url(s);
    ASSERT_TRUE(u) << s;
    EXPECT_FALSE(u->plain_host) << s;
    EXPECT_EQ(url_origin(s), "") << s;  // nobody relies on such a host
  }
}

TEST(UrlOrigin, DefaultPortsAndCase) {
  EXPECT_EQ(url_origin("HTTPS://Example.COM/x"), "https://example.com:443");
  EXPECT_EQ(url_origin("http://example.com"), "http://example.com:80");
  EXPECT_EQ(url_origin("https://user:pw@example.com:8443/x"), "https://example.com:8443");
  EXPECT_EQ(url_origin("http://good.example:80@evil.example/f"), "http://evil.example:80");
  EXPECT_EQ(url_origin("http://good.example/f#@evil.example"), "http://good.example:80");
  EXPECT_EQ(url_origin("s3://bucket/key"), "s3://bucket");
}

TEST(RedactUrl, AnySchemeSeparatorHidesUserinfoAndSecrets) {
  EXPECT_EQ(redact_url("my_scheme://u:pw@h/f"), "my_scheme://REDACTED@h/f");
  EXPECT_EQ(redact_url("a?sig=x&u=http://u:pw@h/f?token=t"), "a?sig=REDACTED&u=http://REDACTED@h/f?token=REDACTED");
  EXPECT_EQ(redact_url("no url?key=k"), "no url?key=REDACTED");
  EXPECT_EQ(redact_url("https://h/f#frag?sig=s"), "https://h/f#frag?sig=REDACTED");
  EXPECT_EQ(redact_url("http://a.example\\@b.example/"), "http://REDACTED@b.example/");
}

TEST(DefaultFileName, LastPathSegmentDecoded) {
  EXPECT_EQ(default_file_name("https://h/dir/zlib%201.3.tar.gz?x=1#y"), "zlib 1.3.tar.gz");
  EXPECT_EQ(default_file_name("file:///srv/a.bin"), "a.bin");
  EXPECT_EQ(default_file_name("relative/b.bin"), "b.bin");
  EXPECT_THROW(default_file_name("https://host.example"), InputError);  // the host is never a file name
  EXPECT_THROW(default_file_name("https://h/dir/"), InputError);
  EXPECT_THROW(default_file_name("https://h/%2e%2e"), InputError);
  EXPECT_THROW(default_file_name("https://h/a%2fb"), InputError);
}

TEST(UrlProblem, Messages) {
  EXPECT_EQ(url_problem("https://h/f"), std::nullopt);
  EXPECT_EQ(url_problem("file:///x"), std::nullopt);
  EXPECT_EQ(url_problem(""), "URL is empty; give an http://, https:// or file:// URL");
  EXPECT_EQ(url_problem("h/x"), "URL has no scheme; write it as http://, https:// or file://...");
  EXPECT_EQ(url_problem("ftp://h/x"), "URL scheme \"ftp\" is not supported; use http, https or file");
  EXPECT_EQ(url_problem("http://"), "URL has nothing after \"http://\"");
  EXPECT_EQ(url_problem("https:///x"), "URL has no host after \"https://\"");
  EXPECT_EQ(url_problem("http://a b/"), "URL contains a space or control character; percent-encode it (%20)");
  EXPECT_EQ(url_problem("http://h/" + std::string(kMaxUrlLength, 'a')),
            "URL is 2209 characters long; at most 2200 are allowed");
}

// Random URLs from an alphabet of delimiters and tricks (fixed seed, 20000
// of them): the split always puts the URL back together, and where both this
// splitter and libcurl name an origin, it is the same origin.
TEST(SplitUrl, HostileInputAgreesWithLibcurl) {
  const std::string alphabet = ":/?#@[]\\%.-_~ab1AZ9\t\x7f\xc3\xa9!$&'()*+,;=";
  const std::vector<std::string> prefixes = {"http://", "https://", "HTTP://", "file://", "s3://", "x+y.z-w://", ""};
  std::mt19937 rng(17);
  int compared = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string url = prefixes[rng() % prefixes.size()];
    const std::size_t n = rng() % 24;
    for (std::size_t k = 0; k < n; ++k) url += alphabet[rng() % alphabet.size()];
    const auto u = split_url(url);
    if (!u) continue;
    ASSERT_EQ(joined(*u, url), url);
    const std::string ours = url_origin(url);
    if (ours.empty() || u->host.empty() || (u->scheme != "http" && u->scheme != "https")) continue;
    const std::string curls = curl_origin(url);
    if (curls.empty()) continue;  // libcurl refuses it: nobody gets credentials
    ++compared;
    EXPECT_EQ(ours, curls) << url;
  }
  EXPECT_GT(compared, 100);
}

}  // namespace
}  // namespace assetfetch
