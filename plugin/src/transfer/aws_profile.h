// The AWS shared files, read as the SDKs and the CLI read them: the
// credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials;
// sections [NAME]) and the config file (AWS_CONFIG_FILE, else ~/.aws/config;
// sections [default] and [profile NAME]). The profile is AWS_PROFILE, else
// "default". A key in the credentials file wins over the same key in config.
#pragma once

#include <map>
#include <string>

namespace assetfetch {

using AwsIniSections = std::map<std::string, std::map<std::string, std::string>>;

// Sections of an INI text: "[name]" lines, "key = value" lines (trimmed),
// '#' and ';' comment lines; indented lines (nested settings such as
// "s3 =\n  addressing_style = path") are skipped.
AwsIniSections parse_aws_ini(const std::string& text);

struct AwsProfile {
  std::string name;                           // AWS_PROFILE or "default"
  std::string credentials_file, config_file;  // the paths looked at
  bool found = false;                         // a section of that name in either file
  std::map<std::string, std::string> values;  // aws_access_key_id, region, ...

  std::string value(const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() ? std::string() : it->second;
  }
};

// The profile named by AWS_PROFILE (or "default") from both files; files
// that do not exist are no error (found stays false).
AwsProfile read_aws_profile();

// An environment variable's value, "" when unset (the AWS SDKs treat the two alike).
std::string aws_env(const char* name);

}  // namespace assetfetch
