#include "base/job_name.h"

#include <cctype>

namespace assetfetch {

std::optional<std::string> job_name_problem(std::string_view name) {
  if (name.empty()) return "the job name is empty; give a name such as \"assets-1\"";
  const std::string shown(name.substr(0, 60));
  if (name.size() > kMaxJobName)
    return "job name '" + shown + "...' is " + std::to_string(name.size()) + " bytes long; at most " +
           std::to_string(kMaxJobName) + " are allowed";
  if (name == "." || name == "..")
    return "job name '" + shown + "' may not be '.' or '..'; give a name such as \"assets-1\"";
  for (char c : name)
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return "job name '" + shown + "' may not contain a slash, a backslash or a control character (it names "
             "the file <cache>/jobs/<name>.json)";
  return std::nullopt;
}

std::string job_name_from(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxJobName)) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    out.push_back(keep ? c : '_');
  }
  if (out.empty() || out.front() == '.') out.insert(out.begin(), 'j');
  if (out.size() > kMaxJobName) out.resize(kMaxJobName);
  return out;
}

}  // namespace assetfetch
