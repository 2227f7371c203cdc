// The object-storage keys of a `sources` entry: "kind" (http, azure-blob,
// s3, gcs) and, for s3 and gcs, "endpoint", "region", "addressing",
// "credentials"; for every store "upload" (block/part sizes). Checked before any request; every
// error names its key.
#pragma once

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/json_node.h"

namespace assetfetch::config_detail {

// The keys a source may have (http keys plus the store keys).
inline constexpr std::initializer_list<const char*> kSourceKeys = {
    "url", "access", "headers", "kind", "endpoint", "region", "addressing", "credentials", "upload"};

// Reads "kind" and the store keys of `node` into `source`, recording every
// problem in `d`; for s3, turns the s3:// url into the HTTP(S) template of
// the endpoint. Call before the URL checks of plain sources (an s3:// url is
// not one). Returns false when the url must not be checked further.
// `unusable` is set when the store's credentials are not found (the source
// is then left out with a warning, not an error).
bool parse_store_keys(const JsonNode& node, SourceSpec& source, Diagnostics& d, std::optional<std::string>& unusable,
                      const ConfigLoadOptions& opts);

// Problems with an Azure Blob URL template: the SAS must be the query.
std::optional<std::string> azure_sas_problem(const std::string& url_template);

}  // namespace assetfetch::config_detail
