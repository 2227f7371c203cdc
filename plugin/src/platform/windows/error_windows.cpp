#include <windows.h>

#include "platform/error.h"
#include "platform/path.h"

namespace assetfetch::platform {

std::string native_error_text(int native) {
  wchar_t* text = nullptr;
  const DWORD n = ::FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
      static_cast<DWORD>(native), 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
  std::string out;
  if (n > 0 && text != nullptr) {
    std::u16string w(text, text + n);
    while (!w.empty() && (w.back() == u'\n' || w.back() == u'\r' || w.back() == u' ' || w.back() == u'.'))
      w.pop_back();
    out = utf16_to_utf8(w);
  }
  if (text != nullptr) ::LocalFree(text);
  if (out.empty()) out = "Windows error " + std::to_string(native);
  return out;
}

Errc errc_of_native(int e) {
  switch (static_cast<DWORD>(e)) {
    case ERROR_FILE_EXISTS: case ERROR_ALREADY_EXISTS: return Errc::exists;
    case ERROR_FILE_NOT_FOUND: case ERROR_PATH_NOT_FOUND: case ERROR_INVALID_DRIVE: case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME: return Errc::not_found;
    case ERROR_CANT_ACCESS_FILE: case ERROR_CANT_RESOLVE_FILENAME: return Errc::is_link;
    case ERROR_DIRECTORY: return Errc::is_directory;
    case ERROR_SHARING_VIOLATION: case ERROR_LOCK_VIOLATION: return Errc::sharing_violation;
    case ERROR_ACCESS_DENIED: case ERROR_WRITE_PROTECT: return Errc::access_denied;
    case ERROR_DISK_FULL: case ERROR_HANDLE_DISK_FULL: return Errc::no_space;
    case ERROR_NOT_SUPPORTED: case ERROR_INVALID_FUNCTION: case ERROR_NOT_SAME_DEVICE: return Errc::unsupported;
    case ERROR_INVALID_PARAMETER: case ERROR_INVALID_NAME: case ERROR_FILENAME_EXCED_RANGE:
      return Errc::invalid_argument;
    case WAIT_TIMEOUT: return Errc::interrupted;
    default: return Errc::io;
  }
}

PlatformError last_error(std::string op, std::string path) {
  const DWORD e = ::GetLastError();
  return PlatformError{errc_of_native(static_cast<int>(e)), static_cast<int>(e), std::move(op), std::move(path), {}};
}

std::error_code PlatformError::error_code() const {
  return native != 0 ? std::error_code(native, std::system_category())
                     : std::make_error_code(code == Errc::invalid_argument ? std::errc::invalid_argument
                                                                           : std::errc::io_error);
}

}  // namespace assetfetch::platform
