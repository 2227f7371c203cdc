// Command-line arguments on POSIX: bytes as given (UTF-8 by convention).
#include "platform/arguments.h"

namespace assetfetch::platform {

std::vector<std::string> program_arguments(int argc, char** argv) { return {argv, argv + argc}; }

}  // namespace assetfetch::platform
