// Processes on Windows.
#include <windows.h>
#include <bcrypt.h>

#include "platform/path.h"
#include "platform/process.h"
#include "platform/windows/win_util.h"

namespace assetfetch::platform {


std::uint64_t current_pid() { return ::GetCurrentProcessId(); }

bool pid_alive(std::uint64_t pid) {
  if (pid == 0 || pid > 0xFFFFFFFFu) return false;
  HANDLE h = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
  if (h == nullptr) return ::GetLastError() == ERROR_ACCESS_DENIED;  // exists, not ours to open
  DWORD code = 0;
  const bool alive = ::GetExitCodeProcess(h, &code) && code == STILL_ACTIVE;
  ::CloseHandle(h);
  return alive;
}

namespace {

// The file of `module` (nullptr: the program); `what` names it in errors.
Result<std::string> module_file(HMODULE module, const char* what) {
  std::wstring buf(512, L'\0');
  for (;;) {
    const DWORD n = ::GetModuleFileNameW(module, buf.data(), static_cast<DWORD>(buf.size()));
    if (n == 0) return win::error("find", what);
    if (n < buf.size()) {
      buf.resize(n);
      return win::utf8_of_api_path(buf);
    }
    if (buf.size() >= 32768) return PlatformError{Errc::io, 0, "find", what, "path too long"};
    buf.resize(buf.size() * 2);
  }
}

}  // namespace

Result<std::string> executable_path() { return module_file(nullptr, "the running program"); }

Result<std::string> module_path() {
  static const char anchor = 0;  // any address inside this module
  HMODULE self = nullptr;
  if (!::GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                            reinterpret_cast<LPCWSTR>(&anchor), &self))
    return win::error("find", "this library's file");
  return module_file(self, "this library's file");
}

Status random_bytes(void* buf, std::size_t len) {
  if (len > 0xFFFFFFFFu) return PlatformError{Errc::invalid_argument, 0, "read random bytes", "", "too many"};
  const NTSTATUS st = ::BCryptGenRandom(nullptr, static_cast<PUCHAR>(buf), static_cast<ULONG>(len),
                                        BCRYPT_USE_SYSTEM_PREFERRED_RNG);
  if (st != 0) return PlatformError{Errc::io, static_cast<int>(st), "read random bytes", "", {}};
  return {};
}

Result<Child> Child::spawn(const std::vector<std::string>& argv) {
  Result<win::ProcessCommand> command = win::process_command(argv);
  if (!command) return command.error();
  const std::wstring& application = command.value().application;
  std::wstring& cmd = command.value().line;
  STARTUPINFOW si{};
  si.cb = sizeof si;
  PROCESS_INFORMATION pi{};
  if (!::CreateProcessW(application.c_str(), cmd.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr, &si, &pi))
    return win::error("start", argv[0]);
  ::CloseHandle(pi.hThread);
  Child c;
  c.pid_ = pi.dwProcessId;
  c.handle_ = pi.hProcess;
  c.running_ = true;
  return c;
}

Child::~Child() {
  kill();
  close();
}

Child::Child(Child&& o) noexcept : pid_(o.pid_), handle_(o.handle_), running_(o.running_) {
  o.handle_ = nullptr;
  o.running_ = false;
  o.pid_ = 0;
}

Child& Child::operator=(Child&& o) noexcept {
  if (this != &o) {
    kill();
    close();
    pid_ = o.pid_;
    handle_ = o.handle_;
    running_ = o.running_;
    o.handle_ = nullptr;
    o.running_ = false;
    o.pid_ = 0;
  }
  return *this;
}

Result<std::optional<int>> Child::wait_for(std::chrono::milliseconds timeout) {
  if (handle_ == nullptr) return PlatformError{Errc::invalid_argument, 0, "wait for", "", "no child running"};
  const DWORD r = ::WaitForSingleObject(handle_, static_cast<DWORD>(timeout.count()));
  if (r == WAIT_TIMEOUT) return std::optional<int>();
  if (r != WAIT_OBJECT_0) return win::error("wait for", "");
  DWORD code = 0;
  if (!::GetExitCodeProcess(handle_, &code)) return win::error("wait for", "");
  running_ = false;
  return std::optional<int>(static_cast<int>(code));
}

void Child::kill() {
  if (!running_ || handle_ == nullptr) return;
  ::TerminateProcess(handle_, 137);
  ::WaitForSingleObject(handle_, 5000);
  running_ = false;
}

void Child::close() {
  if (handle_ != nullptr) ::CloseHandle(handle_);
  handle_ = nullptr;
}

}  // namespace assetfetch::platform
