#include "config/json_node.h"

#include <algorithm>


namespace assetfetch::config_detail {

std::string pointer_segment(std::string_view key) {
  std::string out = "/";
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string nearest_key(std::string_view key, const std::vector<std::string>& known) {
  // A shortened key ("backoff" for "backoff_ms") is the likeliest typo.
  if (key.size() >= 3)
    for (const auto& k : known)
      if (k.size() > key.size() && k.compare(0, key.size(), key) == 0) return k;
  std::string best;
  // A third of the length (at least 1, at most 3) keeps suggestions plausible.
  std::size_t best_distance = std::clamp<std::size_t>(key.size() / 3, 1, 3) + 1;
  for (const auto& k : known) {
    const std::size_t d = edit_distance(key, k);
    if (d < best_distance) {
      best_distance = d;
      best = k;
    }
  }
  return best;
}

const char* json_type_name(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "an integer";
    case nlohmann::json::value_t::number_float: return "a number with a fraction";
    default: return "an unsupported value";
  }
}

std::string JsonNode::place() const {
  return file_ + ": " + (pointer_.empty() ? std::string("(root)") : pointer_);
}

void JsonNode::fail(const std::string& message) const {
  throw NodeError(file_, pointer_, message, false);
}

void JsonNode::type_error(const char* expected) const {
  // The value itself is not echoed: it may be a credential.
  fail(std::string("expected ") + expected + ", got " + json_type_name(*value_));
}

bool JsonNode::has(const std::string& key) const {
  return value_->is_object() && value_->contains(key);
}

JsonNode JsonNode::child(const std::string& key) const {
  return JsonNode(value_->at(key), file_, pointer_ + pointer_segment(key));
}

JsonNode JsonNode::element(std::size_t index) const {
  return JsonNode(value_->at(index), file_, pointer_ + "/" + std::to_string(index));
}

const nlohmann::json::object_t& JsonNode::object() const {
  if (!value_->is_object()) type_error("an object {...}");
  return value_->get_ref<const nlohmann::json::object_t&>();
}

const nlohmann::json::array_t& JsonNode::array() const {
  if (!value_->is_array()) type_error("an array [...]");
  return value_->get_ref<const nlohmann::json::array_t&>();
}

std::string JsonNode::string() const {
  if (!value_->is_string()) type_error("a string");
  return value_->get<std::string>();
}

std::string JsonNode::non_empty_string() const {
  std::string s = string();
  if (s.empty()) fail("must not be empty");
  return s;
}

bool JsonNode::boolean() const {
  if (!value_->is_boolean()) type_error("a boolean (true or false)");
  return value_->get<bool>();
}

std::uint64_t JsonNode::integer(std::uint64_t min, std::uint64_t max) const {
  const std::string range =
      max == UINT64_MAX ? "at least " + std::to_string(min)
                        : "from " + std::to_string(min) + " to " + std::to_string(max);
  if (value_->is_number_integer() && !value_->is_number_unsigned())
    fail("must be an integer " + range + ", got " + std::to_string(value_->get<std::int64_t>()));
  if (!value_->is_number_unsigned()) type_error(("an integer " + range).c_str());
  const std::uint64_t v = value_->get<std::uint64_t>();
  if (v < min || v > max) fail("must be an integer " + range + ", got " + std::to_string(v));
  return v;
}

bool JsonNode::only_keys(std::initializer_list<const char*> known, Diagnostics& d) const {
  return only_keys(std::vector<std::string>(known.begin(), known.end()), d);
}

bool JsonNode::only_keys(const std::vector<std::string>& names, Diagnostics& d) const {
  bool all_known = true;
  for (const auto& [key, _] : object()) {
    if (std::find(names.begin(), names.end(), key) != names.end()) continue;
    all_known = false;
    const std::string pointer = pointer_ + pointer_segment(key);
    const std::string near = nearest_key(key, names);
    if (!near.empty()) {
      d.add(pointer, "unknown key " + quoted_value(key) + "; did you mean \"" + near + "\"?", true);
      continue;
    }
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    d.add(pointer, "unknown key " + quoted_value(key) + "; allowed keys here: " + list, true);
  }
  return all_known;
}

}  // namespace assetfetch::config_detail
