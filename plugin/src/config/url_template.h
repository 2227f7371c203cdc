// Content-addressed URL templates of config `sources`: {sha256}, {sha512}
// and {name} are the only placeholders.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace assetfetch::config_detail {

// Manifest asset names are at most this long (and need no escaping), so a
// template's expansion has a known bound.
inline constexpr std::size_t kMaxAssetNameLength = 128;

// nullopt when `tmpl` is a valid source template (known placeholders only,
// braces balanced, at least one digest placeholder, an expansion that fits
// a URL's length limit); else the problem.
std::optional<std::string> template_problem(std::string_view tmpl);

// Expands `tmpl` for `asset`; nullopt when it names a digest the asset lacks
// (that source is skipped for this asset). `tmpl` must be valid.
std::optional<std::string> expand_template(std::string_view tmpl, const AssetIdentity& asset);

}  // namespace assetfetch::config_detail
