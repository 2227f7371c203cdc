// Byte ranges: BITS' AddFileWithRanges validation, "OFF:LEN[:SHA256]"
// parsing and placement in the local file (concatenated and sparse).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/input_error.h"
#include "base/range.h"

namespace assetfetch {
namespace {

ByteRange R(std::uint64_t off, std::uint64_t len) { return {off, len, std::nullopt}; }

struct ValidateCase {
  const char* name;
  std::vector<ByteRange> ranges;
  bool ranges_given;
  RangeProblem want;
};

TEST(ValidateRanges, AcceptRejectTable) {
  const std::vector<ValidateCase> cases = {
      {"whole file (no ranges given)", {}, false, RangeProblem::none},
      {"one range", {R(0, 10)}, true, RangeProblem::none},
      {"to EOF", {R(5, kLengthToEof)}, true, RangeProblem::none},
      {"disjoint, out of order", {R(900, 100), R(100, 100), R(400, 100)}, true, RangeProblem::none},
      {"adjacent", {R(0, 10), R(10, 10)}, true, RangeProblem::none},
      {"zero ranges", {}, true, RangeProblem::no_ranges},
      {"EOF offset", {R(kLengthToEof, 10)}, true, RangeProblem::eof_offset},
      {"zero length", {R(3, 0)}, true, RangeProblem::zero_length},
      {"overlapping", {R(0, 10), R(5, 10)}, true, RangeProblem::overlapping},
      {"overlapping, given in reverse", {R(5, 10), R(0, 10)}, true, RangeProblem::overlapping},
      {"duplicate", {R(7, 3), R(7, 3)}, true, RangeProblem::overlapping},
      {"same offset, other lengths", {R(7, 1), R(7, 100)}, true, RangeProblem::overlapping},
      {"same offset, one to EOF", {R(7, kLengthToEof), R(7, 1)}, true, RangeProblem::overlapping},
      {"after an EOF range", {R(0, kLengthToEof), R(50, 1)}, true, RangeProblem::overlapping},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    RangeCheck rc = validate_ranges(c.ranges, c.ranges_given);
    EXPECT_EQ(rc.problem, c.want);
    EXPECT_EQ(rc.message.empty(), c.want == RangeProblem::none) << rc.message;
  }
}

TEST(ValidateRanges, TooMany) {
  std::vector<ByteRange> ok, too_many;
  for (std::uint64_t i = 0; i < kMaxRangesPerFile; ++i) ok.push_back(R(i * 2, 1));
  EXPECT_EQ(validate_ranges(ok, true).problem, RangeProblem::none);
  too_many = ok;
  too_many.push_back(R(kMaxRangesPerFile * 2, 1));
  RangeCheck rc = validate_ranges(too_many, true);
  EXPECT_EQ(rc.problem, RangeProblem::too_many);
  EXPECT_NE(rc.message.find(std::to_string(kMaxRangesPerFile)), std::string::npos) << rc.message;
}

TEST(ParseRangeArg, Accepts) {
  const std::string hex(64, 'a');
  const std::string HEX(64, 'A');
  EXPECT_EQ(parse_range_arg("0:10", "--range"), R(0, 10));
  EXPECT_EQ(parse_range_arg("5:EOF", "--range"), R(5, kLengthToEof));
  EXPECT_EQ(parse_range_arg("5:eof", "--range"), R(5, kLengthToEof));
  ByteRange h = parse_range_arg("1:2:" + hex, "--range");
  EXPECT_EQ(h.offset, 1u);
  EXPECT_EQ(h.length, 2u);
  ASSERT_TRUE(h.digest.has_value());
  EXPECT_EQ(h.digest->hex, hex);
  EXPECT_EQ(parse_range_arg("1:2:" + HEX, "--range").digest->hex, hex);
  EXPECT_EQ(parse_range_arg("3:EOF:" + hex, "--range").length, kLengthToEof);
}

TEST(ParseRangeArg, RejectsBadForms) {
  const std::string hex(64, 'a');
  const std::vector<std::string> bad = {
      "",      "10",    ":10",   "10:",    "a:10",      "10:b",          "-1:10",  "EOF:10",
      "1:2:",  "1:2:zz", "1:2:" + hex.substr(1), "1:2:" + hex + "0", "1.5:2", "1:2:3:4",
      " 1:2",  "1:2 ",  "18446744073709551616:1",
  };
  for (const auto& b : bad) {
    SCOPED_TRACE(b);
    try {
      parse_range_arg(b, "--range");
      ADD_FAILURE() << "accepted '" << b << "'";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("--range"), std::string::npos) << e.what();
    }
  }
}

// Offsets and lengths stay below 2^63; UINT64_MAX may never alias EOF.
TEST(ParseRangeArg, RejectsValuesFrom2To63AndOverflow) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"4000:18446744073709551615", "'18446744073709551615' is too large; offsets and lengths are below 2^63"},
      {"9223372036854775808:1", "'9223372036854775808' is too large"},
      {"0:9223372036854775808", "'9223372036854775808' is too large"},
      {"0:99999999999999999999999", "'99999999999999999999999' is too large"},
      {"9223372036854775807:1", "offset + length is past 2^63 - 1"},
      {"4611686018427387904:4611686018427387904", "offset + length is past 2^63 - 1"},
  };
  for (const auto& [text, part] : table) {
    SCOPED_TRACE(text);
    try {
      parse_range_arg(text, "--range");
      ADD_FAILURE() << "accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("--range: '" + text + "'", 0), 0u) << e.what();
    }
  }
  EXPECT_EQ(parse_range_arg("9223372036854775806:1", "--range"), R(9223372036854775806u, 1));
  EXPECT_EQ(parse_range_arg("9223372036854775807:EOF", "--range"), R(kMaxRangeValue, kLengthToEof));
}

TEST(ValidateRanges, RejectsRangesReachingPast2To63) {
  EXPECT_EQ(validate_ranges({R(kMaxRangeValue + 1, 1)}, true).problem, RangeProblem::too_large);
  EXPECT_EQ(validate_ranges({R(kMaxRangeValue, 1)}, true).problem, RangeProblem::too_large);
  EXPECT_EQ(validate_ranges({R(0, kMaxRangeValue + 1)}, true).problem, RangeProblem::too_large);
  EXPECT_EQ(validate_ranges({R(kMaxRangeValue, kLengthToEof)}, true).problem, RangeProblem::none);
  EXPECT_EQ(validate_ranges({R(1, kMaxRangeValue - 1)}, true).problem, RangeProblem::none);
}

TEST(FormatRange, RoundTrips) {
  EXPECT_EQ(format_range(R(1, 2)), "1:2");
  EXPECT_EQ(format_range(R(9, kLengthToEof)), "9:EOF");
}

TEST(PlaceRanges, ConcatenatedInGivenOrder) {
  std::vector<PlacedRange> placed;
  std::string err;
  ASSERT_TRUE(place_ranges({R(100, 100), R(900, 100), R(400, 100)}, 1000, Layout::concatenated, &placed, &err))
      << err;
  ASSERT_EQ(placed.size(), 3u);
  EXPECT_EQ(placed[0].offset, 100u);
  EXPECT_EQ(placed[0].output_offset, 0u);
  EXPECT_EQ(placed[1].offset, 900u);
  EXPECT_EQ(placed[1].output_offset, 100u);
  EXPECT_EQ(placed[2].offset, 400u);
  EXPECT_EQ(placed[2].output_offset, 200u);
  EXPECT_EQ(output_size(placed, 1000, Layout::concatenated), 300u);
}

TEST(PlaceRanges, SparseKeepsOffsets) {
  std::vector<PlacedRange> placed;
  std::string err;
  ASSERT_TRUE(place_ranges({R(100, 100), R(900, 100), R(400, 100)}, 1000, Layout::sparse, &placed, &err));
  ASSERT_EQ(placed.size(), 3u);
  EXPECT_EQ(placed[0].output_offset, 100u);
  EXPECT_EQ(placed[1].output_offset, 900u);
  EXPECT_EQ(placed[2].output_offset, 400u);
  EXPECT_EQ(output_size(placed, 1000, Layout::sparse), 1000u);
}

TEST(PlaceRanges, EofResolvesToTail) {
  std::vector<PlacedRange> placed;
  std::string err;
  ASSERT_TRUE(place_ranges({R(990, kLengthToEof)}, 1000, Layout::concatenated, &placed, &err));
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].length, 10u);
  // Exactly up to the end is fine.
  EXPECT_TRUE(place_ranges({R(900, 100)}, 1000, Layout::concatenated, &placed, &err));
}

TEST(PlaceRanges, PastEofNamesRemoteSize) {
  const std::vector<std::vector<ByteRange>> bad = {
      {R(900, 101)}, {R(1000, 1)}, {R(1000, kLengthToEof)}, {R(0, 10), R(5000, 1)}};
  for (const auto& b : bad) {
    std::vector<PlacedRange> placed;
    std::string err;
    EXPECT_FALSE(place_ranges(b, 1000, Layout::concatenated, &placed, &err));
    EXPECT_NE(err.find("1000"), std::string::npos) << err;
  }
}

}  // namespace
}  // namespace assetfetch
