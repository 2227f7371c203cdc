#include "base/base64.h"

namespace assetfetch {

std::string base64(const unsigned char* p, std::size_t n) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < n; i += 3) {
    const unsigned v = (unsigned{p[i]} << 16) | (i + 1 < n ? unsigned{p[i + 1]} << 8 : 0u) | (i + 2 < n ? p[i + 2] : 0u);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < n ? kAlphabet[v & 63] : '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  unsigned bits = 0, value = 0;
  for (char c : text) {
    unsigned v;
    if (c >= 'A' && c <= 'Z') v = static_cast<unsigned>(c - 'A');
    else if (c >= 'a' && c <= 'z') v = static_cast<unsigned>(c - 'a' + 26);
    else if (c >= '0' && c <= '9') v = static_cast<unsigned>(c - '0' + 52);
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else return std::nullopt;
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xFF);
    }
  }
  if (bits >= 6) return std::nullopt;  // one stray character: not a whole byte
  return out;
}

}  // namespace assetfetch
