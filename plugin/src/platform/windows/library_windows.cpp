// Run-time loading on Windows: LoadLibraryExW, searching the program's own
// folder and System32 only (never the current directory).
#include <windows.h>

#include "platform/library.h"
#include "platform/path.h"
#include "platform/windows/win_util.h"

namespace assetfetch::platform {

Result<Library> Library::open(std::string_view name) {
  Result<std::u16string> w = utf8_to_utf16(name);
  if (!w) return w.error();
  const std::wstring wide(w.value().begin(), w.value().end());
  Library lib;
  lib.handle_ = ::LoadLibraryExW(wide.c_str(), nullptr, LOAD_LIBRARY_SEARCH_DEFAULT_DIRS);
  if (!lib.handle_) return win::error("load", name);
  return lib;
}

Library::~Library() {
  if (handle_) ::FreeLibrary(static_cast<HMODULE>(handle_));
}

Library& Library::operator=(Library&& other) noexcept {
  if (this != &other) {
    if (handle_) ::FreeLibrary(static_cast<HMODULE>(handle_));
    handle_ = other.handle_;
    other.handle_ = nullptr;
  }
  return *this;
}

void* Library::symbol(const char* symbol) const {
  if (!handle_) return nullptr;
  return reinterpret_cast<void*>(::GetProcAddress(static_cast<HMODULE>(handle_), symbol));
}

std::string shared_library_name(std::string_view stem, int abi) {
  return "lib" + std::string(stem) + "-" + std::to_string(abi) + ".dll";
}

}  // namespace assetfetch::platform
