// InputError: bad input from a user (flags, manifest, config, ranges). The
// message names the place and the fix; the CLI maps it to exit code 2.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace assetfetch {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  // One line per problem, as `check` and `sync` print them: what() here; a
  // refused document (config/diagnostics.h ValidationError) has one per diagnostic.
  virtual std::vector<std::string> lines() const { return {what()}; }
};

// The error lines of any InputError (InputError::lines).
inline std::vector<std::string> error_lines(const InputError& e) { return e.lines(); }

}  // namespace assetfetch
