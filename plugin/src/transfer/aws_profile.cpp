#include "transfer/aws_profile.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "platform/environment.h"

namespace assetfetch {

namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

std::string home_file(const char* relative) {
  const std::string home = aws_env("HOME");
  return home.empty() ? std::string() : home + "/" + relative;
}

bool read_sections(const std::string& path, AwsIniSections& out) {
  if (path.empty()) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  out = parse_aws_ini(text.str());
  return true;
}

}  // namespace

AwsIniSections parse_aws_ini(const std::string& text) {
  AwsIniSections sections;
  std::map<std::string, std::string>* current = nullptr;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) continue;  // nested setting
    const std::string t = trim(line);
    if (t.empty() || t.front() == '#' || t.front() == ';') continue;
    if (t.front() == '[') {
      const auto close = t.find(']');
      current = close == std::string::npos ? nullptr : &sections[trim(t.substr(1, close - 1))];
      continue;
    }
    const auto eq = t.find('=');
    if (current == nullptr || eq == std::string::npos) continue;
    const std::string key = trim(t.substr(0, eq));
    if (!key.empty()) (*current)[key] = trim(t.substr(eq + 1));
  }
  return sections;
}

AwsProfile read_aws_profile() {
  AwsProfile p;
  p.name = aws_env("AWS_PROFILE");
  if (p.name.empty()) p.name = "default";
  p.credentials_file = aws_env("AWS_SHARED_CREDENTIALS_FILE");
  if (p.credentials_file.empty()) p.credentials_file = home_file(".aws/credentials");
  p.config_file = aws_env("AWS_CONFIG_FILE");
  if (p.config_file.empty()) p.config_file = home_file(".aws/config");
  AwsIniSections config;
  if (read_sections(p.config_file, config)) {
    // "[profile NAME]"; the default profile may also be plain "[default]".
    for (const std::string& section : {"profile " + p.name, p.name == "default" ? std::string("default") : ""}) {
      auto it = section.empty() ? config.end() : config.find(section);
      if (it == config.end()) continue;
      p.found = true;
      for (const auto& [k, v] : it->second) p.values.emplace(k, v);
    }
  }
  AwsIniSections credentials;
  if (read_sections(p.credentials_file, credentials)) {
    auto it = credentials.find(p.name);
    if (it != credentials.end()) {
      p.found = true;
      for (const auto& [k, v] : it->second) p.values[k] = v;
    }
  }
  return p;
}

std::string aws_env(const char* name) {
  return platform::environment_value(name).value_or("");
}

}  // namespace assetfetch
