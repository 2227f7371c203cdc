#include "config/url_template.h"

#include <cctype>

#include "base/url.h"

namespace assetfetch::config_detail {

namespace {

constexpr std::string_view kAllowed = "{sha256}, {sha512} or {name}";

// Names are [A-Za-z0-9_.-]+ in manifests, but `fetch` may pass anything:
// percent-encode so a name can never add path segments or a query.
std::string percent_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> template_problem(std::string_view tmpl) {
  bool has_digest = false;
  std::size_t longest = 0;  // the expansion's length at worst
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '}') return "unmatched '}' at character " + std::to_string(i + 1);
    if (tmpl[i] != '{') {
      ++longest;
      continue;
    }
    const std::size_t close = tmpl.find('}', i);
    if (close == std::string_view::npos)
      return "unmatched '{' at character " + std::to_string(i + 1) + "; placeholders are " +
             std::string(kAllowed);
    const std::string_view name = tmpl.substr(i + 1, close - i - 1);
    if (name == "sha256" || name == "sha512")
      has_digest = true;
    else if (name != "name")
      return "unknown placeholder {" + std::string(name) + "}; use " + std::string(kAllowed);
    longest += name == "sha256" ? 64 : name == "sha512" ? 128 : kMaxAssetNameLength;
    i = close;
  }
  if (!has_digest)
    return "a source is content-addressed: its URL must contain {sha256} or {sha512}";
  if (longest > kMaxUrlLength)
    return "expands to as many as " + std::to_string(longest) + " characters (with a " +
           std::to_string(kMaxAssetNameLength) + "-character {name}); a URL may have at most " +
           std::to_string(kMaxUrlLength);
  return std::nullopt;
}

std::optional<std::string> expand_template(std::string_view tmpl, const AssetIdentity& asset) {
  std::string out;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') {
      out += tmpl[i];
      continue;
    }
    const std::size_t close = tmpl.find('}', i);
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view name = tmpl.substr(i + 1, close - i - 1);
    if (name == "sha256") {
      if (!asset.sha256) return std::nullopt;
      out += asset.sha256->hex;
    } else if (name == "sha512") {
      if (!asset.sha512) return std::nullopt;
      out += asset.sha512->hex;
    } else if (name == "name") {
      if (asset.name.empty()) return std::nullopt;
      out += percent_encode(asset.name);
    } else {
      return std::nullopt;
    }
    i = close;
  }
  return out;
}

}  // namespace assetfetch::config_detail
