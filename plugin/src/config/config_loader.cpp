// The mirror configuration (schemas/assetfetch-config.schema.json).
#include "config/document_kind.h"
#include "config/document_loaders.h"
#include "config/free_space_text.h"
#include "config/store_source.h"
#include "config/url_pattern.h"
#include "base/url.h"
#include "config/url_template.h"
#include "transfer/redact.h"
#include "platform/path.h"

namespace assetfetch {

namespace config_detail {

namespace {

std::filesystem::path resolve_against(const std::filesystem::path& file, const std::string& p) {
  const std::filesystem::path path = platform::path_from_utf8(p);
  if (path.is_absolute()) return path.lexically_normal();
  return (std::filesystem::absolute(file).parent_path() / path).lexically_normal();
}

// A local path (cache_dir, ca_file): non-empty, no control characters (a NUL
// would cut the path short where the OS reads it).
std::string local_path(const JsonNode& node) {
  const std::string p = node.non_empty_string();
  for (char c : p)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      node.fail("contains a control character; give a plain path");
  return p;
}

SourceSpec parse_source(const JsonNode& node, const ConfigLoadOptions& opts, std::vector<std::string>& warnings,
                        Diagnostics& d, std::optional<std::string>& unusable) {
  node.object();
  node.only_keys(kSourceKeys, d);
  SourceSpec source;
  if (node.has("url")) d.attempt([&] { source.url_template = node.child("url").non_empty_string(); });
  // "kind" and its keys; an s3:// url becomes the endpoint's URL here.
  const bool url_checkable = parse_store_keys(node, source, d, unusable, opts);
  if (!node.has("url")) {
    d.add(node.pointer(), "missing \"url\"; add a URL template such as \"https://cache.example/{sha256}\"");
  } else if (url_checkable) {
    d.attempt([&] {
      const JsonNode url = node.child("url");
      if (auto problem = url_problem(source.url_template)) url.fail(*problem);
      if (auto problem = template_problem(source.url_template)) url.fail(*problem);
      if (source.store.kind == StoreKind::azure_blob) {
        if (auto problem = azure_sas_problem(source.url_template)) url.fail(*problem);
      }
    });
  }
  if (node.has("access")) {
    d.attempt([&] {
      const JsonNode access = node.child("access");
      const std::string a = access.string();
      if (a == "read")
        source.access = SourceAccess::read;
      else if (a == "write")
        source.access = SourceAccess::write;
      else if (a == "readwrite")
        source.access = SourceAccess::readwrite;
      else
        access.fail(quoted_value(a) + " is not an access mode; use \"read\", \"write\" or \"readwrite\"");
    });
  }
  if (node.has("headers"))
    d.attempt([&] { source.headers = parse_headers(node.child("headers"), opts, warnings, d); });
  return source;
}

RewriteRule parse_rewrite(const JsonNode& node, const ConfigLoadOptions& opts,
                          std::vector<std::string>& warnings, Diagnostics& d) {
  node.object();
  node.only_keys({"match", "replace", "headers"}, d);
  RewriteRule rule;
  bool strings_ok = true;
  if (!node.has("match")) {
    d.add(node.pointer(), "missing \"match\" (an RE2 regular expression over the whole declared URL)");
    strings_ok = false;
  } else {
    strings_ok &= d.attempt([&] { rule.match = node.child("match").non_empty_string(); });
  }
  if (!node.has("replace")) {
    d.add(node.pointer(), "missing \"replace\" (the new URL, $1 for the first group)");
    strings_ok = false;
  } else {
    strings_ok &= d.attempt([&] { rule.replace = node.child("replace").non_empty_string(); });
  }
  if (strings_ok) {
    d.attempt([&] {
      PatternProblem problem;
      rule.compiled = UrlPattern::compile(rule.match, rule.replace, &problem);
      if (!rule.compiled) node.child(problem.in_replace ? "replace" : "match").fail(problem.message);
    });
  }
  if (node.has("headers"))
    d.attempt([&] { rule.headers = parse_headers(node.child("headers"), opts, warnings, d); });
  return rule;
}

std::vector<RewriteRule> parse_rewrites(const JsonNode& node, const ConfigLoadOptions& opts,
                                        std::vector<std::string>& warnings, Diagnostics& d) {
  std::vector<RewriteRule> rules;
  for (std::size_t i = 0; i < node.array().size(); ++i)
    d.attempt([&] { rules.push_back(parse_rewrite(node.element(i), opts, warnings, d)); });
  return rules;
}

void parse_retry(const JsonNode& node, RetryPolicy& retry, Diagnostics& d) {
  node.object();
  node.only_keys({"attempts", "backoff_ms", "no_progress_timeout_s", "connect_timeout_s", "min_rate_bytes_per_s",
                  "min_rate_window_s"},
                 d);
  if (node.has("attempts"))
    d.attempt([&] { retry.attempts = static_cast<int>(node.child("attempts").integer(1, 20)); });
  if (node.has("backoff_ms"))
    d.attempt([&] { retry.backoff = std::chrono::milliseconds(node.child("backoff_ms").integer(0, 600000)); });
  if (node.has("no_progress_timeout_s"))
    d.attempt([&] {
      retry.no_progress_timeout = std::chrono::seconds(node.child("no_progress_timeout_s").integer(1, 3600));
    });
  if (node.has("connect_timeout_s"))
    d.attempt([&] {
      retry.connect_timeout = std::chrono::seconds(node.child("connect_timeout_s").integer(1, 600));
    });
  if (node.has("min_rate_bytes_per_s"))
    d.attempt([&] {
      retry.min_rate_bytes_per_s = node.child("min_rate_bytes_per_s").integer(0, std::uint64_t{1} << 30);
    });
  if (node.has("min_rate_window_s"))
    d.attempt([&] { retry.min_rate_window = std::chrono::seconds(node.child("min_rate_window_s").integer(1, 3600)); });
}

void parse_tls(const JsonNode& node, const std::filesystem::path& file, Config& config, Diagnostics& d) {
  node.object();
  node.only_keys({"verify", "ca_file"}, d);
  if (node.has("verify")) d.attempt([&] { config.tls.verify = node.child("verify").boolean(); });
  if (node.has("ca_file"))
    d.attempt([&] { config.tls.ca_file = platform::utf8_of(resolve_against(file, local_path(node.child("ca_file")))); });
  if (!config.tls.verify)
    config.warnings.push_back(node.child("verify").place() +
                              ": TLS verification is off; anyone on the path can serve bytes "
                              "(the hash still protects content, not credentials)");
}

void parse_install(const JsonNode& install, Config& config) {
  const std::string mode = install.string();
  if (mode == "copy")
    config.install = InstallMode::copy;
  else if (mode == "hardlink")
    config.install = InstallMode::hardlink;
  else
    install.fail(quoted_value(mode) + " is not an install mode; use \"copy\" or \"hardlink\"");
}

void parse_service(const JsonNode& node, Config& config) {
  const std::string mode = node.string();
  if (mode == "auto")
    config.service = ServiceMode::automatic;
  else if (mode == "off")
    config.service = ServiceMode::off;
  else
    node.fail(quoted_value(mode) +
              " is not a service mode; use \"auto\" (fetch through the background service, starting it when "
              "needed) or \"off\" (fetch in this process)");
}

// Applied to a scratch config so its `clear` only drops entries of the same
// string: the file's own "sources" stay (a file cannot contradict itself);
// vcpkg sources come after them.
void parse_vcpkg(const JsonNode& vcpkg, Config& config) {
  Config imported;
  try {
    apply_vcpkg_asset_sources(vcpkg.string(), imported, "");
  } catch (const NodeError&) {
    throw;
  } catch (const InputError& e) {
    vcpkg.fail(e.what());
  }
  for (auto& s : imported.sources) config.sources.push_back(std::move(s));
  config.block_origin = config.block_origin || imported.block_origin;
  for (auto& w : imported.warnings) config.warnings.push_back(vcpkg.place() + ": " + w);
}

}  // namespace

Config config_from_document(const JsonDocument& doc, const ConfigLoadOptions& opts) {
  Diagnostics d = start_checking(doc, DocumentKind::config);
  const std::filesystem::path& file = doc.file;
  const JsonNode root(doc.root, platform::utf8_of(file));
  root.only_keys(config_keys(), d);
  Config config;
  config.file = file;
  auto field = [&](const char* key, auto&& parse) {
    if (root.has(key)) d.attempt([&] { parse(root.child(key)); });
  };
  field("$schema", [](const JsonNode& n) { n.string(); });
  field("cache_dir", [&](const JsonNode& n) { config.cache_dir = resolve_against(file, local_path(n)); });
  field("offline", [&](const JsonNode& n) { config.offline = n.boolean(); });
  field("block_origin", [&](const JsonNode& n) { config.block_origin = n.boolean(); });
  field("require_verified_ranges", [&](const JsonNode& n) { config.require_verified_ranges = n.boolean(); });
  field("install", [&](const JsonNode& n) { parse_install(n, config); });
  field("sources", [&](const JsonNode& n) {
    // "cache_dir" is read above, so the stores know the job's cache folder.
    ConfigLoadOptions for_sources = opts;
    if (!for_sources.cache_dir) for_sources.cache_dir = config.cache_dir.value_or(opts.default_cache_dir);
    for (std::size_t i = 0; i < n.array().size(); ++i)
      d.attempt([&] {
        std::optional<std::string> unusable;
        SourceSpec source = parse_source(n.element(i), for_sources, config.warnings, d, unusable);
        if (!unusable) return config.sources.push_back(std::move(source));
        const JsonNode url = n.element(i).child("url");
        const std::string line = n.element(i).place() + " (" + redact_url(url.string()) + "): " + *unusable +
                                 "; this store is skipped";
        config.skipped_stores.push_back(line);
        config.skipped_store_places.push_back(n.element(i).pointer());
        config.warnings.push_back(line);
      });
  });
  field("rewrites", [&](const JsonNode& n) { config.rewrites = parse_rewrites(n, opts, config.warnings, d); });
  field("fallback_mirrors",
        [&](const JsonNode& n) { config.fallback_mirrors = parse_rewrites(n, opts, config.warnings, d); });
  field("retry", [&](const JsonNode& n) { parse_retry(n, config.retry, d); });
  field("tls", [&](const JsonNode& n) { parse_tls(n, file, config, d); });
  field("max_download_size",
        [&](const JsonNode& n) { config.max_download_size = n.integer(1, std::uint64_t{1} << 62); });
  field("min_free_space", [&](const JsonNode& n) {
    if (n.value().is_string()) {
      std::string problem;
      auto floor = parse_free_space(n.string(), &problem);
      if (!floor) n.fail(problem);
      config.min_free_space = *floor;
    } else if (n.value().is_number()) {
      config.min_free_space = FreeSpaceFloor{n.integer(0, std::uint64_t{1} << 62), std::nullopt};
    } else {
      n.fail(std::string("expected a size such as \"2GiB\" or \"5%\", or a number of bytes, got ") +
             json_type_name(n.value()));
    }
  });
  field("max_connections",
        [&](const JsonNode& n) { config.max_connections = static_cast<int>(n.integer(1, kMaxConnectionsPerFile)); });
  field("write_back", [&](const JsonNode& n) {
    n.object();
    n.only_keys({"wait_s"}, d);
    if (n.has("wait_s")) config.write_back_wait = std::chrono::seconds(n.child("wait_s").integer(0, 86400));
  });
  field("vcpkg_asset_sources", [&](const JsonNode& n) { parse_vcpkg(n, config); });
  field("service", [&](const JsonNode& n) { parse_service(n, config); });
  d.throw_if_any(&doc.text);
  return config;
}

}  // namespace config_detail

Config parse_config(const std::string& text, const std::filesystem::path& file_for_messages,
                    const ConfigLoadOptions& opts) {
  return config_detail::config_from_document(config_detail::parse_document(text, file_for_messages), opts);
}

Config load_config(const std::filesystem::path& file, const ConfigLoadOptions& opts) {
  return config_detail::config_from_document(config_detail::read_document(file, "config"), opts);
}

}  // namespace assetfetch
