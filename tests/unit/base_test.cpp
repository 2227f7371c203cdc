// The base layer's small rules: job names (one rule for the C++ API, the C
// ABI and the CLI), sizes as people write them, temporaries' owners, and
// percent-encoding.
#include <gtest/gtest.h>

#include "base/byte_size.h"
#include "base/input_error.h"
#include "base/job_name.h"
#include "base/percent_encode.h"
#include "cache/cache_admin.h"

namespace {

using namespace assetfetch;

TEST(JobName, AcceptsWhatCanNameARecordFile) {
  for (const char* ok : {"assets", "sha256-abc", "my job", ".hidden", "x-script-sha512-0123", "a.b_c-d"})
    EXPECT_FALSE(job_name_problem(ok)) << ok;
  EXPECT_FALSE(job_name_problem(std::string(kMaxJobName, 'a')));
}

TEST(JobName, RefusesWhatCannotWithTheReason) {
  EXPECT_NE(job_name_problem("")->find("empty"), std::string::npos);
  EXPECT_NE(job_name_problem(".")->find("'.' or '..'"), std::string::npos);
  EXPECT_NE(job_name_problem("..")->find("'.' or '..'"), std::string::npos);
  for (const char* bad : {"a/b", "a\\b", "tab\there", "nl\n"})
    EXPECT_NE(job_name_problem(bad)->find("slash, a backslash or a control character"), std::string::npos) << bad;
  EXPECT_NE(job_name_problem(std::string(kMaxJobName + 1, 'a'))->find("at most 200"), std::string::npos);
}

TEST(JobName, MadeFromTextPassesTheRule) {
  EXPECT_EQ(job_name_from("my assets"), "my_assets");
  EXPECT_EQ(job_name_from(".x"), "j.x");
  EXPECT_EQ(job_name_from(""), "j");
  EXPECT_EQ(job_name_from("../etc"), "j.._etc");
  EXPECT_EQ(job_name_from(std::string(500, 'z')).size(), kMaxJobName);
  for (const char* t : {"", ".", "..", "a/b", "x\ny", "  "}) EXPECT_FALSE(job_name_problem(job_name_from(t))) << t;
}

TEST(ByteSize, SuffixesArePowersOf1024) {
  EXPECT_EQ(parse_byte_size("500", "--max-size"), 500u);
  EXPECT_EQ(parse_byte_size("10K", "--max-size"), 10u << 10);
  EXPECT_EQ(parse_byte_size("3MiB", "--max-size"), 3u << 20);
  EXPECT_EQ(parse_byte_size("1.5G", "--max-size"), 3ull << 29);
  try {
    parse_byte_size("12Q", "--max-size");
    FAIL() << "12Q accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--max-size '12Q'"), std::string::npos) << e.what();
  }
}

TEST(TemporaryOwner, ReadsThePidOfEveryTemporaryForm) {
  EXPECT_EQ(temporary_owner("fast.bin.4242.0123456789abcdef.part"), 4242);
  EXPECT_EQ(temporary_owner("fast.bin.4242.0123456789abcdef.part.whole"), 4242);
  EXPECT_EQ(temporary_owner("abc.77.0123456789abcdef.range.tmp"), 77);
  EXPECT_EQ(temporary_owner("hash-981-0"), 981);
  EXPECT_EQ(temporary_owner("hash-981-0.981.0123456789abcdef.part"), 981);
  EXPECT_EQ(temporary_owner("x.55.0.tmp"), 55);
  EXPECT_EQ(temporary_owner("j.56.tmp"), 56);
  // Not temporaries: objects, partials, journals, records.
  EXPECT_EQ(temporary_owner(std::string(64, 'a')), 0);
  EXPECT_EQ(temporary_owner("sha256-" + std::string(64, 'a') + ".part"), 0);
  EXPECT_EQ(temporary_owner("sha256-" + std::string(64, 'a') + ".filled"), 0);
  EXPECT_EQ(temporary_owner("assets.json"), 0);
  EXPECT_EQ(temporary_owner("hash-notapid-0"), 0);
}

TEST(PercentEncode, KeepsOnlyUnreservedBytes) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a+b/c=="), "a%2Bb%2Fc%3D%3D");
  EXPECT_EQ(percent_encode("2030-01-01T00:00:00Z"), "2030-01-01T00%3A00%3A00Z");
  EXPECT_EQ(percent_encode(std::string("\x00\xff", 2)), "%00%FF");
}

}  // namespace
