#include "platform/environment.h"

#include <cstdlib>

#include "platform/path.h"

namespace assetfetch::platform {

std::optional<std::string> environment_value(const char* name) {
#ifdef _WIN32
  // The CRT's wide copy of the environment holds the UTF-16 the process got.
  const std::string n(name);
  const std::wstring wide(n.begin(), n.end());  // names are ASCII
  const wchar_t* v = ::_wgetenv(wide.c_str());
  if (!v) return std::nullopt;
  const std::wstring value(v);
  return utf16_to_utf8(std::u16string(value.begin(), value.end()));
#else
  const char* v = std::getenv(name);
  if (!v) return std::nullopt;
  return std::string(v);
#endif
}

}  // namespace assetfetch::platform
