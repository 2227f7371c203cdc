// Byte ranges after BITS' AddFileWithRanges rules, their parsing from
// "OFF:LEN[:SHA256]" and their placement in the local file (layouts).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "assetfetch/types.h"

namespace assetfetch {

// BG_E_TOO_MANY_RANGES_IN_FILE's policy cap.
inline constexpr std::size_t kMaxRangesPerFile = 4096;

// Offsets, lengths and sizes stay below 2^63: curl and the file system take
// signed 64-bit offsets (and UINT64_MAX means EOF as a length).
inline constexpr std::uint64_t kMaxRangeValue = INT64_MAX;

enum class RangeProblem { none, no_ranges, eof_offset, zero_length, overlapping, too_many, too_large };

struct RangeCheck {
  RangeProblem problem = RangeProblem::none;
  std::string message;  // names the offending range(s); empty when fine
};

// AddFileWithRanges validation, before any request. `ranges_given` false
// means a whole-file download (no ranges to check).
RangeCheck validate_ranges(const std::vector<ByteRange>& ranges, bool ranges_given);

// "OFF:LEN", "OFF:EOF" or "OFF:LEN:SHA256"; OFF and LEN below 2^63, their
// sum too. Throws InputError naming `what`.
ByteRange parse_range_arg(std::string_view text, std::string_view what);
std::string format_range(const ByteRange& r);  // "OFF:LEN" / "OFF:EOF"

// A range with its EOF length resolved and its place in the local file.
struct PlacedRange {
  std::uint64_t offset = 0;  // in the remote file
  std::uint64_t length = 0;
  std::uint64_t output_offset = 0;  // in the local file
};

// Resolves against the remote size. Returns false and fills `error` (naming
// the remote size) when a range lies past the end (BG_E_INVALID_RANGE).
bool place_ranges(const std::vector<ByteRange>& ranges, std::uint64_t remote_size, Layout layout,
                  std::vector<PlacedRange>* placed, std::string* error);

// Size of the local file for placed ranges.
std::uint64_t output_size(const std::vector<PlacedRange>& placed, std::uint64_t remote_size,
                          Layout layout);

}  // namespace assetfetch
