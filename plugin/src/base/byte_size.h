// Sizes as people write them on a command line or in a config.
#pragma once

#include <cstdint>
#include <string>

namespace assetfetch {

// "500", "10K", "1.5G", "2T", "3MiB": bytes or K/M/G/T (powers of 1024).
// Throws InputError naming `what` and the accepted forms.
std::uint64_t parse_byte_size(const std::string& text, const std::string& what);

}  // namespace assetfetch
