// A command's captured stdout on Windows: the line split as the AWS CLI
// splits it (no shell), CreateProcessW with an anonymous pipe for stdout and
// only the three standard handles inherited, in a job object so that a
// timeout stops whatever the command started.
#include <windows.h>
#include <shellapi.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "platform/child_process_output.h"
#include "platform/path.h"
#include "platform/windows/win_util.h"

namespace assetfetch::platform {

namespace {

// A kernel handle, closed when it goes out of scope.
class Handle {
 public:
  Handle() = default;
  explicit Handle(HANDLE h) : h_(h == INVALID_HANDLE_VALUE ? nullptr : h) {}
  ~Handle() { reset(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  HANDLE get() const { return h_; }
  HANDLE* out() { return &h_; }
  explicit operator bool() const { return h_ != nullptr && h_ != INVALID_HANDLE_VALUE; }
  void reset() {
    if (*this) ::CloseHandle(h_);
    h_ = nullptr;
  }

 private:
  HANDLE h_ = nullptr;
};

// The attribute list that limits what the child inherits.
class AttributeList {
 public:
  explicit AttributeList(DWORD count) {
    SIZE_T size = 0;
    ::InitializeProcThreadAttributeList(nullptr, count, 0, &size);
    storage_.resize(size);
    auto* list = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(storage_.data());
    if (size > 0 && ::InitializeProcThreadAttributeList(list, count, 0, &size)) list_ = list;
  }
  ~AttributeList() {
    if (list_) ::DeleteProcThreadAttributeList(list_);
  }
  AttributeList(const AttributeList&) = delete;
  AttributeList& operator=(const AttributeList&) = delete;
  LPPROC_THREAD_ATTRIBUTE_LIST get() const { return list_; }

 private:
  std::vector<unsigned char> storage_;
  LPPROC_THREAD_ATTRIBUTE_LIST list_ = nullptr;
};

struct LocalFreeDeleter {
  void operator()(LPWSTR* p) const { ::LocalFree(p); }
};

PlatformError command_error(const char* detail) {
  return PlatformError{Errc::invalid_argument, 0, "run", "the command", detail};
}

// The C runtime's split (CommandLineToArgvW: the first word up to a space
// outside quotes, the rest with its backslash-and-quote rules), joined again
// so each word reaches the program exactly (the AWS CLI's own split and
// join on Windows). The command itself never goes into a message: it may
// hold a secret.
Result<std::wstring> canonical_command_line(const std::string& command) {
  Result<std::u16string> wide = utf8_to_utf16(command);
  if (!wide) return command_error("it is not UTF-8");
  const std::wstring line(wide.value().begin(), wide.value().end());
  if (line.find_first_not_of(L" \t\r\n") == std::wstring::npos) return command_error("it is empty");
  int count = 0;
  std::unique_ptr<LPWSTR, LocalFreeDeleter> words(::CommandLineToArgvW(line.c_str(), &count));
  if (!words || count < 1) return win::error("run", "the command");
  std::wstring out;
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += L' ';
    win::append_quoted(out, words.get()[i]);
  }
  return out;
}

// Inheritable copies of the null device (stdin) and our stderr (the null
// device when we have none, as in a GUI host).
bool inheritable_null(Handle& h, DWORD access) {
  SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, TRUE};
  *h.out() = ::CreateFileW(L"NUL", access, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, nullptr);
  if (h.get() == INVALID_HANDLE_VALUE) *h.out() = nullptr;
  return static_cast<bool>(h);
}

bool inheritable_stderr(Handle& h) {
  const HANDLE ours = ::GetStdHandle(STD_ERROR_HANDLE);
  if (ours != nullptr && ours != INVALID_HANDLE_VALUE &&
      ::DuplicateHandle(::GetCurrentProcess(), ours, ::GetCurrentProcess(), h.out(), 0, TRUE, DUPLICATE_SAME_ACCESS))
    return true;
  return inheritable_null(h, GENERIC_WRITE);
}

}  // namespace

Result<CommandOutput> run_command(const std::string& command, std::chrono::milliseconds timeout,
                                  std::size_t max_output) {
  Result<std::wstring> line = canonical_command_line(command);
  if (!line) return line.error();
  std::wstring cmd = std::move(line.value());

  Handle read_end, write_end, input, error_output;
  SECURITY_ATTRIBUTES sa{sizeof sa, nullptr, TRUE};
  if (!::CreatePipe(read_end.out(), write_end.out(), &sa, 0)) return win::error("run", "a pipe");
  if (!::SetHandleInformation(read_end.get(), HANDLE_FLAG_INHERIT, 0)) return win::error("run", "a pipe");
  if (!inheritable_null(input, GENERIC_READ)) return win::error("open", "NUL");
  if (!inheritable_stderr(error_output)) return win::error("open", "NUL");

  // Only these three reach the child, not every inheritable handle of ours
  // (another thread's pipe would otherwise stay open in it).
  HANDLE inherited[] = {input.get(), write_end.get(), error_output.get()};
  AttributeList attributes(1);
  if (!attributes.get() ||
      !::UpdateProcThreadAttribute(attributes.get(), 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherited,
                                   sizeof inherited, nullptr, nullptr))
    return win::error("run", "the command");
  STARTUPINFOEXW si{};
  si.StartupInfo.cb = sizeof si;
  si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  si.StartupInfo.hStdInput = input.get();
  si.StartupInfo.hStdOutput = write_end.get();
  si.StartupInfo.hStdError = error_output.get();
  si.lpAttributeList = attributes.get();
  // Suspended until it is in the job; no console window of its own when we
  // have none (a GUI host).
  DWORD flags = EXTENDED_STARTUPINFO_PRESENT | CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT;
  if (::GetConsoleWindow() == nullptr) flags |= CREATE_NO_WINDOW;
  PROCESS_INFORMATION pi{};
  if (!::CreateProcessW(nullptr, cmd.data(), nullptr, nullptr, TRUE, flags, nullptr, nullptr, &si.StartupInfo, &pi)) {
    PlatformError e = win::error("run", "the command");
    if (e.native == ERROR_FILE_NOT_FOUND || e.native == ERROR_PATH_NOT_FOUND)
      e.detail = "its program (the first word; quote a path with spaces) was not found";
    return e;
  }
  Handle process(pi.hProcess), thread(pi.hThread);
  // Our copies closed: the pipe ends (EOF) when the command's copies close.
  write_end.reset();
  input.reset();
  error_output.reset();
  // Where nested jobs are refused (before Windows 8, inside some CI job
  // objects) a timeout stops the command alone.
  Handle job(::CreateJobObjectW(nullptr, nullptr));
  const bool in_job = job && ::AssignProcessToJobObject(job.get(), process.get());
  ::ResumeThread(thread.get());
  thread.reset();

  CommandOutput result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  };
  bool timed_out = false;
  // Anonymous pipes have no overlapped reads: poll what is waiting, read only
  // that much (ReadFile never blocks), sleep briefly otherwise.
  for (;;) {
    DWORD waiting = 0;
    if (!::PeekNamedPipe(read_end.get(), nullptr, 0, nullptr, &waiting, nullptr)) break;  // broken: every writer closed
    if (waiting > 0) {
      char buf[4096];
      DWORD got = 0;
      if (!::ReadFile(read_end.get(), buf, std::min<DWORD>(waiting, sizeof buf), &got, nullptr) || got == 0) break;
      if (result.out.size() < max_output)
        result.out.append(buf, std::min<std::size_t>(got, max_output - result.out.size()));
      continue;
    }
    if (left().count() <= 0) {
      timed_out = true;
      break;
    }
    ::Sleep(static_cast<DWORD>(std::min<long long>(left().count(), 5)));
  }
  read_end.reset();
  if (!timed_out) {
    const long long wait = std::max<long long>(left().count(), 0);
    timed_out = ::WaitForSingleObject(process.get(), static_cast<DWORD>(std::min<long long>(wait, 0x7FFFFFFF))) !=
                WAIT_OBJECT_0;
  }
  if (timed_out) {
    if (in_job) ::TerminateJobObject(job.get(), 137);
    else ::TerminateProcess(process.get(), 137);
    ::WaitForSingleObject(process.get(), 5000);
    return PlatformError{Errc::interrupted, 0, "run", "the command", "it ran too long and was stopped"};
  }
  DWORD code = 0;
  if (!::GetExitCodeProcess(process.get(), &code)) return win::error("run", "the command");
  result.exit_code = static_cast<int>(code);
  return result;
}

}  // namespace assetfetch::platform
