// A value inside a loaded JSON document together with its place (file and
// JSON pointer), so every schema-level error names its place (a NodeError,
// collected into Diagnostics) and every unknown key is caught.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/diagnostics.h"

namespace assetfetch::config_detail {

// "/a/b~1c" style pointer segment for `key` (RFC 6901 escaping).
std::string pointer_segment(std::string_view key);

// Closest of `known` to `key` by edit distance, or "" when nothing is close.
std::string nearest_key(std::string_view key, const std::vector<std::string>& known);

class JsonNode {
 public:
  JsonNode(const nlohmann::json& value, std::string file, std::string pointer = "")
      : value_(&value), file_(std::move(file)), pointer_(std::move(pointer)) {}

  const nlohmann::json& value() const { return *value_; }
  const std::string& file() const { return file_; }
  const std::string& pointer() const { return pointer_; }
  // "FILE: /pointer" (the root shows as "(root)").
  std::string place() const;

  // Throws NodeError for this node's value.
  [[noreturn]] void fail(const std::string& message) const;

  bool has(const std::string& key) const;
  JsonNode child(const std::string& key) const;  // key must exist
  JsonNode element(std::size_t index) const;

  // Type checks: each fails with "expected <kind>, got <type>".
  const nlohmann::json::object_t& object() const;
  const nlohmann::json::array_t& array() const;
  std::string string() const;
  std::string non_empty_string() const;
  bool boolean() const;
  std::uint64_t integer(std::uint64_t min, std::uint64_t max) const;

  // Every key must be one of `known`; each other key is recorded in `d`,
  // named with the nearest known one as a suggestion. Returns false when
  // there was one.
  bool only_keys(std::initializer_list<const char*> known, Diagnostics& d) const;
  bool only_keys(const std::vector<std::string>& known, Diagnostics& d) const;

 private:
  [[noreturn]] void type_error(const char* expected) const;

  const nlohmann::json* value_;
  std::string file_;
  std::string pointer_;
};

const char* json_type_name(const nlohmann::json& value);

}  // namespace assetfetch::config_detail
