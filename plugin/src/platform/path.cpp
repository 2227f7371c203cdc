#include "platform/path.h"

#include <cstdint>

#include "base/utf8.h"

namespace assetfetch::platform {

namespace {

PlatformError bad(std::string op, std::string_view what, std::string detail) {
  return PlatformError{Errc::invalid_argument, 0, std::move(op), std::string(what), std::move(detail)};
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_drive(std::string_view s) {
  return s.size() >= 2 && ((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')) &&
         (s[1] == ':' || s[1] == '|') && (s.size() == 2 || s[2] == '/' || s[2] == '\\');
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

Result<std::u16string> utf8_to_utf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = 0;
    std::size_t n = 0;
    if (b0 < 0x80) {
      cp = b0;
      n = 1;
    } else if (b0 >= 0xC2 && b0 < 0xE0) {
      cp = b0 & 0x1F;
      n = 2;
    } else if (b0 >= 0xE0 && b0 < 0xF0) {
      cp = b0 & 0x0F;
      n = 3;
    } else if (b0 >= 0xF0 && b0 < 0xF5) {
      cp = b0 & 0x07;
      n = 4;
    } else {
      return bad("convert", "", "malformed UTF-8 at byte " + std::to_string(i) + " (give the path as UTF-8)");
    }
    if (i + n > s.size())
      return bad("convert", "", "truncated UTF-8 at byte " + std::to_string(i) + " (give the path as UTF-8)");
    for (std::size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80)
        return bad("convert", "", "malformed UTF-8 at byte " + std::to_string(i + k) + " (give the path as UTF-8)");
      cp = (cp << 6) | (b & 0x3F);
    }
    // Overlong forms and values past U+10FFFF are refused.
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return bad("convert", "", "malformed UTF-8 at byte " + std::to_string(i) + " (give the path as UTF-8)");
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out += static_cast<char16_t>(0xD800 + (cp >> 10));
      out += static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
    } else {
      out += static_cast<char16_t>(cp);  // a lone surrogate here is WTF-8: kept
    }
    i += n;
  }
  return out;
}

std::string utf16_to_utf8(std::u16string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::uint32_t cp = s[i];
    if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] < 0xE000) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<std::uint32_t>(s[i + 1]) - 0xDC00);
      ++i;
    }
    append_utf8(out, cp);
  }
  return out;
}

std::string utf8_of(const std::filesystem::path& p) {
  const std::u8string s = p.u8string();
  return std::string(s.begin(), s.end());
}

std::string generic_utf8_of(const std::filesystem::path& p) {
  const std::u8string s = p.generic_u8string();
  return std::string(s.begin(), s.end());
}

std::filesystem::path path_from_utf8(std::string_view utf8) {
  return std::filesystem::path(std::u8string(utf8.begin(), utf8.end()));
}

Result<std::u16string> extended_length_path(std::u16string_view in) {
  std::u16string p(in);
  for (char16_t& c : p)
    if (c == u'/') c = u'\\';
  if (p.rfind(u"\\\\?\\", 0) == 0) return p;
  if (p.size() >= 3 && p[1] == u':' && p[2] == u'\\' &&
      ((p[0] >= u'A' && p[0] <= u'Z') || (p[0] >= u'a' && p[0] <= u'z')))
    return u"\\\\?\\" + p;
  if (p.size() > 2 && p[0] == u'\\' && p[1] == u'\\' && p[2] != u'\\' && p[2] != u'.')
    return u"\\\\?\\UNC\\" + p.substr(2);
  return bad("convert", utf16_to_utf8(in), "not an absolute Windows path (C:\\... or \\\\server\\share\\...)");
}

Result<std::string> file_url_to_path(std::string_view url, PathStyle style) {
  const std::string shown(url);
  if (url.size() < 7 || !iequals(url.substr(0, 7), "file://"))
    return bad("convert", shown, "not a file:// URL");
  std::string_view rest = url.substr(7);
  // Query and fragment are not part of a file name.
  if (const auto q = rest.find_first_of("?#"); q != std::string_view::npos) rest = rest.substr(0, q);
  std::string_view host;
  std::string_view path;
  if (const auto slash = rest.find('/'); slash == std::string_view::npos) {
    host = rest;
  } else {
    host = rest.substr(0, slash);
    path = rest.substr(slash);
  }
  if (iequals(host, "localhost")) host = {};

  std::string decoded;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      decoded += path[i];
      continue;
    }
    const int hi = i + 2 < path.size() ? hex_value(path[i + 1]) : -1;
    const int lo = hi >= 0 ? hex_value(path[i + 2]) : -1;
    if (lo < 0) return bad("convert", shown, "a '%' not followed by two hex digits (write a '%' as %25)");
    if (hi == 0 && lo == 0) return bad("convert", shown, "%00 cannot be part of a file name");
    decoded += static_cast<char>(hi * 16 + lo);
    i += 2;
  }

  if (style == PathStyle::posix) {
    if (!host.empty())
      return bad("convert", shown,
                 "a file:// URL with a host (" + std::string(host) +
                     ") names another machine; mount its share and write file:///<mount point>/...");
    if (decoded.empty()) decoded = "/";
    return decoded;
  }

  // Windows. "file://C:/x": a drive given as the host, a common slip.
  if (is_drive(host)) {
    decoded = std::string(host) + decoded;
    host = {};
  }
  std::string out;
  if (!host.empty()) {
    // file://server/share/x -> \\server\share\x
    out = "\\\\" + std::string(host) + decoded;
  } else if (decoded.rfind("//", 0) == 0 && decoded.size() > 2 && decoded[2] != '/') {
    // file:////server/share/x, the older UNC spelling
    out = "\\" + decoded.substr(1);
  } else if (decoded.size() >= 3 && decoded[0] == '/' && is_drive(std::string_view(decoded).substr(1))) {
    out = decoded.substr(1);
  } else if (is_drive(decoded)) {
    out = decoded;
  } else if (decoded.size() > 1 && decoded[0] == '/') {
    // file:///folder/x: rooted on the current drive (\folder\x), as libcurl
    // and Windows itself read it.
    out = decoded;
  } else {
    return bad("convert", shown,
               "a Windows file:// URL names a drive or a share: file:///C:/folder/... or "
               "file://server/share/...");
  }
  for (char& c : out)
    if (c == '/') c = '\\';
  if (out.size() >= 2 && out[1] == '|') out[1] = ':';
  if (out.size() == 2 && out[1] == ':') out += '\\';
  return out;
}

Result<std::string> path_to_file_url(std::string_view path, PathStyle style) {
  std::string p(path);
  std::string host;
  if (style == PathStyle::windows) {
    for (char& c : p)
      if (c == '\\') c = '/';
    if (p.rfind("//?/UNC/", 0) == 0) {
      p = "//" + p.substr(8);
    } else if (p.rfind("//?/", 0) == 0) {
      p = p.substr(4);
    }
    if (p.rfind("//", 0) == 0) {
      const auto slash = p.find('/', 2);
      host = p.substr(2, slash == std::string::npos ? std::string::npos : slash - 2);
      p = slash == std::string::npos ? "/" : p.substr(slash);
      if (host.empty()) return bad("convert", path, "a UNC path names a server: \\\\server\\share\\...");
    } else if (is_drive(p) && p.size() >= 3) {
      p = "/" + p;
    } else {
      return bad("convert", path, "not an absolute Windows path (C:\\... or \\\\server\\share\\...)");
    }
  } else if (p.empty() || p[0] != '/') {
    return bad("convert", path, "not an absolute path");
  }
  std::string url = "file://" + host;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    // The drive's colon stays readable: file:///C:/...
    const bool drive_colon = style == PathStyle::windows && host.empty() && i == 2 && c == ':';
    if (is_unreserved(c) || c == '/' || drive_colon) {
      url += static_cast<char>(c);
    } else {
      static const char kHex[] = "0123456789ABCDEF";
      url += '%';
      url += kHex[c >> 4];
      url += kHex[c & 15];
    }
  }
  return url;
}

}  // namespace assetfetch::platform
