// Every problem of one manifest or config, collected in one pass so a user
// fixes them all at once, each with its place: file, line:column, the asset
// it belongs to and its JSON pointer.
//
//   assets.json:12:22: asset "zlib" (/assets/3/destination): must not be empty
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "base/input_error.h"
#include "base/quoted_value.h"

namespace assetfetch {

struct Diagnostic {
  std::string pointer;     // JSON pointer ("" for the whole document)
  std::string message;     // what is wrong and how to fix it
  std::string asset;       // name of the manifest asset it concerns, or ""
  bool at_key = false;     // points at the member's key (unknown keys), not its value
  std::size_t line = 0;    // 1-based; 0 when the place has no position
  std::size_t column = 0;  // 1-based, in characters
};

// One line of text per diagnostic, as `check` and `sync` print them.
std::string format_diagnostic(const std::string& file, const Diagnostic& d);

// A document was refused. what() is every formatted diagnostic, one a line.
class ValidationError : public InputError {
 public:
  ValidationError(std::string file, std::vector<Diagnostic> diagnostics);

  const std::string& file() const { return file_; }
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  // One formatted line per diagnostic (the text of what()).
  std::vector<std::string> lines() const override;

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
};


namespace config_detail {

// One problem of one JSON node, thrown by JsonNode::fail and collected by
// the loaders into a Diagnostics.
class NodeError : public InputError {
 public:
  NodeError(const std::string& file, std::string pointer, std::string message, bool at_key);
  const std::string& pointer() const { return pointer_; }
  const std::string& message() const { return message_; }
  bool at_key() const { return at_key_; }

 private:
  std::string pointer_;
  std::string message_;
  bool at_key_;
};

class Diagnostics {
 public:
  // A broken 16 MiB file could hold a million errors; the first ones say enough.
  static constexpr std::size_t kMaxDiagnostics = 200;

  explicit Diagnostics(std::filesystem::path file) : file_(std::move(file)) {}

  void add(std::string pointer, std::string message, bool at_key = false);
  void add(const NodeError& e) { add(e.pointer(), e.message(), e.at_key()); }
  void add_placed(Diagnostic d);  // already positioned (parser-level problems)
  // Later additions concern this asset ("" for none).
  void set_asset(std::string name) { asset_ = std::move(name); }

  // Runs `step`; a NodeError it throws is recorded and false returned, so
  // validation goes on with the next field.
  template <typename Step>
  bool attempt(Step&& step) {
    try {
      step();
      return true;
    } catch (const NodeError& e) {
      add(e);
      return false;
    }
  }

  bool empty() const { return list_.empty(); }
  std::size_t size() const { return list_.size() + not_shown_; }
  const std::vector<Diagnostic>& list() const { return list_; }

  // Throws ValidationError with every diagnostic, placed at its line and
  // column of `text` when given (the document's source). Does nothing when
  // there is none.
  void throw_if_any(const std::string* text) const;

 private:
  std::filesystem::path file_;
  std::string asset_;
  std::vector<Diagnostic> list_;
  std::size_t not_shown_ = 0;
};

}  // namespace config_detail

}  // namespace assetfetch
