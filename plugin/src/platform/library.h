// A shared library loaded at run time (dlopen / LoadLibraryW): libcurl is
// mapped on the first transfer only (transfer/curl_api.cpp).
#pragma once

#include <string>
#include <string_view>

#include "platform/error.h"

namespace assetfetch::platform {

class Library {
 public:
  // Loads `name` (a file name searched the OS's way, or a path; UTF-8) with
  // every symbol bound now and none made global. The error's detail holds
  // the loader's text (dlerror) when it has one.
  static Result<Library> open(std::string_view name);

  Library() = default;
  ~Library();
  Library(Library&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
  Library& operator=(Library&& other) noexcept;
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  // The address of `symbol`, or nullptr when the library has none.
  void* symbol(const char* symbol) const;
  // Keeps the library mapped for the rest of the process (the destructor
  // then does nothing): for function tables that live as long as it.
  void keep_loaded() { handle_ = nullptr; }

 private:
  void* handle_ = nullptr;
};

// The file name of a library with the given POSIX soname stem and ABI major
// ("curl", 4): libcurl.so.4 (Linux, BSD), libcurl.4.dylib (macOS),
// libcurl-4.dll (Windows, as MSYS2 and curl's mingw builds name it).
std::string shared_library_name(std::string_view stem, int abi);

}  // namespace assetfetch::platform
