#include "platform/thread_name.h"

#ifdef _WIN32
#include <windows.h>

#include <string>
#else
#include <pthread.h>

#include <cstring>

#include "platform/posix/features.h"
#endif

namespace assetfetch::platform {

void name_this_thread(const char* ascii_name) {
#ifdef _WIN32
  // Windows 10 1607+, and not declared by Debian's mingw-w64 headers: looked
  // up once in kernel32; older Windows just keeps threads unnamed.
  using SetDescription = HRESULT(WINAPI*)(HANDLE, PCWSTR);
  static const auto set_description = reinterpret_cast<SetDescription>(
      reinterpret_cast<void*>(::GetProcAddress(::GetModuleHandleW(L"kernel32.dll"), "SetThreadDescription")));
  if (!set_description) return;
  std::wstring w(ascii_name, ascii_name + std::char_traits<char>::length(ascii_name));
  set_description(::GetCurrentThread(), w.c_str());
#elif defined(AF_HAVE_PTHREAD_SETNAME_2)
  char name[16] = {};  // Linux: 15 characters and the NUL
  std::strncpy(name, ascii_name, sizeof name - 1);
  pthread_setname_np(pthread_self(), name);
#else
  (void)ascii_name;  // POSIX has no call for it (macOS's takes one argument: not built yet)
#endif
}

}  // namespace assetfetch::platform
