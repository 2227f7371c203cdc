// Run-time loading on POSIX: dlopen(RTLD_NOW | RTLD_LOCAL).
#include <dlfcn.h>

#include "platform/library.h"

namespace assetfetch::platform {

Result<Library> Library::open(std::string_view name) {
  const std::string n(name);
  Library lib;
  lib.handle_ = ::dlopen(n.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib.handle_) {
    const char* why = ::dlerror();
    return PlatformError{Errc::not_found, 0, "load", n, why ? why : ""};
  }
  return lib;
}

Library::~Library() {
  if (handle_) ::dlclose(handle_);
}

Library& Library::operator=(Library&& other) noexcept {
  if (this != &other) {
    if (handle_) ::dlclose(handle_);
    handle_ = other.handle_;
    other.handle_ = nullptr;
  }
  return *this;
}

void* Library::symbol(const char* symbol) const { return handle_ ? ::dlsym(handle_, symbol) : nullptr; }

std::string shared_library_name(std::string_view stem, int abi) {
#ifdef __APPLE__
  return "lib" + std::string(stem) + "." + std::to_string(abi) + ".dylib";
#else
  return "lib" + std::string(stem) + ".so." + std::to_string(abi);
#endif
}

}  // namespace assetfetch::platform
