// curl_origin/curl_scheme: URLs as libcurl parses them decide who gets
// credentials (headers_for, the HTTPS-downgrade refusal).
#include <gtest/gtest.h>

#include "transfer/curl_url.h"

namespace {

using assetfetch::curl_origin;
using assetfetch::curl_scheme;

TEST(CurlUrl, OriginHasLowercaseSchemeHostAndExplicitPort) {
  EXPECT_EQ(curl_origin("http://127.0.0.1:8080/a/b?c"), "http://127.0.0.1:8080");
  EXPECT_EQ(curl_origin("HTTPS://Example.COM/x"), "https://example.com:443");
  EXPECT_EQ(curl_origin("http://example.com"), "http://example.com:80");
  EXPECT_EQ(curl_origin("https://user:pw@example.com:8443/x"), "https://example.com:8443");
  EXPECT_EQ(curl_origin("http://[::1]:81/x"), "http://[::1]:81");
  EXPECT_EQ(curl_origin("http://[::1]/x"), "http://[::1]:80");
}

TEST(CurlUrl, TheOriginIsTheHostCurlConnectsTo) {
  // Userinfo that looks like a host: curl connects to what follows the last '@'.
  EXPECT_EQ(curl_origin("http://good.example:80@evil.example/f"), "http://evil.example:80");
  EXPECT_EQ(curl_origin("http://good.example@evil.example:81/f"), "http://evil.example:81");
  // A fragment or query holding an '@' does not move the host.
  EXPECT_EQ(curl_origin("http://good.example/f#@evil.example"), "http://good.example:80");
  EXPECT_EQ(curl_origin("http://good.example/f?x=@evil.example"), "http://good.example:80");
  // Schemes and ports differ: other origins.
  EXPECT_NE(curl_origin("http://a.example/"), curl_origin("https://a.example/"));
  EXPECT_NE(curl_origin("http://a.example:81/"), curl_origin("http://a.example:82/"));
}

TEST(CurlUrl, WhatCurlCannotParseHasNoOriginSoGetsNoCredentials) {
  EXPECT_EQ(curl_origin("no-scheme"), "");
  EXPECT_EQ(curl_origin("http://"), "");
  EXPECT_EQ(curl_origin("http://exa mple.com/"), "");
  EXPECT_EQ(curl_origin(""), "");
  EXPECT_EQ(curl_scheme("HTTPS://example.com/"), "https");
  EXPECT_EQ(curl_scheme("file:///tmp/x"), "file");
  EXPECT_EQ(curl_scheme("::"), "");
}

// S3 virtual-hosted endpoints are read by the same parser. (file:// URLs are
// turned into paths by platform::file_url_to_path: platform_path_test.cpp.)
TEST(CurlUrl, WithHostKeepsSchemePortAndPath) {
  using assetfetch::curl_with_host;
  EXPECT_EQ(assetfetch::curl_host("https://S3.Example:9000/"), "s3.example");
  EXPECT_EQ(curl_with_host("https://s3.example", "b.s3.example"), "https://b.s3.example");
  EXPECT_EQ(curl_with_host("http://127.0.0.1:9000/base/", "bkt.127.0.0.1"), "http://bkt.127.0.0.1:9000/base");
  EXPECT_EQ(curl_with_host("not a url", "x"), "");
}

}  // namespace
