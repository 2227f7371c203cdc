// File names derived from URLs, and joins that may not leave their directory.
#include <algorithm>
#include <cctype>

#include "config/config.h"
#include "base/url.h"
#include "config/safe_join.h"
#include "base/input_error.h"
#include "transfer/redact.h"

namespace assetfetch {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace

std::string default_file_name(const std::string& url) {
  // The authority (host) is never a file name; a string with no scheme is all path.
  const auto parts = split_url(url);
  const std::string_view rest = parts ? parts->path : url_without_query(url);
  const std::size_t last = rest.rfind('/');
  const std::string name = percent_decode(last == std::string_view::npos ? rest : rest.substr(last + 1));
  bool bad = name.empty() || name == "." || name == "..";
  for (char c : name)
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) bad = true;
  if (bad)
    throw InputError("cannot derive a file name from URL " + redact_url(url) +
                     " (its last path segment is empty or unsafe); give the destination explicitly");
  return name;
}

std::filesystem::path safe_join(const std::filesystem::path& dir, const std::string& relative,
                                const std::string& what) {
  return DestinationJoiner(dir).join(relative, what);
}

std::filesystem::path DestinationJoiner::join(const std::string& relative, const std::string& what) {
  namespace fs = std::filesystem;
  auto refuse = [&](const std::string& why) {
    throw InputError(what + ": \"" + relative + "\" " + why);
  };
  if (relative.empty()) refuse("is empty; name a file inside " + dir_.string());
  if (relative.find('\\') != std::string::npos) refuse("contains '\\'; use '/' between directories");
  const fs::path rel(relative);
  if (rel.is_absolute() || rel.has_root_name() || relative.front() == '/')
    refuse("is absolute; give a path relative to " + dir_.string());
  for (const auto& part : rel)
    if (part == "..") refuse("contains '..', which would leave " + dir_.string());
  const fs::path joined = (dir_ / rel).lexically_normal();
  if (const std::string& outside = escape_of(joined.parent_path()); !outside.empty())
    refuse("leads out of " + dir_.string() + " through a symbolic link (" + outside + ")");
  return joined;
}

const std::string& DestinationJoiner::escape_of(const std::filesystem::path& folder) {
  namespace fs = std::filesystem;
  if (auto it = folders_.find(folder); it != folders_.end()) return it->second;
  // Existing symlinks along the way may still point outside dir_ (a folder
  // that cannot be resolved is not refused here).
  std::error_code ec;
  if (!base_) base_ = fs::weakly_canonical(dir_, ec);
  const fs::path parent = fs::weakly_canonical(folder, ec);
  std::string outside;
  if (!ec) {
    auto mismatch = std::mismatch(base_->begin(), base_->end(), parent.begin(), parent.end());
    if (mismatch.first != base_->end()) outside = parent.string();
  }
  return folders_.emplace(folder, std::move(outside)).first->second;
}

}  // namespace assetfetch
