#include "test_util.h"

#ifdef _WIN32
#include "platform/sha.h"  // the Windows cross build has no OpenSSL (docs/windows.md)
#else
#include <openssl/evp.h>
#endif

#include <array>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "platform/fs_ops.h"
#include "platform/path.h"

namespace af_test {
namespace fs = std::filesystem;

namespace {

fs::path temp_root() {
  const char* env = std::getenv("TMPDIR");
  if (env != nullptr && *env != '\0') return fs::path(env);
#ifdef _WIN32
  return fs::temp_directory_path();
#else
  return fs::path("/tmp");
#endif
}

#ifdef _WIN32
std::string digest_hex(bool sha512, std::string_view data) {
  auto sha = assetfetch::platform::OsSha::create(sha512);
  if (!sha) throw std::runtime_error(sha.error().message());
  std::array<unsigned char, assetfetch::platform::OsSha::kMaxDigest> out{};
  sha->update(data.data(), data.size());
  const std::size_t len = sha->finish(out.data());
#else
std::string digest_hex(bool sha512, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, sha512 ? EVP_sha512() : EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
#endif
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (std::size_t i = 0; i < len; ++i) {
    hex.push_back(kHex[out[i] >> 4]);
    hex.push_back(kHex[out[i] & 0xF]);
  }
  return hex;
}

}  // namespace

TempDir::TempDir(std::string_view prefix) {
  namespace platform = assetfetch::platform;
  std::string parent = platform::utf8_of(temp_root());
  while (parent.size() > 1 && (parent.back() == '/' || parent.back() == '\\')) parent.pop_back();
  auto dir = platform::make_private_directory(parent, std::string(prefix) + "-");
  if (!dir) throw std::system_error(dir.error().error_code(), dir.error().message());
  path_ = platform::path_from_utf8(dir.value());
}

TempDir::~TempDir() { remove(); }

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    remove();
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

void TempDir::remove() noexcept {
  if (path_.empty()) return;
  std::error_code ec;
  // Tests make files and directories read-only; give the owner write access
  // back first so remove_all cannot stop half-way.
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
  for (fs::recursive_directory_iterator it(path_, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_symlink(ec)) {
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
      ec.clear();
    }
  }
  ec.clear();
  fs::remove_all(path_, ec);
  path_.clear();
}

std::string random_bytes(std::size_t n, std::uint32_t seed) {
  // splitmix64: tiny, fast, and good enough to make every test file unique.
  std::uint64_t state = 0x9E3779B97F4A7C15ull ^ seed;
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; i += 8) {
    state += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    for (std::size_t b = 0; b < 8 && i + b < n; ++b) {
      out[i + b] = static_cast<char>((z >> (8 * b)) & 0xFF);
    }
  }
  return out;
}

std::string sha256_hex(std::string_view data) { return digest_hex(false, data); }
std::string sha512_hex(std::string_view data) { return digest_hex(true, data); }

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error("cannot read " + path.string());
  return data;
}

void write_file(const fs::path& path, std::string_view data) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot create " + path.string());
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void set_env(const char* name, const char* value) {
#ifdef _WIN32
  _putenv_s(name, value ? value : "");
#else
  if (value) ::setenv(name, value, 1);
  else ::unsetenv(name);
#endif
}

void remove_proxy_env() {
  static constexpr const char* kNames[] = {
      "http_proxy", "https_proxy", "ftp_proxy", "all_proxy", "no_proxy",
      "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "ALL_PROXY", "NO_PROXY"};
  for (const char* name : kNames) set_env(name, nullptr);
}

}  // namespace af_test
