// The footer of each --help page: an example or two, then the exit codes
// that command can return (check never downloads, so it lists no download
// failures).
#pragma once

#include <string>

namespace assetfetch::cli {

// For `assetfetch <command> --help`; an unknown command gets the exit codes only.
std::string help_footer(const std::string& command);

// For `assetfetch --help`.
std::string main_help_footer();

}  // namespace assetfetch::cli
