// Digest parsing: case, length and hex checks.
#include <gtest/gtest.h>

#include <string>

#include "base/digest.h"
#include "base/input_error.h"

namespace assetfetch {
namespace {

TEST(ParseDigest, AcceptsBothCasesReturnsLowercase) {
  const std::string lower256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  std::string upper256 = lower256;
  for (char& c : upper256) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(parse_digest(HashAlgorithm::sha256, lower256, "--sha256").hex, lower256);
  Digest d = parse_digest(HashAlgorithm::sha256, upper256, "--sha256");
  EXPECT_EQ(d.hex, lower256);
  EXPECT_EQ(d.algorithm, HashAlgorithm::sha256);
  const std::string s512(128, 'F');
  Digest d5 = parse_digest(HashAlgorithm::sha512, s512, "--sha512");
  EXPECT_EQ(d5.hex, std::string(128, 'f'));
  EXPECT_EQ(d5.algorithm, HashAlgorithm::sha512);
}

TEST(ParseDigest, RejectsTable) {
  struct Case {
    HashAlgorithm algo;
    std::string hex;
  };
  const std::vector<Case> bad = {
      {HashAlgorithm::sha256, ""},
      {HashAlgorithm::sha256, std::string(63, 'a')},
      {HashAlgorithm::sha256, std::string(65, 'a')},
      {HashAlgorithm::sha256, std::string(128, 'a')},  // a sha512 given as sha256
      {HashAlgorithm::sha512, std::string(64, 'a')},
      {HashAlgorithm::sha256, std::string(63, 'a') + "g"},
      {HashAlgorithm::sha256, std::string(63, 'a') + " "},
      {HashAlgorithm::sha256, "0x" + std::string(62, 'a')},
  };
  for (const auto& c : bad) {
    SCOPED_TRACE(c.hex);
    try {
      parse_digest(c.algo, c.hex, "--shaX");
      ADD_FAILURE() << "accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("--shaX"), std::string::npos) << e.what();
    }
  }
}

TEST(ParseAlgorithm, Names) {
  EXPECT_EQ(parse_algorithm("sha256"), HashAlgorithm::sha256);
  EXPECT_EQ(parse_algorithm("sha512"), HashAlgorithm::sha512);
  EXPECT_FALSE(parse_algorithm("md5").has_value());
  EXPECT_FALSE(parse_algorithm("").has_value());
  EXPECT_EQ(digest_hex_length(HashAlgorithm::sha256), 64u);
  EXPECT_EQ(digest_hex_length(HashAlgorithm::sha512), 128u);
}

}  // namespace
}  // namespace assetfetch
