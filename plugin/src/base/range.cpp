#include "base/range.h"

#include <algorithm>
#include <charconv>

#include "base/digest.h"
#include "base/input_error.h"

namespace assetfetch {

std::string format_range(const ByteRange& r) {
  return std::to_string(r.offset) + ":" + (r.to_eof() ? std::string("EOF") : std::to_string(r.length));
}

RangeCheck validate_ranges(const std::vector<ByteRange>& ranges, bool ranges_given) {
  if (!ranges_given) return {};
  if (ranges.empty())
    return {RangeProblem::no_ranges, "no ranges given: give at least one range, or none to fetch the whole file"};
  if (ranges.size() > kMaxRangesPerFile)
    return {RangeProblem::too_many, std::to_string(ranges.size()) + " ranges given; at most " +
                                        std::to_string(kMaxRangesPerFile) + " per file"};
  for (const auto& r : ranges) {
    if (r.offset == kLengthToEof)
      return {RangeProblem::eof_offset, "range offset may not be EOF (only the length may be)"};
    if (r.length == 0)
      return {RangeProblem::zero_length, "range " + format_range(r) + " has length 0"};
    if (r.offset > kMaxRangeValue || (!r.to_eof() && r.length > kMaxRangeValue - r.offset))
      return {RangeProblem::too_large, "range " + format_range(r) +
                                           " reaches past 2^63 - 1, the largest file offset"};
  }
  // BITS compares ranges by offset: two at one offset overlap whatever their lengths.
  std::vector<const ByteRange*> sorted;
  for (const auto& r : ranges) sorted.push_back(&r);
  std::sort(sorted.begin(), sorted.end(),
            [](const ByteRange* a, const ByteRange* b) { return a->offset < b->offset; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    const ByteRange& a = *sorted[i - 1];
    const ByteRange& b = *sorted[i];
    bool overlap = a.offset == b.offset || a.to_eof() || a.offset + a.length > b.offset;
    if (overlap)
      return {RangeProblem::overlapping, "ranges " + format_range(a) + " and " + format_range(b) +
                                             " overlap; give each byte at most once"};
  }
  return {};
}

namespace {

// A decimal below 2^63 (so no value can alias EOF, UINT64_MAX).
std::uint64_t parse_u64(std::string_view s, std::string_view what, std::string_view whole) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  const std::string head = std::string(what) + ": '" + std::string(whole) + "': ";
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && p == s.data() + s.size() && v > kMaxRangeValue))
    throw InputError(head + "'" + std::string(s) + "' is too large; offsets and lengths are below 2^63 (" +
                     std::to_string(kMaxRangeValue + 1) + ")");
  if (s.empty() || ec != std::errc() || p != s.data() + s.size())
    throw InputError(head + "is not OFFSET:LENGTH[:SHA256] (LENGTH may be EOF): '" + std::string(s) +
                     "' is not a non-negative integer");
  return v;
}

}  // namespace

ByteRange parse_range_arg(std::string_view text, std::string_view what) {
  auto c1 = text.find(':');
  if (c1 == std::string_view::npos)
    throw InputError(std::string(what) + ": '" + std::string(text) +
                     "' is not OFFSET:LENGTH[:SHA256] (for example 0:4096 or 8192:EOF)");
  std::string_view off = text.substr(0, c1);
  std::string_view rest = text.substr(c1 + 1);
  std::string_view len = rest;
  std::string_view hash;
  if (auto c2 = rest.find(':'); c2 != std::string_view::npos) {
    len = rest.substr(0, c2);
    hash = rest.substr(c2 + 1);
  }
  ByteRange r;
  if (off == "EOF" || off == "eof")
    throw InputError(std::string(what) + ": '" + std::string(text) +
                     "': the offset may not be EOF (only the length may be)");
  r.offset = parse_u64(off, what, text);
  r.length = (len == "EOF" || len == "eof") ? kLengthToEof : parse_u64(len, what, text);
  if (!r.to_eof() && r.length > kMaxRangeValue - r.offset)
    throw InputError(std::string(what) + ": '" + std::string(text) +
                     "': offset + length is past 2^63 - 1, the largest file offset");
  if (!hash.empty() || rest.find(':') != std::string_view::npos)
    r.digest = parse_digest(HashAlgorithm::sha256, hash, std::string(what) + " " + std::string(text));
  return r;
}

bool place_ranges(const std::vector<ByteRange>& ranges, std::uint64_t remote_size, Layout layout,
                  std::vector<PlacedRange>* placed, std::string* error) {
  placed->clear();
  std::uint64_t out = 0;
  for (const auto& r : ranges) {
    if (r.offset >= remote_size || (!r.to_eof() && r.length > remote_size - r.offset)) {
      *error = "range " + format_range(r) + " lies past the end of the remote file (remote size " +
               std::to_string(remote_size) + " bytes)";
      return false;
    }
    PlacedRange p;
    p.offset = r.offset;
    p.length = r.to_eof() ? remote_size - r.offset : r.length;
    p.output_offset = layout == Layout::sparse ? r.offset : out;
    out += p.length;
    placed->push_back(p);
  }
  return true;
}

std::uint64_t output_size(const std::vector<PlacedRange>& placed, std::uint64_t remote_size,
                          Layout layout) {
  if (layout == Layout::sparse) return remote_size;
  std::uint64_t n = 0;
  for (const auto& p : placed) n += p.length;
  return n;
}

}  // namespace assetfetch
