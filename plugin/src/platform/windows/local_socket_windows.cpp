// Local sockets on Windows: not built yet (a named pipe with the user's SID
// would do). Every call says `unsupported`, so clients fetch in-process.
#include "platform/local_socket.h"

namespace assetfetch::platform {

namespace {

PlatformError no_service_transport(const char* op, const std::filesystem::path& path) {
  return PlatformError{Errc::unsupported, 0, op, path.string(),
                       "the background service is not built for Windows yet"};
}

}  // namespace

Status ensure_private_dir(const std::filesystem::path& dir) { return no_service_transport("use", dir); }

LocalSocket::~LocalSocket() { close(); }
LocalSocket::LocalSocket(LocalSocket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
LocalSocket& LocalSocket::operator=(LocalSocket&& o) noexcept {
  fd_ = o.fd_;
  o.fd_ = -1;
  return *this;
}
void LocalSocket::close() { fd_ = -1; }
Result<LocalSocket> LocalSocket::connect(const std::filesystem::path& path) { return no_service_transport("connect to", path); }
Status LocalSocket::send_all(std::string_view) { return no_service_transport("send on", {}); }
Result<std::size_t> LocalSocket::receive(std::string&, std::chrono::milliseconds) {
  return no_service_transport("receive on", {});
}

Result<LocalListener> LocalListener::listen(const std::filesystem::path& path) { return no_service_transport("listen at", path); }
LocalListener::~LocalListener() { close(); }
LocalListener::LocalListener(LocalListener&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
LocalListener& LocalListener::operator=(LocalListener&& o) noexcept {
  fd_ = o.fd_;
  o.fd_ = -1;
  return *this;
}
Result<LocalSocket> LocalListener::accept(std::chrono::milliseconds) { return no_service_transport("accept at", {}); }
bool LocalListener::still_bound() const { return false; }
void LocalListener::close() { fd_ = -1; }

}  // namespace assetfetch::platform
