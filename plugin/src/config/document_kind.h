// Which of the two documents a JSON file is: a manifest (the assets to
// fetch) or a mirror config (where to fetch from). Decided by "$schema" when
// it names one of ours, else by which document's keys the top-level keys
// are, or are closest to (so "asets" still reads as a manifest).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/diagnostics.h"
#include "config/json_location.h"

namespace assetfetch {

enum class DocumentKind { manifest, config };

const char* kind_name(DocumentKind kind);  // "manifest" / "config"

namespace config_detail {

// Top-level keys of each document ("$schema" included).
const std::vector<std::string>& manifest_keys();
const std::vector<std::string>& config_keys();

struct KindGuess {
  DocumentKind kind;
  std::string reason;  // "its \"$schema\" names the config schema", "it has \"sources\""
};

// nullopt when the document does not say (not an object, no telling keys).
std::optional<KindGuess> guess_kind(const nlohmann::json& root);

// The message for a document of the other kind than the loader's, or
// nullopt when it is not clearly the other kind.
std::optional<std::string> wrong_kind_problem(const nlohmann::json& root, DocumentKind expected);

// The start of a loader: `doc`'s parser-level problems, then its root must
// be a JSON object and not clearly the other kind (else the ValidationError
// is thrown at once: nothing below would make sense).
Diagnostics start_checking(const JsonDocument& doc, DocumentKind expected);

}  // namespace config_detail

}  // namespace assetfetch
