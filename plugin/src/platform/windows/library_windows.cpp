// Run-time loading on Windows: LoadLibraryExW, first from the folder of the
// module holding this code (assetfetch.dll, or assetfetch.exe), then the
// program's own folder and System32 only (never the current directory). The
// first matters to a host that loads assetfetch.dll from another folder: the
// zip ships libcurl-4.dll beside it, and Windows' default search would look
// beside the host program instead.
#include <windows.h>

#include "platform/library.h"
#include "platform/path.h"
#include "platform/process.h"
#include "platform/windows/win_util.h"

namespace assetfetch::platform {

namespace {

// The folder of the module (DLL or EXE) this code was linked into
// (module_path()), with a trailing backslash; empty when Windows cannot say.
std::wstring own_module_folder() {
  const Result<std::string> file = module_path();
  if (!file) return {};
  const Result<std::u16string> w = utf8_to_utf16(file.value());
  if (!w) return {};
  const std::wstring path(w.value().begin(), w.value().end());
  const std::size_t slash = path.find_last_of(L"\\/");
  return slash == std::wstring::npos ? std::wstring() : path.substr(0, slash + 1);
}

}  // namespace

Result<Library> Library::open(std::string_view name) {
  Result<std::u16string> w = utf8_to_utf16(name);
  if (!w) return w.error();
  const std::wstring wide(w.value().begin(), w.value().end());
  Library lib;
  // A bare name first beside this module (a full path: LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR
  // also lets its own dependencies come from that folder).
  if (wide.find_first_of(L"\\/:") == std::wstring::npos) {
    const std::wstring folder = own_module_folder();
    if (!folder.empty())
      lib.handle_ = ::LoadLibraryExW((folder + wide).c_str(), nullptr,
                                     LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_DEFAULT_DIRS);
  }
  if (!lib.handle_) lib.handle_ = ::LoadLibraryExW(wide.c_str(), nullptr, LOAD_LIBRARY_SEARCH_DEFAULT_DIRS);
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
