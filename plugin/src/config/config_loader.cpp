// The mirror configuration (schemas/assetfetch-config.schema.json).
#include <regex>

#include "config/document_loaders.h"
#include "config/json_location.h"
#include "config/url_rules.h"
#include "config/url_template.h"

namespace assetfetch {

namespace config_detail {

namespace {

std::filesystem::path resolve_against(const std::filesystem::path& file, const std::string& p) {
  const std::filesystem::path path(p);
  if (path.is_absolute()) return path.lexically_normal();
  return (std::filesystem::absolute(file).parent_path() / path).lexically_normal();
}

SourceSpec parse_source(const JsonNode& node, const ConfigLoadOptions& opts,
                        std::vector<std::string>& warnings) {
  node.only_keys({"url", "access", "headers"});
  if (!node.has("url")) node.fail("missing \"url\"; add a URL template such as \"https://cache.example/{sha256}\"");
  SourceSpec source;
  const JsonNode url = node.child("url");
  source.url_template = url.non_empty_string();
  if (auto problem = url_problem(source.url_template)) url.fail(*problem);
  if (auto problem = template_problem(source.url_template)) url.fail(*problem);
  if (node.has("access")) {
    const JsonNode access = node.child("access");
    const std::string a = access.string();
    if (a == "read")
      source.access = SourceAccess::read;
    else if (a == "write")
      source.access = SourceAccess::write;
    else if (a == "readwrite")
      source.access = SourceAccess::readwrite;
    else
      access.fail("\"" + a + "\" is not an access mode; use \"read\", \"write\" or \"readwrite\"");
  }
  if (node.has("headers")) source.headers = parse_headers(node.child("headers"), opts, warnings);
  return source;
}

RewriteRule parse_rewrite(const JsonNode& node, const ConfigLoadOptions& opts,
                          std::vector<std::string>& warnings) {
  node.only_keys({"match", "replace", "headers"});
  if (!node.has("match")) node.fail("missing \"match\" (an ECMAScript regex over the declared URL)");
  if (!node.has("replace")) node.fail("missing \"replace\" (the new URL, $1 for the first group)");
  RewriteRule rule;
  const JsonNode match = node.child("match");
  rule.match = match.non_empty_string();
  try {
    std::regex check(rule.match, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    match.fail(std::string("not a valid ECMAScript regular expression (") + e.what() +
               "); escape literal characters such as . ( [ with \\\\");
  }
  rule.replace = node.child("replace").non_empty_string();
  if (node.has("headers")) rule.headers = parse_headers(node.child("headers"), opts, warnings);
  return rule;
}

std::vector<RewriteRule> parse_rewrites(const JsonNode& node, const ConfigLoadOptions& opts,
                                        std::vector<std::string>& warnings) {
  std::vector<RewriteRule> rules;
  for (std::size_t i = 0; i < node.array().size(); ++i)
    rules.push_back(parse_rewrite(node.element(i), opts, warnings));
  return rules;
}

void parse_retry(const JsonNode& node, RetryPolicy& retry) {
  node.only_keys({"attempts", "backoff_ms", "no_progress_timeout_s", "connect_timeout_s",
                  "min_rate_bytes_per_s", "min_rate_window_s"});
  if (node.has("attempts")) retry.attempts = static_cast<int>(node.child("attempts").integer(1, 20));
  if (node.has("backoff_ms"))
    retry.backoff = std::chrono::milliseconds(node.child("backoff_ms").integer(0, 600000));
  if (node.has("no_progress_timeout_s"))
    retry.no_progress_timeout =
        std::chrono::seconds(node.child("no_progress_timeout_s").integer(1, 3600));
  if (node.has("connect_timeout_s"))
    retry.connect_timeout = std::chrono::seconds(node.child("connect_timeout_s").integer(1, 600));
  if (node.has("min_rate_bytes_per_s"))
    retry.min_rate_bytes_per_s = node.child("min_rate_bytes_per_s").integer(0, std::uint64_t{1} << 30);
  if (node.has("min_rate_window_s"))
    retry.min_rate_window = std::chrono::seconds(node.child("min_rate_window_s").integer(1, 3600));
}

void parse_tls(const JsonNode& node, const std::filesystem::path& file, Config& config) {
  node.only_keys({"verify", "ca_file"});
  if (node.has("verify")) config.tls.verify = node.child("verify").boolean();
  if (node.has("ca_file"))
    config.tls.ca_file = resolve_against(file, node.child("ca_file").non_empty_string()).string();
  if (!config.tls.verify)
    config.warnings.push_back(node.child("verify").place() +
                              ": TLS verification is off; anyone on the path can serve bytes "
                              "(the hash still protects content, not credentials)");
}

}  // namespace

Config config_from_json(const nlohmann::json& doc, const std::filesystem::path& file,
                        const ConfigLoadOptions& opts) {
  const JsonNode root(doc, file.string());
  if (!doc.is_object()) root.fail("a config must be a JSON object {...}");
  root.only_keys({"$schema", "cache_dir", "offline", "block_origin", "require_verified_ranges",
                  "install", "sources", "rewrites", "fallback_mirrors", "retry", "tls",
                  "vcpkg_asset_sources", "max_download_size"});
  Config config;
  config.file = file;
  if (root.has("$schema")) root.child("$schema").string();
  if (root.has("cache_dir"))
    config.cache_dir = resolve_against(file, root.child("cache_dir").non_empty_string());
  if (root.has("offline")) config.offline = root.child("offline").boolean();
  if (root.has("block_origin")) config.block_origin = root.child("block_origin").boolean();
  if (root.has("require_verified_ranges"))
    config.require_verified_ranges = root.child("require_verified_ranges").boolean();
  if (root.has("install")) {
    const JsonNode install = root.child("install");
    const std::string mode = install.string();
    if (mode == "copy")
      config.install = InstallMode::copy;
    else if (mode == "hardlink")
      config.install = InstallMode::hardlink;
    else
      install.fail("\"" + mode + "\" is not an install mode; use \"copy\" or \"hardlink\"");
  }
  if (root.has("sources")) {
    const JsonNode sources = root.child("sources");
    for (std::size_t i = 0; i < sources.array().size(); ++i)
      config.sources.push_back(parse_source(sources.element(i), opts, config.warnings));
  }
  if (root.has("rewrites"))
    config.rewrites = parse_rewrites(root.child("rewrites"), opts, config.warnings);
  if (root.has("fallback_mirrors"))
    config.fallback_mirrors = parse_rewrites(root.child("fallback_mirrors"), opts, config.warnings);
  if (root.has("retry")) parse_retry(root.child("retry"), config.retry);
  if (root.has("max_download_size"))
    config.max_download_size = root.child("max_download_size").integer(1, std::uint64_t{1} << 62);
  if (root.has("tls")) parse_tls(root.child("tls"), file, config);
  if (root.has("vcpkg_asset_sources")) {
    // Applied to a scratch config so its `clear` only drops entries of the
    // same string: the file's own "sources" stay (a file cannot contradict
    // itself); vcpkg sources come after them.
    const JsonNode vcpkg = root.child("vcpkg_asset_sources");
    Config imported;
    apply_vcpkg_asset_sources(vcpkg.string(), imported, vcpkg.place());
    for (auto& s : imported.sources) config.sources.push_back(std::move(s));
    config.block_origin = config.block_origin || imported.block_origin;
    for (auto& w : imported.warnings) config.warnings.push_back(std::move(w));
  }
  return config;
}

}  // namespace config_detail

Config parse_config(const std::string& text, const std::filesystem::path& file_for_messages,
                    const ConfigLoadOptions& opts) {
  return config_detail::config_from_json(config_detail::parse_json_text(text, file_for_messages),
                                         file_for_messages, opts);
}

Config load_config(const std::filesystem::path& file, const ConfigLoadOptions& opts) {
  return parse_config(config_detail::read_text_file(file, "config"), file, opts);
}

}  // namespace assetfetch
