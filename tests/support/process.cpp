#include "process.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace af_test {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kProxyVars[] = {
    "http_proxy", "https_proxy", "ftp_proxy", "all_proxy", "no_proxy",
    "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "ALL_PROXY", "NO_PROXY"};

// Closes an fd on scope exit.
struct Fd {
  int fd = -1;
  explicit Fd(int f = -1) : fd(f) {}
  ~Fd() { close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

std::vector<std::string> child_env(const EnvList& extra_env) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    bool drop = std::find(std::begin(kProxyVars), std::end(kProxyVars), name) !=
                std::end(kProxyVars);
    for (const auto& [k, v] : extra_env) drop = drop || name == k;
    if (!drop) env.emplace_back(entry);
  }
  for (const auto& [k, v] : extra_env) env.push_back(k + "=" + v);
  return env;
}

// Resolves argv0 against PATH in the parent: exec in the forked child must
// stay async-signal-safe, so no searching (and allocating) there.
std::string resolve_program(const std::string& argv0, const std::vector<std::string>& env) {
  if (argv0.find('/') != std::string::npos) return argv0;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& e : env) {
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  }
  std::string_view rest(path);
  for (size_t guard = 0; guard <= path.size(); ++guard) {
    size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + argv0;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  throw std::runtime_error("program not found in PATH: " + argv0);
}

// An unlinked temporary file already holding `data`, positioned at 0.
int stdin_file(const std::string& data) {
  if (data.empty()) {
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("open /dev/null failed");
    return fd;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/af-stdin-XXXXXX";
  int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("mkostemp failed for stdin data");
  ::unlink(pattern.c_str());
  size_t done = 0;
  while (done < data.size()) {  // each write makes progress or fails
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("cannot write stdin data");
    }
    done += static_cast<size_t>(n);
  }
  ::lseek(fd, 0, SEEK_SET);
  return fd;
}

fs::path output_file(const char* tag, int& fd) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/af-" + tag + "-XXXXXX";
  fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("mkostemp failed for child output");
  return fs::path(pattern);
}

// fork + execve with the given fds as 0/1/2. Throws if exec fails.
pid_t spawn(const std::vector<std::string>& argv, const EnvList& extra_env,
            const std::string& cwd, int in_fd, int out_fd, int err_fd) {
  if (argv.empty()) throw std::invalid_argument("run_process: empty argv");
  std::vector<std::string> env = child_env(extra_env);
  std::string program = resolve_program(argv[0], env);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  int errpipe[2];
  if (::pipe2(errpipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  Fd err_r(errpipe[0]), err_w(errpipe[1]);

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on.
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    // Inherit nothing but 0/1/2; the error pipe is already close-on-exec.
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
      long max_fd = std::min(::sysconf(_SC_OPEN_MAX), 65536L);
      for (int fd = 3; fd < max_fd; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &dfl, nullptr);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int code = 0;
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      code = errno;
    } else {
      ::execve(program.c_str(), cargv.data(), cenv.data());
      code = errno;
    }
    ssize_t ignored = ::write(errpipe[1], &code, sizeof code);
    (void)ignored;
    ::_exit(127);
  }
  err_w.close();
  int code = 0;
  ssize_t n = -1;
  for (int tries = 0; tries < 100; ++tries) {  // retried only on EINTR
    n = ::read(err_r.fd, &code, sizeof code);
    if (n >= 0 || errno != EINTR) break;
  }
  if (n == static_cast<ssize_t>(sizeof code)) {
    ::waitpid(pid, nullptr, 0);
    throw std::runtime_error("cannot start " + program + " (cwd '" + cwd +
                             "'): " + std::strerror(code));
  }
  return pid;
}

// With AF_TEST_CLI set (test_util.h: the CLI is a Windows program under
// Wine, scripts/windows/cli-test.sh), its text-mode stdout and stderr end
// lines with CR LF: read as LF, the way tests expect them.
std::string as_text(std::string s) {
  static const bool windows_cli = [] {
    const char* cli = std::getenv("AF_TEST_CLI");
    return cli != nullptr && *cli != '\0';
  }();
  if (!windows_cli) return s;
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    out += s[i];
  }
  return out;
}

void fill_status(ProcessResult& r, int status) {
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
    r.exit_code = 128 + r.signal;
  }
}

// Reaps pid within the deadline; SIGKILLs it when the deadline passes.
int reap(pid_t pid, Clock::time_point deadline, bool& timed_out) {
  int status = 0;
  for (;;) {  // ends when the child is reaped; SIGKILL makes that certain
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return 0;
    if (Clock::now() >= deadline) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const EnvList& extra_env,
                          std::chrono::milliseconds timeout, const std::string& stdin_data,
                          const std::string& cwd) {
  const auto deadline = Clock::now() + timeout;
  Fd in(stdin_file(stdin_data));
  int outp[2], errp[2];
  if (::pipe2(outp, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  Fd out_r(outp[0]), out_w(outp[1]);
  if (::pipe2(errp, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  Fd err_r(errp[0]), err_w(errp[1]);

  pid_t pid = spawn(argv, extra_env, cwd, in.fd, out_w.fd, err_w.fd);
  in.close();
  out_w.close();
  err_w.close();

  ProcessResult result;
  std::array<char, 65536> buf;
  bool exited = false;
  int status = 0;
  // Read until both pipes hit EOF, or the child has exited and the pipes are
  // drained (a grandchild may keep them open), or the deadline passes.
  while (out_r.fd >= 0 || err_r.fd >= 0) {
    auto now = Clock::now();
    if (now >= deadline) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    int wait_ms = exited ? 0 : static_cast<int>(std::min<long long>(left.count() + 1, 50));
    pollfd fds[2] = {{out_r.fd, POLLIN, 0}, {err_r.fd, POLLIN, 0}};
    int n = ::poll(fds, 2, wait_ms);
    if (n < 0 && errno != EINTR) break;
    bool got_data = false;
    Fd* pipes[2] = {&out_r, &err_r};
    std::string* sinks[2] = {&result.out, &result.err};
    for (int i = 0; i < 2 && n > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t r = ::read(fds[i].fd, buf.data(), buf.size());
      if (r > 0) {
        sinks[i]->append(buf.data(), static_cast<size_t>(r));
        got_data = true;
      } else if (r == 0 || errno != EINTR) {
        pipes[i]->close();
      }
    }
    if (!exited && ::waitpid(pid, &status, WNOHANG) == pid) exited = true;
    if (exited && !got_data) break;  // exited and nothing left right now
  }
  if (!exited) status = reap(pid, deadline, result.timed_out);
  fill_status(result, status);
  result.out = as_text(std::move(result.out));
  result.err = as_text(std::move(result.err));
  return result;
}

ChildProcess start_process(const std::vector<std::string>& argv, const EnvList& extra_env,
                           const std::string& stdin_data, const std::string& cwd) {
  ChildProcess child;
  Fd in(stdin_file(stdin_data));
  int out_fd = -1, err_fd = -1;
  child.out_file_ = output_file("stdout", out_fd);
  Fd out(out_fd);
  child.err_file_ = output_file("stderr", err_fd);
  Fd err(err_fd);
  child.pid_ = spawn(argv, extra_env, cwd, in.fd, out.fd, err.fd);
  child.reaped_ = false;
  return child;
}

ProcessResult wait_process(ChildProcess& child, std::chrono::milliseconds timeout) {
  return child.wait(timeout);
}

ChildProcess::~ChildProcess() { reset(); }

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(o.pid_), reaped_(o.reaped_), wait_status_(o.wait_status_),
      out_file_(std::move(o.out_file_)), err_file_(std::move(o.err_file_)) {
  o.pid_ = -1;
  o.reaped_ = true;
  o.out_file_.clear();
  o.err_file_.clear();
}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
  if (this != &o) {
    reset();
    pid_ = o.pid_;
    reaped_ = o.reaped_;
    wait_status_ = o.wait_status_;
    out_file_ = std::move(o.out_file_);
    err_file_ = std::move(o.err_file_);
    o.pid_ = -1;
    o.reaped_ = true;
    o.out_file_.clear();
    o.err_file_.clear();
  }
  return *this;
}

void ChildProcess::reset() noexcept {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  std::error_code ec;
  if (!out_file_.empty()) fs::remove(out_file_, ec);
  if (!err_file_.empty()) fs::remove(err_file_, ec);
  pid_ = -1;
  reaped_ = true;
}

bool ChildProcess::running() {
  if (pid_ <= 0 || reaped_) return false;
  if (::waitpid(pid_, &wait_status_, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

bool ChildProcess::kill(int sig) {
  if (pid_ <= 0 || reaped_) return false;
  return ::kill(pid_, sig) == 0;
}

ProcessResult ChildProcess::wait(std::chrono::milliseconds timeout) {
  ProcessResult result;
  if (pid_ <= 0) return result;
  if (!reaped_) {
    wait_status_ = reap(pid_, Clock::now() + timeout, result.timed_out);
    reaped_ = true;
  }
  fill_status(result, wait_status_);
  result.out = stdout_so_far();
  result.err = stderr_so_far();
  return result;
}

std::string ChildProcess::stdout_so_far() const { return as_text(slurp(out_file_)); }
std::string ChildProcess::stderr_so_far() const { return as_text(slurp(err_file_)); }

}  // namespace af_test
