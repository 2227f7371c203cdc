// Streaming SHA-256/SHA-512 against known vectors (FIPS 180-2 examples).
#include <gtest/gtest.h>

#include <string>

#include "base/base64.h"
#include "verify/hasher.h"
#include "verify/hmac.h"
#include "test_util.h"

namespace assetfetch {
namespace {

TEST(Hasher, KnownVectors) {
  struct Case {
    HashAlgorithm algo;
    std::string input, hex;
  };
  const std::vector<Case> cases = {
      {HashAlgorithm::sha256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {HashAlgorithm::sha256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {HashAlgorithm::sha256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {HashAlgorithm::sha512, "",
       "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
      {HashAlgorithm::sha512, "abc",
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    Hasher h(c.algo);
    h.update(c.input.data(), c.input.size());
    EXPECT_EQ(h.finish_hex(), c.hex);
    // finish_hex resets: the same hasher gives the same answer again.
    h.update(c.input.data(), c.input.size());
    EXPECT_EQ(h.finish_hex(), c.hex);
  }
}

TEST(Hasher, MillionAs) {
  Hasher h(HashAlgorithm::sha256);
  const std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) h.update(chunk.data(), chunk.size());
  EXPECT_EQ(h.finish_hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Hasher, StreamingEqualsOneShotAndFiles) {
  const std::string data = af_test::random_bytes(3 * 1024 * 1024 + 17, 9);
  Hasher h(HashAlgorithm::sha256);
  for (std::size_t off = 0; off < data.size(); off += 4093)
    h.update(data.data() + off, std::min<std::size_t>(4093, data.size() - off));
  EXPECT_EQ(h.finish_hex(), af_test::sha256_hex(data));

  af_test::TempDir dir;
  af_test::write_file(dir / "f", data);
  EXPECT_EQ(hash_file(dir / "f", HashAlgorithm::sha256), af_test::sha256_hex(data));
  EXPECT_EQ(hash_file(dir / "f", HashAlgorithm::sha512), af_test::sha512_hex(data));
  EXPECT_EQ(hash_file(dir / "f", HashAlgorithm::sha256, 1000, 5000),
            af_test::sha256_hex(std::string_view(data).substr(1000, 5000)));
  EXPECT_EQ(hash_file(dir / "f", HashAlgorithm::sha256, 1000), af_test::sha256_hex(std::string_view(data).substr(1000)));
  Hasher p(HashAlgorithm::sha256);
  read_file_prefix(dir / "f", 2 * 1024 * 1024 + 1, [&](const char* b, std::size_t n) { p.update(b, n); });
  EXPECT_EQ(p.finish_hex(), af_test::sha256_hex(std::string_view(data).substr(0, 2 * 1024 * 1024 + 1)));
  EXPECT_THROW(hash_file(dir / "f", HashAlgorithm::sha256, 0, data.size() + 1), std::runtime_error);
  EXPECT_THROW(hash_file(dir / "missing", HashAlgorithm::sha256), std::exception);
}

}  // namespace
}  // namespace assetfetch

// RFC 4231 test cases 1 and 6 (a key longer than the block is hashed first),
// and base64_decode, which an Azure account key goes through.
TEST(Hmac, Rfc4231Vectors) {
  const auto hex = [](const std::string& raw) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) {
      out += digits[c >> 4];
      out += digits[c & 15];
    }
    return out;
  };
  EXPECT_EQ(hex(assetfetch::hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex(assetfetch::hmac_sha256(std::string(131, '\xaa'),
                                        "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(assetfetch::base64_decode("aGVsbG8gd29ybGQ="), "hello world");
  EXPECT_EQ(assetfetch::base64_decode("aGVsbG8gd29ybGQ"), "hello world");
  EXPECT_FALSE(assetfetch::base64_decode("not base64!"));
  const std::string bytes = "\x01\xff\x10 any bytes";
  EXPECT_EQ(assetfetch::base64_decode(assetfetch::base64(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size())), bytes);
}
