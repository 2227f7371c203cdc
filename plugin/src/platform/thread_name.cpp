#include "platform/thread_name.h"

#ifdef _WIN32
#include <windows.h>

#include <string>
#else
#include <pthread.h>

#include <cstring>
#endif

namespace assetfetch::platform {

void name_this_thread(const char* ascii_name) {
#ifdef _WIN32
  std::wstring w(ascii_name, ascii_name + std::char_traits<char>::length(ascii_name));
  SetThreadDescription(GetCurrentThread(), w.c_str());  // Windows 10 1607+
#else
  char name[16] = {};  // Linux: 15 characters and the NUL
  std::strncpy(name, ascii_name, sizeof name - 1);
  pthread_setname_np(pthread_self(), name);
#endif
}

}  // namespace assetfetch::platform
