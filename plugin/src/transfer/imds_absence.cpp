#include "transfer/imds_absence.h"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <vector>

#include "platform/file.h"
#include "platform/fs_ops.h"
#include "platform/path.h"
#include "platform/process.h"

namespace assetfetch {

namespace {

namespace fs = std::filesystem;
using std::chrono::system_clock;

constexpr const char* kHeader = "assetfetch-imds-absence 1";
// Larger files are not ours (the record is a few lines).
constexpr std::size_t kMaxRecord = 4096;
// A record dated this far ahead of the clock is not trusted either.
constexpr std::chrono::seconds kClockSlack{5};

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Linux's id of this boot (a new one at each start); "-" where there is none.
std::string boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  if (!std::getline(in, id)) return "-";
  while (!id.empty() && std::isspace(static_cast<unsigned char>(id.back()))) id.pop_back();
  for (char c : id)
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != '-') return "-";
  return id.empty() ? "-" : id;
}

// One line of text: no control character may reach the record.
std::string one_line(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, 300)) out += std::iscntrl(static_cast<unsigned char>(c)) ? ' ' : c;
  return out;
}

std::optional<std::string> read_record(const fs::path& file) {
  auto f = platform::open_regular(platform::utf8_of(file));  // never through a link
  if (!f) return std::nullopt;
  std::string text;
  char buf[1024];
  while (text.size() <= kMaxRecord) {
    auto n = platform::read_some(f.value(), buf, sizeof buf);
    if (!n) return std::nullopt;
    if (n.value() == 0) return text;
    text.append(buf, n.value());
  }
  return std::nullopt;
}

// "name value" lines in this order, nothing else.
std::optional<std::vector<std::string>> fields(const std::string& text, const std::vector<std::string>& names) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    if (end == std::string::npos) return std::nullopt;  // torn: no final newline
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  if (lines.size() != names.size() + 1 || lines[0] != kHeader) return std::nullopt;
  std::vector<std::string> values;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& line = lines[i + 1];
    if (line.size() <= names[i].size() || line.compare(0, names[i].size(), names[i]) != 0 ||
        line[names[i].size()] != ' ')
      return std::nullopt;
    values.push_back(line.substr(names[i].size() + 1));
  }
  return values;
}

std::optional<std::int64_t> seconds_of(const std::string& text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  std::int64_t v = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string utc_time(system_clock::time_point t) {
  const std::time_t s = system_clock::to_time_t(t);
  std::tm parts{};
#ifdef _WIN32
  gmtime_s(&parts, &s);
#else
  gmtime_r(&s, &parts);
#endif
  char text[32];
  std::snprintf(text, sizeof text, "%02d:%02d:%02d UTC", parts.tm_hour, parts.tm_min, parts.tm_sec);
  return text;
}

}  // namespace

fs::path imds_absence_file(const fs::path& cache_dir, const std::string& host) {
  char name[40];
  std::snprintf(name, sizeof name, "imds-%016llx", static_cast<unsigned long long>(fnv1a(host)));
  return cache_dir / "probes" / name;
}

std::optional<ImdsAbsence> remembered_imds_absence(const fs::path& cache_dir, const std::string& host,
                                                   system_clock::time_point now) {
  if (cache_dir.empty()) return std::nullopt;
  const auto text = read_record(imds_absence_file(cache_dir, host));
  if (!text) return std::nullopt;
  const auto values = fields(*text, {"host", "at", "boot", "why"});
  if (!values || (*values)[0] != host || (*values)[2] != boot_id()) return std::nullopt;
  const auto seconds = seconds_of((*values)[1]);
  if (!seconds) return std::nullopt;
  const system_clock::time_point at{std::chrono::seconds(*seconds)};
  if (at > now + kClockSlack || now - at >= kImdsAbsenceMemory) return std::nullopt;
  return ImdsAbsence{at, (*values)[3]};
}

void remember_imds_absence(const fs::path& cache_dir, const std::string& host, const std::string& why) {
  if (cache_dir.empty()) return;
  const fs::path file = imds_absence_file(cache_dir, host);
  const std::string folder = platform::utf8_of(file.parent_path());
  if (!platform::make_directories(folder)) return;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(system_clock::now().time_since_epoch());
  const std::string record = std::string(kHeader) + "\nhost " + one_line(host) + "\nat " +
                             std::to_string(now.count()) + "\nboot " + boot_id() + "\nwhy " +
                             (why.empty() ? std::string("no answer") : one_line(why)) + "\n";
  std::uint64_t salt = 0;
  (void)platform::random_bytes(&salt, sizeof salt);
  // "<record>.<pid>.<16 hex>.tmp", the temporaries' pattern: `cache prune`
  // removes one a crashed writer left (list_temporaries).
  char suffix[48];
  std::snprintf(suffix, sizeof suffix, ".%llu.%016llx.tmp", static_cast<unsigned long long>(platform::current_pid()),
                static_cast<unsigned long long>(salt));
  const std::string tmp = platform::utf8_of(file) + suffix;
  {
    auto f = platform::create_exclusive(tmp);
    if (!f) return;
    if (!platform::write_all(f.value(), record.data(), record.size())) {
      (void)platform::remove_file(tmp);
      return;
    }
  }
  if (!platform::replace_file(tmp, platform::utf8_of(file))) (void)platform::remove_file(tmp);
}

std::string describe_imds_absence(const ImdsAbsence& absence, const fs::path& file) {
  return "none answered at " + utc_time(absence.at) + " (" + absence.why + "); asked again after " +
         utc_time(absence.at + kImdsAbsenceMemory) + " or once " + platform::utf8_of(file) + " is removed";
}

}  // namespace assetfetch
