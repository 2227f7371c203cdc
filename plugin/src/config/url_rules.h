// Which URLs a manifest or config may name: http, https and file only, so a
// typo or a hostile file cannot make assetfetch speak another protocol.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace assetfetch::config_detail {

// BITS' URL length limit, as AF_MAX_URL_LENGTH in the C ABI.
inline constexpr std::size_t kMaxUrlLength = 2200;

// Lowercased scheme before "://", or "" when there is none.
std::string scheme_of(std::string_view url);

// nullopt when `url` is acceptable, else what is wrong and how to fix it.
std::optional<std::string> url_problem(std::string_view url);

}  // namespace assetfetch::config_detail
