// The finisher's steps on real files: installing a whole file, cutting
// ranges (with and without their own digests), and what each refusal is.
#include "worker/finisher.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "byte_range_util.h"
#include "test_util.h"

namespace assetfetch {
namespace {

namespace fs = std::filesystem;

class Finisher : public ::testing::Test {
 protected:
  void SetUp() override {
    data = af_test::random_bytes(100000, 7);
    af_test::write_file(whole, data);
  }
  static ByteRange range(std::uint64_t off, std::uint64_t len, const std::string& sha = "") {
    return test::byte_range(off, len, sha);
  }
  FileSpec spec_with(std::vector<ByteRange> ranges, Layout layout = Layout::concatenated) {
    FileSpec s;
    s.ranges = std::move(ranges);
    s.ranges_given = true;
    s.layout = layout;
    return s;
  }
  af_test::TempDir dir;
  fs::path whole = dir.path() / "whole.bin";
  fs::path out = dir.path() / "out.bin.part";
  std::string data;
};

TEST_F(Finisher, InstallsACopyOrAReadOnlyHardlink) {
  EXPECT_EQ(install_whole(whole, out, InstallMode::copy), data.size());
  EXPECT_EQ(af_test::read_file(out), data);
  EXPECT_FALSE(fs::equivalent(whole, out));  // editing the destination never touches the cache
  fs::remove(out);
  EXPECT_EQ(install_whole(whole, out, InstallMode::hardlink), data.size());
  EXPECT_TRUE(fs::equivalent(whole, out));
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0222, 0u);
}

TEST_F(Finisher, CutsConcatenatedAndSparseRanges) {
  const std::string a = data.substr(10, 100), b = data.substr(5000, 2000);
  auto cut = cut_ranges(spec_with({range(10, 100, af_test::sha256_hex(a)), range(5000, 2000)}), whole, out);
  ASSERT_TRUE(std::holds_alternative<std::uint64_t>(cut));
  EXPECT_EQ(std::get<std::uint64_t>(cut), 2100u);
  EXPECT_EQ(af_test::read_file(out), a + b);

  cut = cut_ranges(spec_with({range(10, 100)}, Layout::sparse), whole, out);
  ASSERT_TRUE(std::holds_alternative<std::uint64_t>(cut));
  EXPECT_EQ(std::get<std::uint64_t>(cut), data.size());
  std::string sparse = af_test::read_file(out);
  ASSERT_EQ(sparse.size(), data.size());
  EXPECT_EQ(sparse.substr(10, 100), a);
  EXPECT_EQ(sparse.substr(0, 10), std::string(10, '\0'));
}

TEST_F(Finisher, ARangePastTheEndIsTheCallersMistake) {
  auto cut = cut_ranges(spec_with({range(99990, 100)}), whole, out);
  ASSERT_TRUE(std::holds_alternative<Failure>(cut));
  EXPECT_EQ(std::get<Failure>(cut).code, ErrorCode::bad_input);
  EXPECT_EQ(std::get<Failure>(cut).cause, ErrorCause::range_invalid);
  EXPECT_FALSE(fs::exists(out));  // refused before anything is written
}

TEST_F(Finisher, ARangeThatDoesNotMatchItsDigestIsAMismatch) {
  auto cut = cut_ranges(spec_with({range(0, 100, af_test::sha256_hex("something else"))}), whole, out);
  ASSERT_TRUE(std::holds_alternative<Failure>(cut));
  EXPECT_EQ(std::get<Failure>(cut).code, ErrorCode::hash_mismatch);
  EXPECT_NE(std::get<Failure>(cut).message.find("0:100"), std::string::npos) << std::get<Failure>(cut).message;
}

}  // namespace
}  // namespace assetfetch
