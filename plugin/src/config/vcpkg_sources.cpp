// vcpkg's X_VCPKG_ASSET_SOURCES syntax, so a team's existing vcpkg asset
// cache serves assetfetch too (DESIGN.md "Settled details" → vcpkg).
#include "config/config.h"
#include "base/url.h"
#include "config/url_template.h"
#include "base/input_error.h"

namespace assetfetch {

namespace {

using Fields = std::vector<std::string>;

std::string prefix(const std::string& where) { return where.empty() ? "" : where + ": "; }

// Entries split at ';', fields at ','; a backtick makes the next , ; or `
// literal.
std::vector<Fields> split_entries(const std::string& text, const std::string& where) {
  std::vector<Fields> entries;
  Fields fields;
  std::string field;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '`') {
      const std::string at = prefix(where) + "character " + std::to_string(i + 1) + ": ";
      if (i + 1 == text.size())
        throw InputError(at + "a trailing backtick escapes nothing; write `` for a literal backtick");
      const char next = text[i + 1];
      if (next != ',' && next != ';' && next != '`')
        throw InputError(at + "a backtick escapes only , ; or `; write `` for a literal backtick");
      field += next;
      ++i;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == ';') {
      fields.push_back(std::move(field));
      entries.push_back(std::move(fields));
      field.clear();
      fields.clear();
    } else {
      field += c;
    }
  }
  fields.push_back(std::move(field));
  entries.push_back(std::move(fields));
  return entries;
}

SourceAccess parse_access(const std::string& field, const std::string& at) {
  if (field.empty() || field == "read") return SourceAccess::read;
  if (field == "write") return SourceAccess::write;
  if (field == "readwrite" || field == "rw") return SourceAccess::readwrite;
  throw InputError(at + "\"" + field + "\" is not an access mode; use read, write, readwrite or rw");
}

// x-azurl,URL[,SAS[,ACCESS]] → URL/{sha512}?SAS (vcpkg inserts the '/').
SourceSpec azurl_source(const Fields& f, const std::string& at) {
  if (f.size() < 2 || f[1].empty())
    throw InputError(at + "x-azurl needs a URL: x-azurl,https://host/container[,SAS[,rw]]");
  if (f.size() > 4)
    throw InputError(at + "x-azurl takes at most URL, SAS and access (x-azurl,URL,SAS,rw); "
                          "escape a literal ',' as `,");
  if (auto problem = url_problem(f[1])) throw InputError(at + *problem);
  if (f[1].find('?') != std::string::npos)
    throw InputError(at + "the URL contains '?': give the SAS as the third field, "
                          "x-azurl,https://ACCOUNT.blob.core.windows.net/CONTAINER,SAS,rw");
  SourceSpec source;
  source.store.kind = StoreKind::azure_blob;  // Put Blob with x-ms-blob-type, x-ms-version
  source.url_template = f[1];
  if (source.url_template.back() != '/') source.url_template += '/';
  source.url_template += "{sha512}";
  const std::string sas = f.size() >= 3 ? f[2] : "";
  if (!sas.empty() && sas.front() != '?') source.url_template += '?';
  source.url_template += sas;
  // No SAS text in the message: it is a credential.
  if (config_detail::template_problem(source.url_template))
    throw InputError(at + "URL or SAS contains '{' or '}'; percent-encode them as %7B and %7D");
  source.access = parse_access(f.size() >= 4 ? f[3] : "", at);
  return source;
}

}  // namespace

void apply_vcpkg_asset_sources(const std::string& text, Config& config, const std::string& where) {
  const std::vector<Fields> entries = split_entries(text, where);
  for (std::size_t n = 0; n < entries.size(); ++n) {
    const Fields& f = entries[n];
    if (f.size() == 1 && f[0].empty()) continue;  // empty entry, e.g. a trailing ';'
    const std::string& kind = f[0];
    const std::string at = prefix(where) + "entry " + std::to_string(n + 1) + " (" + kind + "): ";
    if (kind == "clear" || kind == "x-block-origin") {
      if (f.size() != 1) throw InputError(at + kind + " takes no arguments; remove the text after the ','");
      if (kind == "clear") {
        // As vcpkg: clear drops every entry before it, x-block-origin included.
        config.sources.clear();
        config.block_origin = false;
      } else {
        config.block_origin = true;
      }
    } else if (kind == "x-azurl") {
      config.sources.push_back(azurl_source(f, at));
    } else if (kind == "x-script") {
      config.warnings.push_back(at + "ignored: assetfetch does not run scripts; it is itself the "
                                     "x-script target (see `assetfetch x-script`)");
    } else {
      throw InputError(at + "unknown asset source \"" + kind +
                       "\"; use clear, x-azurl, x-block-origin (x-script is ignored)");
    }
  }
}

}  // namespace assetfetch
