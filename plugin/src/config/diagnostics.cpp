#include "config/diagnostics.h"

#include <algorithm>
#include <set>
#include <utility>


#include "config/json_scan.h"
#include "platform/path.h"

namespace assetfetch {

namespace {

std::string join_lines(const std::string& file, const std::vector<Diagnostic>& list) {
  std::string out;
  for (const auto& d : list) out += (out.empty() ? "" : "\n") + format_diagnostic(file, d);
  return out;
}

}  // namespace

std::string format_diagnostic(const std::string& file, const Diagnostic& d) {
  std::string out = file;
  if (d.line > 0) out += ":" + std::to_string(d.line) + ":" + std::to_string(d.column);
  out += ": ";
  const std::string pointer = d.pointer.empty() ? "(root)" : d.pointer;
  if (!d.asset.empty())
    out += "asset " + quoted_value(d.asset, 64) + " (" + pointer + "): ";
  else if (!d.pointer.empty())
    out += d.pointer + ": ";
  return out + d.message;
}

ValidationError::ValidationError(std::string file, std::vector<Diagnostic> diagnostics)
    : InputError(join_lines(file, diagnostics)),
      file_(std::move(file)),
      diagnostics_(std::move(diagnostics)) {}

std::vector<std::string> ValidationError::lines() const {
  std::vector<std::string> out;
  for (const auto& d : diagnostics_) out.push_back(format_diagnostic(file_, d));
  return out;
}

namespace config_detail {

NodeError::NodeError(const std::string& file, std::string pointer, std::string message, bool at_key)
    : InputError(file + ": " + (pointer.empty() ? std::string("(root)") : pointer) + ": " + message),
      pointer_(std::move(pointer)),
      message_(std::move(message)),
      at_key_(at_key) {}

void Diagnostics::add(std::string pointer, std::string message, bool at_key) {
  add_placed({std::move(pointer), std::move(message), asset_, at_key, 0, 0});
}

void Diagnostics::add_placed(Diagnostic d) {
  if (list_.size() >= kMaxDiagnostics) {
    ++not_shown_;
    return;
  }
  list_.push_back(std::move(d));
}

void Diagnostics::throw_if_any(const std::string* text) const {
  if (list_.empty()) return;
  std::vector<Diagnostic> placed = list_;
  if (text != nullptr) {
    std::set<std::string> wanted;
    for (const auto& d : placed)
      if (d.line == 0) wanted.insert(d.pointer);
    const JsonScan scan = scan_json(*text, wanted);
    for (auto& d : placed) {
      const auto it = scan.places.find(d.pointer);
      if (d.line != 0 || it == scan.places.end()) continue;
      const TextPosition& p = d.at_key ? it->second.key : it->second.value;
      d.line = p.line;
      d.column = p.column;
    }
  }
  // In reading order; those without a place (no text) keep theirs, last.
  std::stable_sort(placed.begin(), placed.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::pair(a.line == 0, std::pair(a.line, a.column)) <
           std::pair(b.line == 0, std::pair(b.line, b.column));
  });
  if (not_shown_ > 0)
    placed.push_back({"", std::to_string(not_shown_) + " more errors not shown; fix the ones above first",
                      "", false, 0, 0});
  throw ValidationError(platform::utf8_of(file_), std::move(placed));
}

}  // namespace config_detail

}  // namespace assetfetch
