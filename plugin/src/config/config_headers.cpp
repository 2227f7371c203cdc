// Header objects of config sources and rewrites, with ${env:NAME} expansion.
#include <cctype>

#include "config/document_loaders.h"
#include "config/env_expand.h"

namespace assetfetch::config_detail {

namespace {

// RFC 9110 token characters.
bool valid_header_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool has_line_break(const std::string& s) {
  return s.find_first_of(std::string("\r\n\0", 3)) != std::string::npos;
}

}  // namespace

HeaderList parse_headers(const JsonNode& node, const ConfigLoadOptions& opts,
                         std::vector<std::string>& warnings, Diagnostics& d) {
  HeaderList headers;
  for (const auto& [name, _] : node.object()) {
    d.attempt([&] {
      const JsonNode value = node.child(name);
      if (!valid_header_name(name))
        value.fail(quoted_value(name) + " is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only)");
      const std::string raw = value.string();
      EnvExpansion expanded = expand_env(raw);
      if (expanded.problem) value.fail(*expanded.problem);
      for (const auto& missing : expanded.missing) {
        const std::string message = "environment variable " + missing +
                                    " is not set; export " + missing +
                                    " before fetching (it fills this header)";
        if (!opts.missing_env_is_warning) value.fail(message);
        warnings.push_back(value.place() + ": " + message);
      }
      // The expanded value is never echoed: it usually is a credential.
      if (has_line_break(expanded.value))
        value.fail("header value contains a line break or NUL (after ${env:} expansion); remove it");
      headers.emplace_back(name, std::move(expanded.value));
    });
  }
  return headers;
}

}  // namespace assetfetch::config_detail
