// A value quoted for a message: JSON string syntax (control characters
// escaped, so nothing reaches a terminal raw), at most `max` characters
// (cut at a character boundary, "..." marks the cut).
#pragma once

#include <cstddef>
#include <string>

namespace assetfetch {

std::string quoted_value(const std::string& value, std::size_t max = 80);

}  // namespace assetfetch
