#include "platform/program_path.h"

#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "platform/path.h"

namespace assetfetch::platform {
namespace {

std::string& remembered() {
  static std::string path;
  return path;
}

// What a shell did with argv[0]: a name with a separator is a path (relative
// to the folder the program started in), a bare name was found on PATH.
std::filesystem::path resolve(std::string_view argv0) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (argv0.find('/') != std::string_view::npos || argv0.find('\\') != std::string_view::npos) {
    fs::path p = fs::weakly_canonical(fs::absolute(path_from_utf8(argv0), ec), ec);
    return ec ? fs::path{} : p;
  }
  const char* path_var = std::getenv("PATH");
  if (!path_var) return {};
  std::string_view rest = path_var;
  while (!rest.empty()) {
    const std::size_t colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    if (dir.empty()) continue;
    const fs::path candidate = path_from_utf8(dir) / path_from_utf8(argv0);
    if (fs::is_regular_file(candidate, ec)) {
      fs::path p = fs::weakly_canonical(fs::absolute(candidate, ec), ec);
      return ec ? fs::path{} : p;
    }
  }
  return {};
}

}  // namespace

void remember_program_path(const char* argv0) {
  if (!argv0 || !*argv0) return;
  const std::filesystem::path p = resolve(argv0);
  if (!p.empty()) remembered() = utf8_of(p);
}

const std::string& remembered_program_path() { return remembered(); }

}  // namespace assetfetch::platform
