// Small helpers shared by the tests: a self-removing temporary directory,
// deterministic test data, digests and whole-file I/O.
//
// Thread safety: every function is safe to call from any thread; a TempDir
// object is owned by one test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace af_test {

// Paths of this build, from a source file CMake generates (test_paths.cpp in
// the build tree) rather than compile definitions: the test sources then
// compile to the same objects in any checkout, so a compiler cache serves
// them wherever the tree is cloned. `source_dir()` is the repository root;
// `cli_path()` is the built CLI (what AF_CLI_PATH expands to), or $AF_TEST_CLI
// when set (scripts/windows/cli-test.sh: assetfetch.exe under Wine).
const char* source_dir();
const char* cli_path();

// A fresh directory under $TMPDIR (or /tmp), removed with all its contents
// when the object is destroyed. Move-only.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "assetfetch-test");
  ~TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  // path() / name, for brevity in tests.
  std::filesystem::path operator/(const std::filesystem::path& name) const {
    return path_ / name;
  }

 private:
  void remove() noexcept;
  std::filesystem::path path_;
};

// n pseudo-random bytes; the same (n, seed) always gives the same bytes.
std::string random_bytes(std::size_t n, std::uint32_t seed);

// Lowercase hex digests (OpenSSL EVP).
std::string sha256_hex(std::string_view data);
std::string sha512_hex(std::string_view data);

// Whole-file I/O; both throw std::runtime_error naming the path on failure.
// write_file creates missing parent directories and replaces the file.
std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, std::string_view data);

// Sets an environment variable of this process, or removes it when `value`
// is nullptr (setenv/unsetenv; _putenv_s on Windows, where "" removes).
// Not thread-safe with concurrent getenv: call it in a test's body or SetUp.
void set_env(const char* name, const char* value);

// Removes http_proxy, https_proxy, ALL_PROXY, no_proxy etc. (both spellings)
// from this process's environment, so in-process libcurl goes straight to
// 127.0.0.1. Not thread-safe with concurrent getenv: call it in main/SetUp.
void remove_proxy_env();

}  // namespace af_test
