// Processes: our id, whether another is alive, random bytes for names, and
// a child process for tests and helpers (posix_spawn / CreateProcessW).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/error.h"

namespace assetfetch::platform {

std::uint64_t current_pid();
// False only when no process has that id; true when it exists, even one we
// may not signal or open (ids are reused: a live pid may be another program).
bool pid_alive(std::uint64_t pid);
// The running program's own file (/proc/self/exe, GetModuleFileNameW).
Result<std::string> executable_path();
// The file of the module this code is linked into: the shared library
// (libassetfetch.so, assetfetch.dll) in a library, absolute (dladdr,
// GetModuleHandleExW). In a program, executable_path() is the one to ask.
Result<std::string> module_path();
// Fills `buf` from the OS's random source (getentropy / BCryptGenRandom).
Status random_bytes(void* buf, std::size_t len);

class Child {
 public:
  // Starts argv[0] (a path; not searched on PATH) with the given arguments,
  // UTF-8. On Windows the command line is quoted so the child's C runtime
  // reads back exactly these arguments.
  static Result<Child> spawn(const std::vector<std::string>& argv);

  Child() = default;
  ~Child();  // kills a child still running, and reaps it
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  std::uint64_t pid() const { return pid_; }
  // The exit code once it has exited within `timeout`, else nullopt.
  Result<std::optional<int>> wait_for(std::chrono::milliseconds timeout);
  // Ends it at once (SIGKILL / TerminateProcess) and reaps it.
  void kill();

 private:
  void close();
  std::uint64_t pid_ = 0;
  void* handle_ = nullptr;  // Windows: the process HANDLE
  bool running_ = false;
};

}  // namespace assetfetch::platform
