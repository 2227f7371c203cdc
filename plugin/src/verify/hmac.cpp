#include "verify/hmac.h"

#include "verify/hasher.h"

namespace assetfetch {

namespace {

constexpr std::size_t kBlock = 64;  // SHA-256's block size

std::string sha256_raw(std::string_view a, std::string_view b) {
  Hasher h(HashAlgorithm::sha256);
  h.update(a.data(), a.size());
  h.update(b.data(), b.size());
  const std::string hex = h.finish_hex();
  std::string raw;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return raw;
}

}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view message) {
  std::string k = key.size() > kBlock ? sha256_raw(key, {}) : std::string(key);
  k.resize(kBlock, '\0');
  std::string inner(kBlock, '\0'), outer(kBlock, '\0');
  for (std::size_t i = 0; i < kBlock; ++i) {
    inner[i] = static_cast<char>(k[i] ^ 0x36);
    outer[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  return sha256_raw(outer, sha256_raw(inner, message));
}

}  // namespace assetfetch
