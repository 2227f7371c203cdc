#include "config/check.h"

#include "config/document_loaders.h"
#include "config/json_location.h"

namespace assetfetch {

namespace {

std::string count(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string config_summary(const Config& c) {
  std::string s = "config, " + count(c.sources.size(), "source", "sources") + ", " +
                  count(c.rewrites.size(), "rewrite", "rewrites") + ", " +
                  count(c.fallback_mirrors.size(), "fallback mirror", "fallback mirrors");
  if (c.offline) s += ", offline";
  if (c.block_origin) s += ", origin blocked";
  return s;
}

}  // namespace

CheckReport check_text(const std::string& text, const std::filesystem::path& file,
                       std::optional<DocumentKind> kind) {
  const nlohmann::json doc = config_detail::parse_json_text(text, file);
  CheckReport report;
  report.kind = kind.value_or(doc.is_object() && doc.contains("assets") ? DocumentKind::manifest
                                                                         : DocumentKind::config);
  if (report.kind == DocumentKind::manifest) {
    const Manifest m = config_detail::manifest_from_json(doc, file);
    report.summary = file.string() + ": ok (manifest, " + count(m.assets.size(), "asset", "assets") + ")";
  } else {
    ConfigLoadOptions opts;
    opts.missing_env_is_warning = true;
    Config c = config_detail::config_from_json(doc, file, opts);
    report.summary = file.string() + ": ok (" + config_summary(c) + ")";
    report.warnings = std::move(c.warnings);
  }
  return report;
}

CheckReport check_file(const std::filesystem::path& file, std::optional<DocumentKind> kind) {
  return check_text(config_detail::read_text_file(file, "file"), file, kind);
}

}  // namespace assetfetch
