#include "config/free_space_text.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <utility>

namespace assetfetch::config_detail {

namespace {

// Binary units are what `df -h` shows; decimal ones are what disks are sold in.
constexpr std::pair<std::string_view, double> kUnits[] = {
    {"", 1.0},       {"B", 1.0},        {"KiB", 0x1p10},   {"MiB", 0x1p20}, {"GiB", 0x1p30},
    {"TiB", 0x1p40}, {"kB", 1e3},       {"KB", 1e3},       {"MB", 1e6},     {"GB", 1e9},
    {"TB", 1e12},
};

}  // namespace

std::optional<FreeSpaceFloor> parse_free_space(std::string_view text, std::string* problem) {
  const std::string usage =
      "; give bytes with a unit (\"2GiB\", \"500MiB\", \"10GB\"), a share of the filesystem (\"5%\"), or 0 to turn "
      "the floor off";
  std::size_t digits = 0;
  while (digits < text.size() && ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) ++digits;
  double number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, number, std::chars_format::fixed);
  if (digits == 0 || ec != std::errc() || end != text.data() + digits || !std::isfinite(number)) {
    *problem = "\"" + std::string(text) + "\" is not a size" + usage;
    return std::nullopt;
  }
  std::string_view unit = text.substr(digits);
  if (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  FreeSpaceFloor floor;
  if (unit == "%") {
    if (number > 100) {
      *problem = "\"" + std::string(text) + "\" is more than the whole filesystem" + usage;
      return std::nullopt;
    }
    floor.bytes.reset();
    floor.percent = number;
    return floor;
  }
  for (const auto& [name, factor] : kUnits) {
    if (unit != name) continue;
    const double bytes = number * factor;
    if (bytes >= 0x1p62) {
      *problem = "\"" + std::string(text) + "\" is larger than any filesystem" + usage;
      return std::nullopt;
    }
    floor.bytes = static_cast<std::uint64_t>(bytes);
    floor.percent.reset();
    return floor;
  }
  *problem = "\"" + std::string(text) + "\": unknown unit \"" + std::string(unit) + "\"" + usage;
  return std::nullopt;
}

}  // namespace assetfetch::config_detail
