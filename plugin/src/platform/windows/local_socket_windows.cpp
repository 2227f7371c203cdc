// Local sockets on Windows: not built yet (a named pipe with the user's SID
// would do). Every call says `unsupported`, so clients fetch in-process.
#include "platform/local_socket.h"

namespace assetfetch::platform {

namespace {

PlatformError unsupported(const char* op, const std::filesystem::path& path) {
  return PlatformError{Errc::unsupported, 0, op, path.string(),
                       "the background service is not built for Windows yet"};
}

}  // namespace

Status ensure_private_dir(const std::filesystem::path& dir) { return unsupported("use", dir); }

LocalSocket::~LocalSocket() { close(); }
LocalSocket::LocalSocket(LocalSocket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
LocalSocket& LocalSocket::operator=(LocalSocket&& o) noexcept {
  fd_ = o.fd_;
  o.fd_ = -1;
  return *this;
}
void LocalSocket::close() { fd_ = -1; }
Result<LocalSocket> LocalSocket::connect(const std::filesystem::path& path) { return unsupported("connect to", path); }
Status LocalSocket::send_all(std::string_view) { return unsupported("send on", {}); }
Result<std::size_t> LocalSocket::receive(std::string&, std::chrono::milliseconds) {
  return unsupported("receive on", {});
}

Result<LocalListener> LocalListener::listen(const std::filesystem::path& path) { return unsupported("listen at", path); }
LocalListener::~LocalListener() { close(); }
LocalListener::LocalListener(LocalListener&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
LocalListener& LocalListener::operator=(LocalListener&& o) noexcept {
  fd_ = o.fd_;
  o.fd_ = -1;
  return *this;
}
Result<LocalSocket> LocalListener::accept(std::chrono::milliseconds) { return unsupported("accept at", {}); }
bool LocalListener::still_bound() const { return false; }
void LocalListener::close() { fd_ = -1; }

}  // namespace assetfetch::platform
