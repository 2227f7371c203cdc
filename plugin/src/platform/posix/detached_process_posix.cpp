// Detached processes on POSIX: fork, setsid, fork again (the grandchild is
// adopted by init, so nobody leaves a zombie), exec in "/".
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "platform/detached_process.h"

extern char** environ;

namespace assetfetch::platform {

Status spawn_detached(const std::vector<std::string>& argv) {
  if (argv.empty()) return PlatformError{Errc::invalid_argument, 0, "start", "", "no program given"};
  // Everything the child needs is made before fork: after it, only
  // async-signal-safe calls (this process may have threads).
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Descriptors the caller left inheritable (a build tool's pipes) are closed
  // in the child, up to the limit known here.
  struct rlimit lim {};
  int max_fd = 1024;
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
    max_fd = static_cast<int>(lim.rlim_cur < 65536 ? lim.rlim_cur : 65536);
  const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) return last_error("open", "/dev/null");
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(null_fd);
    return PlatformError{errc_of_native(err), err, "start", argv[0], {}};
  }
  if (pid == 0) {
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
    for (int fd = 3; fd < max_fd; ++fd)
      if (fd != null_fd) ::close(fd);
    // Not holding the caller's working folder (every path it gets is absolute).
    if (::chdir("/") != 0) ::_exit(127);
    ::execve(args[0], args.data(), environ);
    ::_exit(127);
  }
  ::close(null_fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return {};
}

}  // namespace assetfetch::platform
