// Running child processes from tests (the CLI, nginx, cmake): run one to
// completion with captured output, or start one and kill it mid-run.
//
// The child never inherits a proxy: http_proxy, https_proxy, ftp_proxy,
// all_proxy, no_proxy (both spellings) are removed from its environment
// before extra_env is applied. It inherits no file descriptor other than
// 0/1/2, so a stopped test server's socket cannot stay open in a child.
//
// Thread safety: each call is independent; a ChildProcess is owned by one
// thread.
#pragma once

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace af_test {

using EnvList = std::vector<std::pair<std::string, std::string>>;

struct ProcessResult {
  int exit_code = -1;   // exit status; 128 + signal number if killed by a signal
  int signal = 0;       // the terminating signal, 0 if the child exited
  std::string out{};      // everything written to stdout
  std::string err{};      // everything written to stderr
  bool timed_out = false;  // the timeout elapsed and the child was SIGKILLed
};

// Runs argv[0] (searched in PATH) to completion. stdin_data is fed to its
// stdin (then closed); cwd, when not empty, is its working directory. On
// timeout the child is killed with SIGKILL. Throws std::runtime_error if the
// program cannot be started (exit code 127 is never used for that).
ProcessResult run_process(const std::vector<std::string>& argv,
                          const EnvList& extra_env = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(60),
                          const std::string& stdin_data = "",
                          const std::string& cwd = "");

// A started child whose stdout/stderr go to temporary files (so it never
// blocks on a full pipe however long it runs). Move-only; the destructor
// SIGKILLs and reaps a child still running and removes the files.
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // True until the child has been reaped (by running() noticing or wait()).
  bool running();
  // Sends sig (default SIGKILL) if the child has not been reaped yet.
  bool kill(int sig = SIGKILL);
  // Waits up to timeout; on timeout SIGKILLs it. Collects the output.
  ProcessResult wait(std::chrono::milliseconds timeout);
  // Output written so far (the child may still be running).
  std::string stdout_so_far() const;
  std::string stderr_so_far() const;

 private:
  friend ChildProcess start_process(const std::vector<std::string>&, const EnvList&,
                                    const std::string&, const std::string&);
  void reset() noexcept;
  pid_t pid_ = -1;
  bool reaped_ = true;
  int wait_status_ = 0;
  std::filesystem::path out_file_, err_file_;
};

// Starts argv[0] (searched in PATH) in the background. stdin_data, if any,
// is what it reads on stdin (else /dev/null). Throws if it cannot start.
ChildProcess start_process(const std::vector<std::string>& argv,
                           const EnvList& extra_env = {},
                           const std::string& stdin_data = "",
                           const std::string& cwd = "");

// Same as child.wait(timeout).
ProcessResult wait_process(ChildProcess& child, std::chrono::milliseconds timeout);

}  // namespace af_test
