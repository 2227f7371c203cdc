#include "config/document_kind.h"

#include <algorithm>

#include "config/json_node.h"

namespace assetfetch {

const char* kind_name(DocumentKind kind) {
  return kind == DocumentKind::manifest ? "manifest" : "config";
}

namespace config_detail {

const std::vector<std::string>& manifest_keys() {
  static const std::vector<std::string> keys = {"$schema", "assets"};
  return keys;
}

const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> keys = {
      "$schema", "cache_dir", "offline", "block_origin", "require_verified_ranges", "install",
      "sources", "rewrites", "fallback_mirrors", "retry", "tls", "vcpkg_asset_sources", "max_download_size",
      "max_connections", "write_back", "min_free_space", "service"};
  return keys;
}

namespace {

bool contains(const std::vector<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// Exact keys weigh 2, near misses 1; "$schema" belongs to both.
int score(const nlohmann::json& root, const std::vector<std::string>& keys, std::string* example) {
  int total = 0;
  for (const auto& [key, _] : root.items()) {
    if (key == "$schema") continue;
    const int s = contains(keys, key) ? 2 : nearest_key(key, keys).empty() ? 0 : 1;
    if (s > 0 && example->empty()) *example = key;
    total += s;
  }
  return total;
}

}  // namespace

std::optional<KindGuess> guess_kind(const nlohmann::json& root) {
  if (!root.is_object()) return std::nullopt;
  if (const auto it = root.find("$schema"); it != root.end() && it->is_string()) {
    const std::string& schema = it->get_ref<const std::string&>();
    if (schema.find("assetfetch-manifest") != std::string::npos)
      return KindGuess{DocumentKind::manifest, "its \"$schema\" names the manifest schema"};
    if (schema.find("assetfetch-config") != std::string::npos)
      return KindGuess{DocumentKind::config, "its \"$schema\" names the config schema"};
  }
  std::string manifest_example, config_example;
  const int manifest = score(root, manifest_keys(), &manifest_example);
  const int config = score(root, config_keys(), &config_example);
  if (manifest > config) return KindGuess{DocumentKind::manifest, "it has " + quoted_value(manifest_example)};
  if (config > manifest) return KindGuess{DocumentKind::config, "it has " + quoted_value(config_example)};
  return std::nullopt;
}

std::optional<std::string> wrong_kind_problem(const nlohmann::json& root, DocumentKind expected) {
  const auto guess = guess_kind(root);
  if (!guess || guess->kind == expected) return std::nullopt;
  if (expected == DocumentKind::manifest)
    return "this is a mirror config (" + guess->reason +
           "), not a manifest; give it with --config, and name a manifest {\"assets\": [...]} here";
  return "this is a manifest (" + guess->reason +
         "), not a mirror config; a config holds \"sources\", \"rewrites\" and the like";
}

Diagnostics start_checking(const JsonDocument& doc, DocumentKind expected) {
  Diagnostics d(doc.file);
  for (const auto& p : doc.problems) d.add_placed(p);
  if (!doc.root.is_object()) {
    d.add("", expected == DocumentKind::manifest ? "a manifest must be a JSON object {\"assets\": [...]}"
                                                 : "a config must be a JSON object {...}");
    d.throw_if_any(&doc.text);
  }
  if (auto problem = wrong_kind_problem(doc.root, expected)) {
    d.add("", *problem);
    d.throw_if_any(&doc.text);
  }
  return d;
}

}  // namespace config_detail

}  // namespace assetfetch
