// The asset manifest (schemas/assetfetch-manifest.schema.json).
#include <algorithm>
#include <cctype>
#include <map>

#include "config/document_kind.h"
#include "config/document_loaders.h"
#include "config/manifest_paths.h"
#include "base/url.h"
#include "config/url_template.h"
#include "base/input_error.h"
#include "base/range.h"
#include "base/digest.h"
#include "platform/path.h"

namespace assetfetch {

namespace config_detail {

namespace {

bool valid_asset_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxAssetNameLength) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

Digest parse_hex(const JsonNode& node, HashAlgorithm algorithm) {
  const std::string hex = node.string();
  try {
    return parse_digest(algorithm, hex, algorithm_name(algorithm));
  } catch (const InputError& e) {
    node.fail(e.what());
  }
}

// nullopt when the range has a problem (recorded in `d`).
std::optional<ByteRange> parse_range(const JsonNode& node, Diagnostics& d) {
  node.object();
  const std::size_t before = d.size();
  node.only_keys({"offset", "length", "sha256"}, d);
  ByteRange range;
  if (!node.has("offset")) d.add(node.pointer(), "missing \"offset\" (first byte of the range, from 0)");
  else d.attempt([&] { range.offset = node.child("offset").integer(0, kMaxRangeValue); });
  if (!node.has("length")) {
    d.add(node.pointer(), "missing \"length\" (a byte count, or \"EOF\" for the rest)");
  } else {
    d.attempt([&] {
      const JsonNode length = node.child("length");
      if (length.value().is_string()) {
        if (length.value() != "EOF")
          length.fail("must be a positive integer or the string \"EOF\" (to the end of the file)");
        range.length = kLengthToEof;
        return;
      }
      range.length = length.integer(1, kMaxRangeValue);
      if (range.offset > kMaxRangeValue - range.length)
        length.fail("offset + length is past 2^63 - 1, the largest file offset");
    });
  }
  if (node.has("sha256"))
    d.attempt([&] { range.digest = parse_hex(node.child("sha256"), HashAlgorithm::sha256); });
  if (d.size() != before) return std::nullopt;
  return range;
}

// BITS BG_E_OVERLAPPING_RANGES, and ranges past a declared size, with the place.
void check_ranges(const JsonNode& node, const std::vector<ByteRange>& ranges,
                  std::optional<std::uint64_t> size, Diagnostics& d) {
  std::vector<std::size_t> order(ranges.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return ranges[a].offset < ranges[b].offset; });
  for (std::size_t k = 1; k < order.size(); ++k) {
    const ByteRange& prev = ranges[order[k - 1]];
    const ByteRange& cur = ranges[order[k]];
    if (prev.to_eof() || prev.offset + prev.length > cur.offset)
      d.add(node.pointer() + "/" + std::to_string(order[k]),
            "overlaps or duplicates range " + std::to_string(order[k - 1]) +
                "; ranges may not overlap (merge or split them)");
  }
  if (!size) return;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    const ByteRange& r = ranges[i];
    if (r.offset >= *size || (!r.to_eof() && r.length > *size - r.offset))
      d.add(node.pointer() + "/" + std::to_string(i),
            "range " + format_range(r) + " lies past the end of the file (\"size\" is " +
                std::to_string(*size) + " bytes)");
  }
}

struct ParsedAsset {
  ManifestAsset asset;
  bool name_ok = false;
  bool first_url_ok = false;  // urls[0] is acceptable (the default destination comes from it)
  bool destination_ok = false;
  std::string destination_pointer;  // where the destination came from
};

void parse_urls(const JsonNode& node, ParsedAsset& p, Diagnostics& d) {
  if (!node.has("urls")) {
    d.add(node.pointer(), "missing \"urls\"; list where the asset can be downloaded, origin first");
    return;
  }
  const JsonNode urls = node.child("urls");
  if (urls.array().empty()) urls.fail("must list at least one URL, origin first");
  for (std::size_t i = 0; i < urls.array().size(); ++i) {
    d.attempt([&] {
      const JsonNode url = urls.element(i);
      std::string text = url.string();
      if (auto problem = url_problem(text)) url.fail(*problem);
      p.asset.urls.push_back(std::move(text));
      if (i == 0) p.first_url_ok = true;
    });
  }
}

void parse_destination(const JsonNode& node, ParsedAsset& p) {
  if (node.has("destination")) {
    const JsonNode dest = node.child("destination");
    p.destination_pointer = dest.pointer();
    p.asset.destination = dest.string();
    if (auto problem = destination_problem(p.asset.destination)) dest.fail(*problem);
    p.destination_ok = true;
    return;
  }
  // Derived from the first URL (only when that one is acceptable).
  if (!p.first_url_ok) return;
  const JsonNode first = node.child("urls").element(0);
  p.destination_pointer = first.pointer();
  try {
    p.asset.destination = default_file_name(p.asset.urls.front());
  } catch (const InputError& e) {
    first.fail(std::string(e.what()) + " (or set \"destination\")");
  }
  if (auto problem = destination_problem(p.asset.destination))
    first.fail("the file name taken from this URL " + *problem + " (or set \"destination\")");
  p.destination_ok = true;
}

void parse_asset_ranges(const JsonNode& node, ParsedAsset& p, Diagnostics& d) {
  const JsonNode ranges = node.child("ranges");
  const auto& list = ranges.array();
  if (list.empty()) ranges.fail("must list at least one range; remove \"ranges\" to fetch the whole file");
  if (list.size() > kMaxRangesPerFile)
    ranges.fail("lists " + std::to_string(list.size()) + " ranges; at most " +
                std::to_string(kMaxRangesPerFile) + " are allowed (merge neighbouring ranges)");
  bool all_ok = true;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::optional<ByteRange> r;
    d.attempt([&] { r = parse_range(ranges.element(i), d); });
    if (r) p.asset.ranges.push_back(std::move(*r));
    else all_ok = false;
  }
  p.asset.ranges_given = true;
  if (all_ok) check_ranges(ranges, p.asset.ranges, p.asset.size, d);
}

ParsedAsset parse_asset(const JsonNode& node, Diagnostics& d) {
  node.object();
  node.only_keys({"name", "urls", "sha256", "sha512", "size", "destination", "ranges", "sparse"}, d);
  ParsedAsset p;
  ManifestAsset& asset = p.asset;
  if (!node.has("name")) {
    d.add(node.pointer(), "missing \"name\"; add a unique name such as \"zlib\"");
  } else {
    d.attempt([&] {
      const JsonNode name = node.child("name");
      asset.name = name.string();
      if (!valid_asset_name(asset.name))
        name.fail(quoted_value(asset.name) + " is not a valid asset name; use 1 to " +
                  std::to_string(kMaxAssetNameLength) + " letters, digits, '_', '.' and '-'");
      p.name_ok = true;
    });
  }
  d.attempt([&] { parse_urls(node, p, d); });
  if (node.has("sha256"))
    d.attempt([&] { asset.sha256 = parse_hex(node.child("sha256"), HashAlgorithm::sha256); });
  if (node.has("sha512"))
    d.attempt([&] { asset.sha512 = parse_hex(node.child("sha512"), HashAlgorithm::sha512); });
  if (!node.has("sha256") && !node.has("sha512"))
    d.add(node.pointer(), "no hash; add \"sha256\" (or \"sha512\") with the hex digest of the file");
  if (node.has("size"))
    d.attempt([&] { asset.size = node.child("size").integer(0, kMaxRangeValue); });
  d.attempt([&] { parse_destination(node, p); });
  if (node.has("ranges")) d.attempt([&] { parse_asset_ranges(node, p, d); });
  if (node.has("sparse")) d.attempt([&] { asset.sparse = node.child("sparse").boolean(); });
  return p;
}

// The asset's name as written, for messages, even when it is not valid.
std::string raw_name(const nlohmann::json& asset) {
  if (!asset.is_object()) return "";
  const auto it = asset.find("name");
  return it != asset.end() && it->is_string() ? it->get<std::string>() : "";
}

void check_across_assets(const std::vector<ParsedAsset>& parsed, Diagnostics& d) {
  std::map<std::string, std::size_t> names;
  std::vector<std::optional<std::string>> destinations;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    const ParsedAsset& p = parsed[i];
    destinations.push_back(p.destination_ok ? std::optional(p.asset.destination) : std::nullopt);
    if (!p.name_ok) continue;
    if (auto [it, fresh] = names.emplace(p.asset.name, i); !fresh) {
      d.set_asset(p.asset.name);
      d.add("/assets/" + std::to_string(i) + "/name",
            "duplicate asset name (also /assets/" + std::to_string(it->second) + "); names must be unique");
    }
  }
  for (const DestinationClash& c : destination_clashes(destinations)) {
    const ParsedAsset& p = parsed[c.index];
    const ParsedAsset& other = parsed[c.other];
    d.set_asset(p.asset.name);
    const std::string where = (other.name_ok ? "asset " + quoted_value(other.asset.name) + " " : std::string()) +
                              "(/assets/" + std::to_string(c.other) + ")";
    if (c.inside)
      d.add(p.destination_pointer,
            "destination " + quoted_value(p.asset.destination) + " lies inside " +
                quoted_value(other.asset.destination) + ", the file of " + where +
                "; a path cannot be both a file and a directory (set a distinct \"destination\")");
    else
      d.add(p.destination_pointer, "destination " + quoted_value(p.asset.destination) +
                                       " is also used by " + where + "; set a distinct \"destination\"");
  }
  d.set_asset("");
}

// Whether an unknown top-level key was already taken for a misspelt "assets".
bool assets_misspelt(const nlohmann::json& root) {
  for (const auto& [key, _] : root.items())
    if (key != "assets" && nearest_key(key, manifest_keys()) == "assets") return true;
  return false;
}

}  // namespace

Manifest manifest_from_document(const JsonDocument& doc) {
  Diagnostics d = start_checking(doc, DocumentKind::manifest);
  const JsonNode root(doc.root, platform::utf8_of(doc.file));
  root.only_keys(manifest_keys(), d);
  if (root.has("$schema")) d.attempt([&] { root.child("$schema").string(); });
  Manifest manifest;
  manifest.file = doc.file;
  if (!root.has("assets")) {
    if (!assets_misspelt(doc.root))
      d.add("", "missing \"assets\"; add \"assets\": [ {\"name\": ..., \"urls\": [...], \"sha256\": ...} ]");
    d.throw_if_any(&doc.text);
  }
  std::vector<ParsedAsset> parsed;
  d.attempt([&] {
    const JsonNode assets = root.child("assets");
    // `sync` would have nothing to do: refuse it here, so `check` agrees.
    if (assets.array().empty())
      assets.fail("the list is empty; add at least one asset: {\"name\": ..., \"urls\": [...], \"sha256\": ...}");
    for (std::size_t i = 0; i < assets.array().size(); ++i) {
      const JsonNode node = assets.element(i);
      d.set_asset(raw_name(node.value()));
      ParsedAsset p;
      d.attempt([&] { p = parse_asset(node, d); });
      parsed.push_back(std::move(p));
    }
  });
  d.set_asset("");
  check_across_assets(parsed, d);
  d.throw_if_any(&doc.text);
  for (auto& p : parsed) manifest.assets.push_back(std::move(p.asset));
  return manifest;
}

}  // namespace config_detail

Manifest parse_manifest(const std::string& text, const std::filesystem::path& file_for_messages) {
  return config_detail::manifest_from_document(config_detail::parse_document(text, file_for_messages));
}

Manifest load_manifest(const std::filesystem::path& file) {
  return config_detail::manifest_from_document(config_detail::read_document(file, "manifest"));
}

}  // namespace assetfetch
