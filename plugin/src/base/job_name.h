// The one rule for job names, for every client (C++ API, C ABI, CLI). A name
// is the file name of the job's record, <cache>/jobs/<name>.json, so it is
// not empty, not "." or "..", at most kMaxJobName bytes, and holds no '/',
// '\' or control character.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace assetfetch {

// Leaves room in NAME_MAX (255) for ".json" and a temporary's suffix.
inline constexpr std::size_t kMaxJobName = 200;

// Why `name` is no job name (naming it and the fix); nullopt when it is one.
std::optional<std::string> job_name_problem(std::string_view name);

// A job name made from arbitrary text (a manifest's stem, a URL's file name):
// every character but letters, digits, '_', '-' and '.' becomes '_', a
// leading '.' or an empty text gets a 'j' in front, and it is cut to
// kMaxJobName. The result passes job_name_problem().
std::string job_name_from(std::string_view text);

}  // namespace assetfetch
