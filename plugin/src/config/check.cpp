#include "config/check.h"

#include "config/document_loaders.h"
#include "platform/path.h"

namespace assetfetch {

namespace {

std::string count(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string config_summary(const Config& c) {
  std::string s = "config, " + count(c.sources.size(), "source", "sources");
  // A store left out for lack of credentials is named, not silently
  // uncounted: its warning says what was looked for.
  if (!c.skipped_store_places.empty()) {
    s += " (" + std::to_string(c.skipped_store_places.size()) + " more skipped, no credentials:";
    for (const auto& place : c.skipped_store_places) s += " " + place;
    s += ")";
  }
  s += ", " + count(c.rewrites.size(), "rewrite", "rewrites") + ", " +
                  count(c.fallback_mirrors.size(), "fallback mirror", "fallback mirrors");
  if (c.offline) s += ", offline";
  if (c.block_origin) s += ", origin blocked";
  if (c.service) s += *c.service == ServiceMode::automatic ? ", service auto" : ", service off";
  return s;
}

CheckReport check_document(const config_detail::JsonDocument& doc, std::optional<DocumentKind> kind) {
  CheckReport report;
  if (!kind)
    if (const auto guess = config_detail::guess_kind(doc.root)) kind = guess->kind;
  report.kind = kind.value_or(DocumentKind::config);
  const std::string file = platform::utf8_of(doc.file);
  if (report.kind == DocumentKind::manifest) {
    const Manifest m = config_detail::manifest_from_document(doc);
    report.summary = file + ": ok (manifest, " + count(m.assets.size(), "asset", "assets") + ")";
  } else {
    ConfigLoadOptions opts;
    opts.missing_env_is_warning = true;
    Config c = config_detail::config_from_document(doc, opts);
    report.summary = file + ": ok (" + config_summary(c) + ")";
    report.warnings = std::move(c.warnings);
  }
  return report;
}

}  // namespace

CheckReport check_text(const std::string& text, const std::filesystem::path& file,
                       std::optional<DocumentKind> kind) {
  return check_document(config_detail::parse_document(text, file), kind);
}

CheckReport check_file(const std::filesystem::path& file, std::optional<DocumentKind> kind) {
  return check_document(config_detail::read_document(file, "file"), kind);
}

}  // namespace assetfetch
