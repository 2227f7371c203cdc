// ${env:NAME} in configured header values (tokens stay out of config files).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assetfetch::config_detail {

struct EnvExpansion {
  std::string value;                  // missing variables expand to ""
  std::vector<std::string> missing;   // names of unset variables, in order
  std::optional<std::string> problem; // malformed reference (what and fix)
};

EnvExpansion expand_env(std::string_view text);

}  // namespace assetfetch::config_detail
