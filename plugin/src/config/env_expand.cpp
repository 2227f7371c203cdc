#include "config/env_expand.h"

#include <cctype>
#include <cstdlib>

#include "platform/environment.h"

namespace assetfetch::config_detail {

namespace {

bool valid_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

}  // namespace

EnvExpansion expand_env(std::string_view text) {
  static constexpr std::string_view kOpen = "${env:";
  EnvExpansion result;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = text.find(kOpen, pos);
    if (start == std::string_view::npos) {
      result.value += text.substr(pos);
      break;
    }
    result.value += text.substr(pos, start - pos);
    const std::size_t close = text.find('}', start);
    if (close == std::string_view::npos) {
      result.problem = "unterminated ${env:...}; write ${env:NAME}";
      return result;
    }
    const std::string name(text.substr(start + kOpen.size(), close - start - kOpen.size()));
    if (!valid_env_name(name)) {
      result.problem = "\"${env:" + name +
                       "}\" is not a valid variable reference; NAME must match [A-Za-z_][A-Za-z0-9_]*";
      return result;
    }
    if (std::optional<std::string> v = platform::environment_value(name.c_str()))
      result.value += *v;
    else
      result.missing.push_back(name);
    pos = close + 1;
  }
  return result;
}

}  // namespace assetfetch::config_detail
