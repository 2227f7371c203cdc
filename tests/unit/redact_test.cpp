// Redaction of credentials in URLs, and URL origins.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "transfer/redact.h"

namespace assetfetch {
namespace {

TEST(RedactUrl, Table) {
  struct Case {
    std::string in, want;
  };
  const std::vector<Case> cases = {
      {"https://example.com/a.tar.gz", "https://example.com/a.tar.gz"},
      {"http://user:secret@127.0.0.1:8080/f", "http://REDACTED@127.0.0.1:8080/f"},
      {"http://token@host/f", "http://REDACTED@host/f"},
      {"https://host/f?sig=abc123&x=1", "https://host/f?sig=REDACTED&x=1"},
      {"https://host/f?x=1&token=abc", "https://host/f?x=1&token=REDACTED"},
      {"https://host/f?TOKEN=abc", "https://host/f?TOKEN=REDACTED"},
      {"https://acct.blob.core.windows.net/c/f?sv=2021-08-06&ss=b&srt=o&sp=r&se=2030-01-01&sig=Zm9vYmFy%3D",
       "https://acct.blob.core.windows.net/c/f?sv=2021-08-06&ss=b&srt=o&sp=r&se=2030-01-01&sig=REDACTED"},
      {"https://s3/x?X-Amz-Signature=dead&X-Amz-Credential=AKIA", "https://s3/x?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED"},
      {"https://host/f?sig=abc#frag", "https://host/f?sig=REDACTED#frag"},
      {"https://host/p@th/f", "https://host/p@th/f"},  // '@' in the path is not userinfo
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(redact_url(c.in), c.want);
  }
}

TEST(RedactUrl, SecretsNeverSurvive) {
  for (const std::string url : {"http://u:hunter22@h/f?sig=hunter22", "https://h/f?a=1&token=hunter22&b=2",
                                "https://u:hunter22@h:1/f?access_token=hunter22"}) {
    EXPECT_EQ(redact_url(url).find("hunter22"), std::string::npos) << redact_url(url);
  }
}

TEST(RedactSecrets, ReplacesConfiguredValues) {
  EXPECT_EQ(redact_secrets("Authorization: Bearer s3cr3t-value here", {"Bearer s3cr3t-value"}),
            "Authorization: REDACTED here");
  EXPECT_EQ(redact_secrets("abc abc", {"abc"}), "abc abc");  // too short to be a credential
}

TEST(UrlOrigin, Table) {
  EXPECT_EQ(url_origin("http://127.0.0.1:8080/a/b?c"), "http://127.0.0.1:8080");
  EXPECT_EQ(url_origin("HTTPS://Example.COM/x"), "https://example.com:443");
  EXPECT_EQ(url_origin("http://example.com"), "http://example.com:80");
  EXPECT_EQ(url_origin("https://user:pw@example.com:8443/x"), "https://example.com:8443");
  EXPECT_EQ(url_origin("http://[::1]:81/x"), "http://[::1]:81");
  EXPECT_EQ(url_origin("http://[::1]/x"), "http://[::1]:80");
  EXPECT_EQ(url_origin("no-scheme"), "");
  EXPECT_NE(url_origin("http://a.example/"), url_origin("https://a.example/"));
  EXPECT_NE(url_origin("http://a.example:81/"), url_origin("http://a.example:82/"));
  EXPECT_EQ(url_scheme("FILE:///x"), "file");
}

}  // namespace
}  // namespace assetfetch
