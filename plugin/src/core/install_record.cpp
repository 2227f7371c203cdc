#include "core/install_record.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "cache/unique_fd.h"
#include "base/range.h"
#include "verify/hasher.h"

#include "platform/file.h"
#include "platform/path.h"

namespace assetfetch {

namespace fs = std::filesystem;

namespace {

std::string sha256_of(const std::string& s) {
  Hasher h(HashAlgorithm::sha256);
  h.update(s.data(), s.size());
  return h.finish_hex();
}

fs::path folder_record_path(const fs::path& cache_dir, const fs::path& dir) {
  return cache_dir / "installed" / ("dir-" + sha256_of(platform::utf8_of(dir)) + ".json");
}

// An older version's record: one file per destination.
fs::path legacy_record_path(const fs::path& cache_dir, const fs::path& dest) {
  return cache_dir / "installed" / sha256_of(platform::utf8_of(dest));
}

std::string file_state(const fs::path& p) {
  platform::Result<platform::FileIdentity> id = platform::identity_of_path(platform::utf8_of(p), true);
  if (!id || id.value().kind != platform::FileKind::regular) return {};
  const platform::FileIdentity& st = id.value();
  // Times as "<s>.<ns>", as earlier builds wrote them.
  std::ostringstream s;
  s << st.size << ' ' << st.file_id << ' ' << st.mtime_ns / 1000000000 << '.' << st.mtime_ns % 1000000000 << ' '
    << st.ctime_ns / 1000000000 << '.' << st.ctime_ns % 1000000000;
  return s.str();
}

// The whole file, never read through a link; empty when absent or unreadable.
std::string read_record(const fs::path& p) {
  std::string out;
  try {
    UniqueFd fd = open_regular_readonly(p);
    char buf[16384];
    for (;;) {
      platform::Result<std::size_t> n = platform::read_some(fd, buf, sizeof buf);
      if (!n || n.value() == 0) break;
      out.append(buf, n.value());
    }
  } catch (const std::exception&) {
    return {};
  }
  return out;
}

bool legacy_in_place(const fs::path& cache_dir, const fs::path& dest, const std::string& key) {
  std::istringstream in(read_record(legacy_record_path(cache_dir, dest)));
  std::string recorded_key, state;
  if (!std::getline(in, recorded_key) || !std::getline(in, state)) return false;
  return recorded_key == key && !state.empty() && state == file_state(dest);
}

}  // namespace

std::string install_request_key(const FileSpec& spec) {
  std::string key = spec.digest ? std::string(algorithm_name(spec.digest->algorithm)) + ":" + spec.digest->hex : "";
  if (spec.ranges_given) {
    key += spec.layout == Layout::sparse ? " sparse" : " ranges";
    for (const auto& r : spec.ranges) key += " " + format_range(r);
  }
  return key;
}

InstallRecords::Entries& InstallRecords::loaded_locked(const fs::path& dir) {
  auto [it, fresh] = loaded_.try_emplace(dir);
  if (!fresh) return it->second;
  const std::string text = read_record(folder_record_path(cache_dir_, dir));
  if (text.empty()) return it->second;
  try {
    auto j = nlohmann::json::parse(text);
    if (j.value("dir", std::string()) != platform::utf8_of(dir)) return it->second;  // a hash collision, or a forgery
    for (const auto& [name, entry] : j.at("files").items())
      if (entry.is_array() && entry.size() == 2 && entry[0].is_string() && entry[1].is_string())
        it->second[name] = {entry[0].get<std::string>(), entry[1].get<std::string>()};
  } catch (const std::exception&) {
    it->second.clear();  // a torn record only costs a check through the cache
  }
  return it->second;
}

bool InstallRecords::in_place(const FileSpec& spec) {
  if (cache_dir_.empty() || !spec.digest) return false;
  const fs::path dest = fs::absolute(spec.local_name);
  const std::string key = install_request_key(spec);
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Entries& entries = loaded_locked(dest.parent_path());
    if (auto it = entries.find(platform::utf8_of(dest.filename())); it != entries.end())
      return it->second.first == key && !it->second.second.empty() && it->second.second == file_state(dest);
  }
  return legacy_in_place(cache_dir_, dest, key);
}

void InstallRecords::add(const FileSpec& spec) {
  if (cache_dir_.empty() || !spec.digest) return;
  const fs::path dest = fs::absolute(spec.local_name);
  std::string state = file_state(dest);
  if (state.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  pending_[dest.parent_path()][platform::utf8_of(dest.filename())] = {install_request_key(spec), std::move(state)};
}

void InstallRecords::save() {
  std::map<fs::path, Entries> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending.swap(pending_);
  }
  for (auto& [dir, installs] : pending) {
    try {
      // Re-read just before replacing: another job may have added entries
      // since this one looked.
      Entries merged;
      {
        std::lock_guard<std::mutex> lock(mu_);
        loaded_.erase(dir);
        merged = loaded_locked(dir);
      }
      for (auto& [name, entry] : installs) merged[name] = entry;
      nlohmann::json files = nlohmann::json::object();
      for (const auto& [name, entry] : merged) files[name] = nlohmann::json::array({entry.first, entry.second});
      const std::string text = nlohmann::json{{"dir", platform::utf8_of(dir)}, {"files", std::move(files)}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      write_file_atomic(folder_record_path(cache_dir_, dir), text);
      std::lock_guard<std::mutex> lock(mu_);
      loaded_[dir] = std::move(merged);
    } catch (const std::exception&) {
      // Only an optimisation: the next run re-checks through the cache.
    }
  }
}

}  // namespace assetfetch
