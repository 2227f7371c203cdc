// Detached processes on Windows: CreateProcessW with no console, a process
// group of its own (a Ctrl-C in the caller's console never reaches it), no
// inherited handles (so it never holds a build tool's pipes open), started
// in the Windows folder (not holding the caller's working folder), never
// waited for.
#include <windows.h>

#include "platform/detached_process.h"
#include "platform/path.h"
#include "platform/windows/win_util.h"

namespace assetfetch::platform {

Status spawn_detached(const std::vector<std::string>& argv) {
  Result<win::ProcessCommand> command = win::process_command(argv);
  if (!command) return command.error();
  const std::wstring& application = command.value().application;
  std::wstring& cmd = command.value().line;
  wchar_t folder[MAX_PATH + 1] = {};
  const UINT n = ::GetSystemWindowsDirectoryW(folder, MAX_PATH);
  // Standard handles: none (STARTF_USESTDHANDLES with nulls), not the caller's.
  STARTUPINFOW si{};
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  PROCESS_INFORMATION pi{};
  const DWORD flags = DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW | CREATE_UNICODE_ENVIRONMENT;
  if (!::CreateProcessW(application.c_str(), cmd.data(), nullptr, nullptr, FALSE, flags, nullptr,
                        n > 0 && n < MAX_PATH ? folder : nullptr, &si, &pi))
    return win::error("start", argv[0]);
  win::UniqueHandle process(pi.hProcess);
  win::UniqueHandle thread(pi.hThread);
  return {};
}

}  // namespace assetfetch::platform
