// A command's captured stdout on POSIX: /bin/sh -c, a pipe, poll() against
// the deadline.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "platform/child_process_output.h"

extern char** environ;

namespace assetfetch::platform {

namespace {

// One end of the pipe; closed when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int* out() { return &fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Both ends close-on-exec, so a command another thread starts meanwhile
// cannot inherit the write end and keep our read open (pipe2 is not on macOS).
bool open_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe(fds) != 0) return false;
  *read_end.out() = fds[0];
  *write_end.out() = fds[1];
  return ::fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0 && ::fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0;
}

}  // namespace

Result<CommandOutput> run_command(const std::string& command, std::chrono::milliseconds timeout,
                                  std::size_t max_output) {
  if (command.find_first_not_of(" \t\r\n") == std::string::npos)
    return PlatformError{Errc::invalid_argument, 0, "run", "the command", "it is empty"};
  Fd read_end, write_end;
  if (!open_pipe(read_end, write_end)) return last_error("run", "a pipe");
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);  // the copy on fd 1 stays open across exec
  // A process group of its own, so a timeout stops what the shell started
  // too (a program the shell forked would otherwise live on, holding our
  // stderr and whatever waits for its end).
  posix_spawnattr_t attributes;
  ::posix_spawnattr_init(&attributes);
  ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  ::posix_spawnattr_setpgroup(&attributes, 0);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, "/bin/sh", &actions, &attributes, const_cast<char* const*>(argv), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attributes);
  write_end.reset();  // EOF comes when the command's copies close
  if (rc != 0) return PlatformError{errc_of_native(rc), rc, "run", "/bin/sh", {}};
  CommandOutput result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{read_end.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline check above ends it
    char buf[4096];
    const ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the command closed its output
    if (result.out.size() < max_output)
      result.out.append(buf, std::min(static_cast<std::size_t>(n), max_output - result.out.size()));
  }
  read_end.reset();
  if (timed_out) ::kill(-pid, SIGKILL);  // the whole group
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return PlatformError{Errc::interrupted, 0, "run", "the command", "it ran too long and was stopped"};
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace assetfetch::platform
