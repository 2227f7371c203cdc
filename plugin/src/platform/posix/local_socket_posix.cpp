// Local sockets on POSIX: AF_UNIX stream sockets, peers checked by uid.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "platform/local_socket.h"

namespace assetfetch::platform {

namespace {

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// The uid of the process at the other end, or -1 when the OS cannot say.
// Linux has SO_PEERCRED only (the portable build too: glibc has no
// getpeereid); macOS and the BSDs have getpeereid.
long peer_uid(int fd) {
#ifdef SO_PEERCRED
  struct ucred cred {};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) return static_cast<long>(cred.uid);
  return -1;
#else
  uid_t uid = 0;
  gid_t gid = 0;
  if (::getpeereid(fd, &uid, &gid) == 0) return static_cast<long>(uid);
  return -1;
#endif
}

Result<sockaddr_un> address_of(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = path.string();
  if (p.size() >= sizeof addr.sun_path)
    return PlatformError{Errc::invalid_argument, 0, "use socket", p,
                         "the path is longer than the OS allows for a socket (" +
                             std::to_string(sizeof addr.sun_path - 1) + " bytes): set XDG_RUNTIME_DIR to a short folder"};
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  return addr;
}

// Never inherited by children (a service spawns none, but a client may).
int close_on_exec(int fd) {
  if (fd >= 0) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  return fd;
}

int new_socket() { return close_on_exec(::socket(AF_UNIX, SOCK_STREAM, 0)); }

int fd(std::intptr_t handle) { return static_cast<int>(handle); }

}  // namespace

struct LocalListener::Pending {};  // Windows only

Status ensure_private_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir.parent_path(), ec);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return last_error("create", dir.string());
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return last_error("inspect", dir.string());
  if (S_ISLNK(st.st_mode))
    return PlatformError{Errc::is_link, 0, "use", dir.string(),
                         "the service's folder must be a real folder, not a link: remove the link"};
  if (!S_ISDIR(st.st_mode))
    return PlatformError{Errc::not_regular, 0, "use", dir.string(),
                         "the service's folder is not a folder: remove what is there"};
  if (st.st_uid != ::geteuid())
    return PlatformError{Errc::access_denied, 0, "use", dir.string(),
                         "the service's folder belongs to uid " + std::to_string(st.st_uid) + ", not to you (uid " +
                             std::to_string(::geteuid()) + "); the service stays off. Remove it, or set XDG_RUNTIME_DIR "
                             "to a folder of your own"};
  if ((st.st_mode & 077) != 0)
    return PlatformError{Errc::access_denied, 0, "use", dir.string(),
                         "the service's folder has mode " + mode_text(st.st_mode) +
                             ", open to other users; the service stays off. Run chmod 700 on it"};
  return {};
}

LocalSocket::~LocalSocket() { close(); }

LocalSocket::LocalSocket(LocalSocket&& o) noexcept : handle_(o.handle_) { o.handle_ = -1; }

LocalSocket& LocalSocket::operator=(LocalSocket&& o) noexcept {
  if (this != &o) {
    close();
    handle_ = o.handle_;
    o.handle_ = -1;
  }
  return *this;
}

void LocalSocket::close() {
  if (handle_ >= 0) ::close(fd(handle_));
  handle_ = -1;
}

Result<LocalSocket> LocalSocket::connect(const std::filesystem::path& path) {
  auto addr = address_of(path);
  if (!addr) return addr.error();
  LocalSocket s(new_socket());
  if (!s.valid()) return last_error("create socket for", path.string());
  int rc = 0;
  do {
    rc = ::connect(fd(s.handle_), reinterpret_cast<const sockaddr*>(&addr.value()), sizeof(sockaddr_un));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    // ECONNREFUSED: a socket file nobody listens on (a service that died).
    if (errno == ECONNREFUSED) return PlatformError{Errc::not_found, errno, "connect to", path.string(), {}};
    return last_error("connect to", path.string());
  }
  const long uid = peer_uid(fd(s.handle_));
  if (uid != static_cast<long>(::geteuid()))
    return PlatformError{Errc::access_denied, 0, "connect to", path.string(),
                         "the process listening there runs as uid " + std::to_string(uid) + ", not as you"};
  return s;
}

Status LocalSocket::send_all(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd(handle_), data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_error("send on", "local socket");
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<std::size_t> LocalSocket::receive(std::string& out, std::chrono::milliseconds timeout) {
  pollfd p{fd(handle_), POLLIN, 0};
  int rc = 0;
  do {
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) return last_error("wait on", "local socket");
  if (rc == 0) return PlatformError{Errc::interrupted, 0, "wait on", "local socket", {}};
  char buf[16384];
  ssize_t n = 0;
  do {
    n = ::recv(fd(handle_), buf, sizeof buf, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == ECONNRESET) return std::size_t{0};
    return last_error("receive on", "local socket");
  }
  out.append(buf, static_cast<std::size_t>(n));
  return static_cast<std::size_t>(n);
}

Result<LocalListener> LocalListener::listen(const std::filesystem::path& path) {
  auto addr = address_of(path);
  if (!addr) return addr.error();
  // A socket file left by a service that died: nobody answers, so replace it.
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return PlatformError{Errc::not_regular, 0, "listen at", path.string(), "something else than a socket is there"};
    auto live = LocalSocket::connect(path);
    if (live) return PlatformError{Errc::exists, 0, "listen at", path.string(), "a service already listens there"};
    ::unlink(path.c_str());
  }
  LocalListener l;
  l.handle_ = new_socket();
  if (l.handle_ < 0) return last_error("create socket for", path.string());
  // Created 0600 (umask), and chmod'ed to be sure; the folder is private too.
  const mode_t old_mask = ::umask(077);
  const int rc = ::bind(fd(l.handle_), reinterpret_cast<const sockaddr*>(&addr.value()), sizeof(sockaddr_un));
  ::umask(old_mask);
  if (rc != 0) {
    if (errno == EADDRINUSE) return PlatformError{Errc::exists, errno, "listen at", path.string(), {}};
    return last_error("bind", path.string());
  }
  l.path_ = path;
  if (::chmod(path.c_str(), 0600) != 0 || ::lstat(path.c_str(), &st) != 0) return last_error("protect", path.string());
  l.dev_ = static_cast<std::uint64_t>(st.st_dev);
  l.ino_ = static_cast<std::uint64_t>(st.st_ino);
  if (::listen(fd(l.handle_), 16) != 0) return last_error("listen at", path.string());
  return l;
}

LocalListener::~LocalListener() { close(); }

LocalListener::LocalListener(LocalListener&& o) noexcept
    : handle_(o.handle_), path_(std::move(o.path_)), dev_(o.dev_), ino_(o.ino_) {
  o.handle_ = -1;
  o.path_.clear();
}

LocalListener& LocalListener::operator=(LocalListener&& o) noexcept {
  if (this != &o) {
    close();
    handle_ = o.handle_;
    path_ = std::move(o.path_);
    dev_ = o.dev_;
    ino_ = o.ino_;
    o.handle_ = -1;
    o.path_.clear();
  }
  return *this;
}

bool LocalListener::still_bound() const {
  struct stat st {};
  return !path_.empty() && ::lstat(path_.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_dev) == dev_ &&
         static_cast<std::uint64_t>(st.st_ino) == ino_;
}

void LocalListener::close() {
  if (handle_ >= 0) {
    if (still_bound()) ::unlink(path_.c_str());
    ::close(fd(handle_));
  }
  handle_ = -1;
  path_.clear();
}

Result<LocalSocket> LocalListener::accept(std::chrono::milliseconds timeout) {
  pollfd p{fd(handle_), POLLIN, 0};
  int rc = 0;
  do {
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) return last_error("wait at", path_.string());
  if (rc == 0) return PlatformError{Errc::interrupted, 0, "wait at", path_.string(), {}};
  LocalSocket s(close_on_exec(::accept(fd(handle_), nullptr, nullptr)));
  if (!s.valid()) {
    if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
      return PlatformError{Errc::interrupted, errno, "accept at", path_.string(), {}};
    return last_error("accept at", path_.string());
  }
  const long uid = peer_uid(fd(s.handle_));
  if (uid != static_cast<long>(::geteuid()))
    return PlatformError{Errc::access_denied, 0, "accept at", path_.string(),
                         "a process of uid " + std::to_string(uid) + " connected; refused"};
  return s;
}

}  // namespace assetfetch::platform
