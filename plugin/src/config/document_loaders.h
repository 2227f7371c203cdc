// Loaders from an already parsed document (shared by load_*/parse_* and
// `check`, which parses once to detect the kind). Each collects every
// problem and throws one ValidationError listing them all.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/json_location.h"
#include "config/json_node.h"

namespace assetfetch::config_detail {

Config config_from_document(const JsonDocument& doc, const ConfigLoadOptions& opts);
Manifest manifest_from_document(const JsonDocument& doc);

// `headers` of a source or rewrite: {"Name": "value with ${env:VAR}"}.
// Each bad header is recorded in `d`.
HeaderList parse_headers(const JsonNode& node, const ConfigLoadOptions& opts,
                         std::vector<std::string>& warnings, Diagnostics& d);

}  // namespace assetfetch::config_detail
