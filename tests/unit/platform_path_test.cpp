// Path text transforms of the platform layer: the same results on every OS,
// so Linux checks the Windows forms too (and Wine checks them again).
#include <gtest/gtest.h>

#include "platform/path.h"

namespace assetfetch::platform {
namespace {

std::string url_to(std::string_view url, PathStyle style) {
  Result<std::string> r = file_url_to_path(url, style);
  return r ? r.value() : "error: " + r.error().message();
}

TEST(PlatformUtf, RoundTripsEveryPlane) {
  const std::string s = "a\xC3\xBC\xE6\x96\x87\xF0\x9F\x93\xA6 z";  // a ü 文 📦 z
  Result<std::u16string> w = utf8_to_utf16(s);
  ASSERT_TRUE(w);
  EXPECT_EQ(w.value(), u"a\u00FC\u6587\U0001F4E6 z");
  EXPECT_EQ(utf16_to_utf8(w.value()), s);
}

TEST(PlatformUtf, RefusesMalformedUtf8) {
  for (std::string bad : {std::string("\xC3"), std::string("\xC0\xAF"), std::string("\xE0\x80\xAF"),
                          std::string("\xFF"), std::string("a\x80"), std::string("\xF4\x90\x80\x80")}) {
    Result<std::u16string> w = utf8_to_utf16(bad);
    ASSERT_FALSE(w) << bad;
    EXPECT_EQ(w.error().code, Errc::invalid_argument);
    EXPECT_NE(w.error().message().find("UTF-8"), std::string::npos) << w.error().message();
  }
}

TEST(PlatformUtf, LoneSurrogatesRoundTripAsWtf8) {
  // Windows names may hold an unpaired surrogate; it must survive a round trip.
  const std::u16string odd = u"x\xD800y";
  const std::string eight = utf16_to_utf8(odd);
  EXPECT_EQ(eight, "x\xED\xA0\x80y");
  Result<std::u16string> back = utf8_to_utf16(eight);
  ASSERT_TRUE(back);
  EXPECT_EQ(back.value(), odd);
}

TEST(PlatformPath, Utf8OfFilesystemPathIsLossless) {
  const std::string s = "dir/\xC3\xA9t\xC3\xA9/\xE6\x96\x87.bin";
  EXPECT_EQ(utf8_of(path_from_utf8(s)), s);
}

TEST(PlatformPath, ExtendedLengthForms) {
  auto ext = [](std::u16string_view p) {
    Result<std::u16string> r = extended_length_path(p);
    return r ? utf16_to_utf8(r.value()) : "error";
  };
  EXPECT_EQ(ext(u"C:\\x\\y"), "\\\\?\\C:\\x\\y");
  EXPECT_EQ(ext(u"c:/x/y"), "\\\\?\\c:\\x\\y");
  EXPECT_EQ(ext(u"\\\\server\\share\\x"), "\\\\?\\UNC\\server\\share\\x");
  EXPECT_EQ(ext(u"\\\\?\\C:\\already"), "\\\\?\\C:\\already");
  EXPECT_EQ(ext(u"relative\\x"), "error");
  EXPECT_EQ(ext(u"C:drive-relative"), "error");
  EXPECT_EQ(ext(u"\\\\.\\pipe\\x"), "error");
}

TEST(PlatformFileUrl, WindowsDriveLettersAndShares) {
  EXPECT_EQ(url_to("file:///C:/x", PathStyle::windows), "C:\\x");
  EXPECT_EQ(url_to("file:///C:/mirror/a%20b/%C3%A9.zip", PathStyle::windows), "C:\\mirror\\a b\\\xC3\xA9.zip");
  EXPECT_EQ(url_to("file://localhost/D:/m/x", PathStyle::windows), "D:\\m\\x");
  EXPECT_EQ(url_to("FILE:///c|/x", PathStyle::windows), "c:\\x");
  EXPECT_EQ(url_to("file://C:/x", PathStyle::windows), "C:\\x");  // a drive given as the host
  EXPECT_EQ(url_to("file:///C:", PathStyle::windows), "C:\\");
  EXPECT_EQ(url_to("file://server/share/x", PathStyle::windows), "\\\\server\\share\\x");
  EXPECT_EQ(url_to("file:////server/share/x", PathStyle::windows), "\\\\server\\share\\x");
  EXPECT_EQ(url_to("file:///C:/x?query#frag", PathStyle::windows), "C:\\x");
  // No drive: rooted on the current one, as libcurl and Windows read it.
  EXPECT_EQ(url_to("file:///mirror/a%20b", PathStyle::windows), "\\mirror\\a b");
}

TEST(PlatformFileUrl, PosixPaths) {
  EXPECT_EQ(url_to("file:///srv/mirror/a%20b", PathStyle::posix), "/srv/mirror/a b");
  EXPECT_EQ(url_to("file://localhost/x", PathStyle::posix), "/x");
  EXPECT_EQ(url_to("file:///srv/x?query#frag", PathStyle::posix), "/srv/x");
  EXPECT_EQ(url_to("file://", PathStyle::posix), "/");
}

TEST(PlatformFileUrl, RefusalsNameTheFix) {
  Result<std::string> host = file_url_to_path("file://server/share/x", PathStyle::posix);
  ASSERT_FALSE(host);
  EXPECT_EQ(host.error().code, Errc::invalid_argument);
  EXPECT_NE(host.error().message().find("mount"), std::string::npos) << host.error().message();
  Result<std::string> nodrive = file_url_to_path("file://", PathStyle::windows);
  ASSERT_FALSE(nodrive);
  EXPECT_NE(nodrive.error().message().find("file:///C:/"), std::string::npos) << nodrive.error().message();
  EXPECT_FALSE(file_url_to_path("file:///x%00y", PathStyle::posix));
  EXPECT_FALSE(file_url_to_path("file:///x%zz", PathStyle::posix));
  EXPECT_FALSE(file_url_to_path("file:///x%4", PathStyle::posix));
  EXPECT_FALSE(file_url_to_path("http://h/x", PathStyle::posix));
}

TEST(PlatformFileUrl, PathsToUrlsAndBack) {
  struct Case {
    std::string path;
    PathStyle style;
    std::string url;
  };
  const Case cases[] = {
      {"C:\\mirror\\a b\\\xC3\xA9.zip", PathStyle::windows, "file:///C:/mirror/a%20b/%C3%A9.zip"},
      {"\\\\server\\share\\x y", PathStyle::windows, "file://server/share/x%20y"},
      {"/srv/a b/%.txt", PathStyle::posix, "file:///srv/a%20b/%25.txt"},
  };
  for (const Case& c : cases) {
    Result<std::string> url = path_to_file_url(c.path, c.style);
    ASSERT_TRUE(url) << c.path;
    EXPECT_EQ(url.value(), c.url);
    EXPECT_EQ(url_to(url.value(), c.style), c.path);
  }
  Result<std::string> ext = path_to_file_url("\\\\?\\UNC\\srv\\share\\x", PathStyle::windows);
  ASSERT_TRUE(ext);
  EXPECT_EQ(ext.value(), "file://srv/share/x");
  EXPECT_FALSE(path_to_file_url("relative/x", PathStyle::posix));
  EXPECT_FALSE(path_to_file_url("x\\y", PathStyle::windows));
}

}  // namespace
}  // namespace assetfetch::platform
