// InputError: bad input from a user (flags, manifest, config, ranges). The
// message names the place and the fix; the CLI maps it to exit code 2.
#pragma once

#include <stdexcept>
#include <string>

namespace assetfetch {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace assetfetch
