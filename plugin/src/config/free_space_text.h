// The config's "min_free_space" as text: "2GiB", "500 MiB", "10GB", "5%",
// or a plain count of bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "assetfetch/job.h"

namespace assetfetch::config_detail {

// The floor, or nullopt with `problem` saying what is wrong and what to write.
std::optional<FreeSpaceFloor> parse_free_space(std::string_view text, std::string* problem);

}  // namespace assetfetch::config_detail
