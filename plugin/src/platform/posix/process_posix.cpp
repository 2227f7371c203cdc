// Processes on POSIX.
#include <dlfcn.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <thread>

#include "platform/posix/features.h"
#include "platform/process.h"
#include "platform/program_path.h"

extern char** environ;

namespace assetfetch::platform {

std::uint64_t current_pid() { return static_cast<std::uint64_t>(::getpid()); }

bool pid_alive(std::uint64_t pid) {
  if (pid == 0 || pid > static_cast<std::uint64_t>(INT32_MAX)) return false;
  // EPERM: it exists, owned by someone else.
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

Result<std::string> executable_path() {
#ifdef AF_HAVE_PROC_SELF_EXE
  std::string buf(4096, '\0');
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size());
  if (n < 0) return last_error("read", "/proc/self/exe");
  buf.resize(static_cast<std::size_t>(n));
  return buf;
#else
  if (const std::string& remembered = remembered_program_path(); !remembered.empty()) return remembered;
  return PlatformError{Errc::unsupported, 0, "find", "the running program",
                       "this OS has no call for it and argv[0] was not remembered (remember_program_path)"};
#endif
}

Result<std::string> module_path() {
  static const char anchor = 0;  // any address inside this module
  Dl_info info{};
  if (::dladdr(&anchor, &info) == 0 || info.dli_fname == nullptr || *info.dli_fname == '\0')
    return PlatformError{Errc::unsupported, 0, "find", "this library's file", "dladdr does not know it"};
  // As it was loaded: relative to the folder the host was in then.
  std::error_code ec;
  const std::filesystem::path path = std::filesystem::absolute(info.dli_fname, ec);
  if (ec) return PlatformError{Errc::io, ec.value(), "find", info.dli_fname, ec.message()};
  return path.string();
}

Status random_bytes(void* buf, std::size_t len) {
  auto* p = static_cast<unsigned char*>(buf);
  while (len > 0) {
    const std::size_t n = len < 256 ? len : 256;  // getentropy's limit per call
    if (::getentropy(p, n) != 0) return last_error("read random bytes", "");
    p += n;
    len -= n;
  }
  return {};
}

Result<Child> Child::spawn(const std::vector<std::string>& argv) {
  if (argv.empty()) return PlatformError{Errc::invalid_argument, 0, "start", "", "no program given"};
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, argv[0].c_str(), nullptr, nullptr, args.data(), environ);
  if (rc != 0) return PlatformError{errc_of_native(rc), rc, "start", argv[0], {}};
  Child c;
  c.pid_ = static_cast<std::uint64_t>(pid);
  c.running_ = true;
  return c;
}

Child::~Child() { kill(); }

Child::Child(Child&& o) noexcept : pid_(o.pid_), handle_(o.handle_), running_(o.running_) {
  o.running_ = false;
  o.pid_ = 0;
}

Child& Child::operator=(Child&& o) noexcept {
  if (this != &o) {
    kill();
    pid_ = o.pid_;
    running_ = o.running_;
    o.running_ = false;
    o.pid_ = 0;
  }
  return *this;
}

Result<std::optional<int>> Child::wait_for(std::chrono::milliseconds timeout) {
  if (!running_) return PlatformError{Errc::invalid_argument, 0, "wait for", "", "no child running"};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(static_cast<pid_t>(pid_), &status, WNOHANG);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return last_error("wait for", "");
    if (r > 0) {
      running_ = false;
      return std::optional<int>(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::optional<int>();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Child::kill() {
  if (!running_) return;
  ::kill(static_cast<pid_t>(pid_), SIGKILL);
  int status = 0;
  while (::waitpid(static_cast<pid_t>(pid_), &status, 0) < 0 && errno == EINTR) {
  }
  running_ = false;
}

void Child::close() {}

}  // namespace assetfetch::platform
