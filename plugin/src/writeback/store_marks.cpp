#include "writeback/store_marks.h"

#include <fstream>
#include <system_error>

#include "base/url.h"
#include "platform/directory.h"
#include "platform/fs_ops.h"
#include "platform/path.h"
#include "verify/hasher.h"

namespace assetfetch {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kStoreIdLength = 32;

std::string placeholder(HashAlgorithm a) { return std::string("{") + algorithm_name(a) + "}"; }

void replace_all(std::string& text, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + with.size()))
    text.replace(p, what.size(), with);
}

std::string store_id(std::string_view key) {
  Hasher h(HashAlgorithm::sha256);
  h.update(key.data(), key.size());
  return h.finish_hex().substr(0, kStoreIdLength);
}

bool is_hex(const std::string& s, std::size_t length) {
  if (s.size() != length) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// "<algo>-<hex>" as the cache names the object: objects/<algo>/<hex>.
std::optional<fs::path> object_of_mark(const fs::path& objects, const std::string& name) {
  for (HashAlgorithm a : {HashAlgorithm::sha256, HashAlgorithm::sha512}) {
    const std::string prefix = std::string(algorithm_name(a)) + "-";
    if (name.rfind(prefix, 0) == 0 && is_hex(name.substr(prefix.size()), digest_hex_length(a)))
      return objects / algorithm_name(a) / name.substr(prefix.size());
  }
  return std::nullopt;
}

bool real_directory(const fs::path& p) {
  std::error_code ec;
  return fs::symlink_status(p, ec).type() == fs::file_type::directory;
}

}  // namespace

StoreMarks::StoreMarks(fs::path cache_root) {
  if (!cache_root.empty()) dir_ = std::move(cache_root) / "stores";
}

fs::path StoreMarks::path_of(const std::string& url, const Digest& object, const std::optional<Digest>& other) const {
  if (dir_.empty() || object.hex.empty()) return {};
  std::string key(url_without_query(url));
  // The longer digest first: a sha256 hex is never looked for inside a sha512 one.
  if (other && other->hex.size() > object.hex.size()) replace_all(key, other->hex, placeholder(other->algorithm));
  replace_all(key, object.hex, placeholder(object.algorithm));
  if (other && other->hex.size() <= object.hex.size()) replace_all(key, other->hex, placeholder(other->algorithm));
  return dir_ / store_id(key) / (std::string(algorithm_name(object.algorithm)) + "-" + object.hex);
}

bool StoreMarks::has(const fs::path& mark) noexcept {
  if (mark.empty()) return false;
  std::error_code ec;
  if (fs::symlink_status(mark, ec).type() != fs::file_type::regular) return false;
  // In use: a prune keeps a store whose marks a hit refreshed within kStoreIdleDays.
  const auto now = fs::file_time_type::clock::now();
  const auto written = fs::last_write_time(mark, ec);
  if (!ec && now - written > std::chrono::hours(24)) {
    fs::last_write_time(mark, now, ec);
    if (real_directory(mark.parent_path())) fs::last_write_time(mark.parent_path(), now, ec);
  }
  return true;
}

void StoreMarks::add(const fs::path& mark) noexcept {
  if (mark.empty()) return;
  try {
    std::error_code ec;
    const fs::path folder = mark.parent_path();
    fs::create_directories(folder, ec);
    // Never through a link: the folders must be the cache's own.
    for (const fs::path& dir : {folder.parent_path(), folder})
      if (!real_directory(dir)) return;
    std::ofstream(mark, std::ios::app);
  } catch (...) {
    // A mark only saves a HEAD later: losing it costs nothing else.
  }
}

std::string store_id_of_template(const std::string& url_template) { return store_id(url_without_query(url_template)); }

StoreMarksPruned prune_store_marks(const fs::path& cache_root, const std::set<std::string>& configured,
                                   fs::file_time_type now) {
  StoreMarksPruned out;
  const fs::path dir = cache_root / "stores", objects = cache_root / "objects";
  if (!real_directory(dir)) return out;
  // Listed and removed through platform/: mingw-w64's directory_iterator
  // (and remove_all, built on it) lists the wrong folder past 260 characters.
  const auto stores = platform::list_directory(platform::utf8_of(dir));
  if (!stores) return out;
  for (const auto& entry : stores.value()) {
    if (entry.kind != platform::FileKind::directory) continue;  // a link or a stray: not ours to judge
    const std::string& name = entry.name;
    const fs::path store = dir / platform::path_from_utf8(name);
    std::error_code e;
    if (is_hex(name, 2)) {  // the layout before store folders: <2 hex>/<62 hex>, nothing says which object
      if (platform::remove_tree(platform::utf8_of(store))) ++out.stores;
      continue;
    }
    if (!is_hex(name, kStoreIdLength)) continue;
    const auto used = fs::last_write_time(store, e);
    if (e) continue;
    if (!configured.count(name) && now - used > std::chrono::hours(24 * kStoreIdleDays)) {
      if (platform::remove_tree(platform::utf8_of(store))) ++out.stores;
      continue;
    }
    const auto marks = platform::list_directory(platform::utf8_of(store));
    if (!marks) continue;
    std::size_t removed = 0;
    for (const auto& mark : marks.value()) {
      if (mark.kind != platform::FileKind::regular) continue;
      const auto object = object_of_mark(objects, mark.name);
      if (!object) continue;
      std::error_code s;
      if (fs::symlink_status(*object, s).type() != fs::file_type::not_found) continue;
      if (platform::remove_file(platform::utf8_of(store / platform::path_from_utf8(mark.name)))) ++removed;
    }
    out.marks += removed;
    if (removed == 0) continue;
    // Removing entries is not using the store: keep its time. A folder left
    // empty goes (remove() leaves one a fetch has just written to).
    fs::last_write_time(store, used, e);
    if (const auto left = platform::list_directory(platform::utf8_of(store)); left && left.value().empty())
      (void)platform::remove_directory(platform::utf8_of(store));
  }
  return out;
}

}  // namespace assetfetch
