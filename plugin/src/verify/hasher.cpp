#include "verify/hasher.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <stdexcept>
#include <system_error>
#include <vector>

namespace assetfetch {
namespace {

const EVP_MD* md_for(HashAlgorithm a) {
  return a == HashAlgorithm::sha256 ? EVP_sha256() : EVP_sha512();
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads [offset, offset+length) of `file` in chunks and hands them to `sink`.
template <class Sink>
void read_chunks(const std::filesystem::path& file, std::uint64_t offset, std::uint64_t length,
                 Sink&& sink) {
  Fd f{::open(file.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw std::system_error(errno, std::generic_category(), file.string());
  ::posix_fadvise(f.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  std::vector<char> buf(1 << 20);
  std::uint64_t left = length;
  auto pos = static_cast<off_t>(offset);
  while (left > 0) {
    std::size_t want = buf.size();
    if (left != kLengthToEof && left < want) want = static_cast<std::size_t>(left);
    ssize_t n = ::pread(f.fd, buf.data(), want, pos);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), file.string());
    }
    if (n == 0) {
      if (left == kLengthToEof) break;
      throw std::runtime_error(file.string() + ": file is shorter than expected");
    }
    sink(buf.data(), static_cast<std::size_t>(n));
    pos += n;
    if (left != kLengthToEof) left -= static_cast<std::uint64_t>(n);
  }
}

}  // namespace

Hasher::Hasher(HashAlgorithm algorithm) : algorithm_(algorithm), ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) throw std::bad_alloc();
  reset();
}

Hasher::~Hasher() {
  if (ctx_) EVP_MD_CTX_free(ctx_);
}

Hasher::Hasher(Hasher&& other) noexcept : algorithm_(other.algorithm_), ctx_(other.ctx_) {
  other.ctx_ = nullptr;
}

Hasher& Hasher::operator=(Hasher&& other) noexcept {
  if (this != &other) {
    if (ctx_) EVP_MD_CTX_free(ctx_);
    algorithm_ = other.algorithm_;
    ctx_ = other.ctx_;
    other.ctx_ = nullptr;
  }
  return *this;
}

void Hasher::reset() {
  if (EVP_DigestInit_ex(ctx_, md_for(algorithm_), nullptr) != 1)
    throw std::runtime_error("EVP_DigestInit_ex failed");
}

void Hasher::update(const void* data, std::size_t size) {
  if (size > 0) EVP_DigestUpdate(ctx_, data, size);
}

std::string Hasher::finish_hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, md, &len);
  static const char* digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(digits[md[i] >> 4]);
    hex.push_back(digits[md[i] & 15]);
  }
  reset();
  return hex;
}

std::string hash_file(const std::filesystem::path& file, HashAlgorithm algorithm,
                      std::uint64_t offset, std::uint64_t length) {
  Hasher h(algorithm);
  read_chunks(file, offset, length, [&](const char* p, std::size_t n) { h.update(p, n); });
  return h.finish_hex();
}

void read_file_prefix(const std::filesystem::path& file, std::uint64_t length,
                      const std::function<void(const char*, std::size_t)>& sink) {
  if (length == 0) return;
  read_chunks(file, 0, length, sink);
}

}  // namespace assetfetch
