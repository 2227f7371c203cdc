// The asset manifest (schemas/assetfetch-manifest.schema.json).
#include <algorithm>
#include <cctype>
#include <map>

#include "config/document_loaders.h"
#include "config/json_location.h"
#include "config/url_rules.h"
#include "verify/digest.h"
#include "core/input_error.h"

namespace assetfetch {

namespace config_detail {

namespace {

// BITS' per-file cap on ranges (range.h kMaxRangesPerFile holds the same).
constexpr std::size_t kMaxRanges = 4096;

bool valid_asset_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

// Destinations are relative to the destination directory and may not leave
// it; '\' is refused so a manifest behaves the same on Windows.
std::optional<std::string> destination_problem(const std::string& d) {
  if (d.empty()) return "must not be empty";
  if (d.find('\\') != std::string::npos) return "use '/' to separate directories, not '\\'";
  if (d.front() == '/') return "must be relative to the destination directory, not absolute";
  if (d.size() >= 2 && d[1] == ':' && std::isalpha(static_cast<unsigned char>(d[0])))
    return "must be relative to the destination directory, not a drive path";
  if (d.back() == '/') return "names a directory; add the file name";
  std::size_t start = 0;
  while (start <= d.size()) {
    const std::size_t end = std::min(d.find('/', start), d.size());
    if (d.compare(start, end - start, "..") == 0 && end - start == 2)
      return "may not contain '..': it would escape the destination directory";
    start = end + 1;
  }
  return std::nullopt;
}

Digest parse_hex(const JsonNode& node, HashAlgorithm algorithm) {
  const std::string hex = node.string();
  try {
    return parse_digest(algorithm, hex, algorithm_name(algorithm));
  } catch (const InputError& e) {
    node.fail(e.what());
  }
}

ByteRange parse_range(const JsonNode& node) {
  node.only_keys({"offset", "length", "sha256"});
  if (!node.has("offset")) node.fail("missing \"offset\" (first byte of the range, from 0)");
  if (!node.has("length")) node.fail("missing \"length\" (a byte count, or \"EOF\" for the rest)");
  ByteRange range;
  range.offset = node.child("offset").integer(0, UINT64_MAX - 1);
  const JsonNode length = node.child("length");
  if (length.value().is_string()) {
    if (length.value() != "EOF")
      length.fail("must be a positive integer or the string \"EOF\" (to the end of the file)");
    range.length = kLengthToEof;
  } else {
    range.length = length.integer(1, UINT64_MAX - 1);
    if (range.offset > UINT64_MAX - range.length) length.fail("offset + length overflows");
  }
  if (node.has("sha256")) range.digest = parse_hex(node.child("sha256"), HashAlgorithm::sha256);
  return range;
}

// BITS BG_E_OVERLAPPING_RANGES, reported here with the place.
void check_overlaps(const JsonNode& node, const std::vector<ByteRange>& ranges) {
  std::vector<std::size_t> order(ranges.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return ranges[a].offset < ranges[b].offset; });
  for (std::size_t k = 1; k < order.size(); ++k) {
    const ByteRange& prev = ranges[order[k - 1]];
    const ByteRange& cur = ranges[order[k]];
    const bool overlaps = prev.to_eof() || prev.offset + prev.length > cur.offset;
    if (overlaps)
      node.element(order[k]).fail("overlaps or duplicates range " + std::to_string(order[k - 1]) +
                                  "; ranges may not overlap (merge or split them)");
  }
}

ManifestAsset parse_asset(const JsonNode& node) {
  node.object();
  node.only_keys({"name", "urls", "sha256", "sha512", "size", "destination", "ranges", "sparse"});
  ManifestAsset asset;
  if (!node.has("name")) node.fail("missing \"name\"; add a unique name such as \"zlib\"");
  const JsonNode name = node.child("name");
  asset.name = name.string();
  if (!valid_asset_name(asset.name))
    name.fail("\"" + asset.name + "\" is not a valid asset name; use letters, digits, '_', '.' and '-' only");

  if (!node.has("urls")) node.fail("missing \"urls\"; list where the asset can be downloaded, origin first");
  const JsonNode urls = node.child("urls");
  if (urls.array().empty()) urls.fail("must list at least one URL, origin first");
  for (std::size_t i = 0; i < urls.array().size(); ++i) {
    const JsonNode url = urls.element(i);
    asset.urls.push_back(url.string());
    if (auto problem = url_problem(asset.urls.back())) url.fail(*problem);
  }

  if (node.has("sha256")) asset.sha256 = parse_hex(node.child("sha256"), HashAlgorithm::sha256);
  if (node.has("sha512")) asset.sha512 = parse_hex(node.child("sha512"), HashAlgorithm::sha512);
  if (!asset.sha256 && !asset.sha512)
    node.fail("asset \"" + asset.name +
              "\" has no hash; add \"sha256\" (or \"sha512\") with the hex digest of the file");
  if (node.has("size")) asset.size = node.child("size").integer(0, UINT64_MAX);

  if (node.has("destination")) {
    const JsonNode dest = node.child("destination");
    asset.destination = dest.string();
    if (auto problem = destination_problem(asset.destination)) dest.fail(*problem);
  } else {
    try {
      asset.destination = default_file_name(asset.urls.front());
    } catch (const InputError& e) {
      urls.element(0).fail(std::string(e.what()) + " (or set \"destination\")");
    }
  }

  if (node.has("ranges")) {
    const JsonNode ranges = node.child("ranges");
    if (ranges.array().empty())
      ranges.fail("must list at least one range; remove \"ranges\" to fetch the whole file");
    if (ranges.array().size() > kMaxRanges)
      ranges.fail("lists " + std::to_string(ranges.array().size()) + " ranges; at most " +
                  std::to_string(kMaxRanges) + " are allowed (merge neighbouring ranges)");
    for (std::size_t i = 0; i < ranges.array().size(); ++i)
      asset.ranges.push_back(parse_range(ranges.element(i)));
    check_overlaps(ranges, asset.ranges);
    asset.ranges_given = true;
  }
  if (node.has("sparse")) asset.sparse = node.child("sparse").boolean();
  return asset;
}

}  // namespace

Manifest manifest_from_json(const nlohmann::json& doc, const std::filesystem::path& file) {
  const JsonNode root(doc, file.string());
  if (!doc.is_object()) root.fail("a manifest must be a JSON object {\"assets\": [...]}");
  root.only_keys({"$schema", "assets"});
  if (root.has("$schema")) root.child("$schema").string();
  if (!root.has("assets")) root.fail("missing \"assets\"; add \"assets\": [ {\"name\": ..., \"urls\": [...], \"sha256\": ...} ]");
  const JsonNode assets = root.child("assets");
  Manifest manifest;
  manifest.file = file;
  std::map<std::string, std::size_t> names, destinations;
  for (std::size_t i = 0; i < assets.array().size(); ++i) {
    const JsonNode node = assets.element(i);
    ManifestAsset asset = parse_asset(node);
    if (auto [it, fresh] = names.emplace(asset.name, i); !fresh)
      node.child("name").fail("duplicate asset name \"" + asset.name + "\" (also /assets/" +
                              std::to_string(it->second) + "); names must be unique");
    const std::string dest_key = std::filesystem::path(asset.destination).lexically_normal().string();
    if (auto [it, fresh] = destinations.emplace(dest_key, i); !fresh)
      node.fail("destination \"" + asset.destination + "\" is also used by /assets/" +
                std::to_string(it->second) + "; set a distinct \"destination\"");
    manifest.assets.push_back(std::move(asset));
  }
  return manifest;
}

}  // namespace config_detail

Manifest parse_manifest(const std::string& text, const std::filesystem::path& file_for_messages) {
  return config_detail::manifest_from_json(
      config_detail::parse_json_text(text, file_for_messages), file_for_messages);
}

Manifest load_manifest(const std::filesystem::path& file) {
  return parse_manifest(config_detail::read_text_file(file, "manifest"), file);
}

}  // namespace assetfetch
