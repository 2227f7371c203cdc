// Loaders from an already parsed JSON document (shared by load_*/parse_* and
// `check`, which parses once to detect the kind).
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/json_node.h"

namespace assetfetch::config_detail {

Config config_from_json(const nlohmann::json& doc, const std::filesystem::path& file,
                        const ConfigLoadOptions& opts);
Manifest manifest_from_json(const nlohmann::json& doc, const std::filesystem::path& file);

// `headers` of a source or rewrite: {"Name": "value with ${env:VAR}"}.
HeaderList parse_headers(const JsonNode& node, const ConfigLoadOptions& opts,
                         std::vector<std::string>& warnings);

}  // namespace assetfetch::config_detail
