// Local sockets: the private per-user rendezvous of the optional background
// service (service/). A Unix-domain socket (mode 0600) in a folder only its
// user may enter (0700, owned by them, not a link); the peer's user is
// checked on both ends (SO_PEERCRED), and another user's peer is refused.
//
// Windows: not built yet (a named pipe would do); every call returns
// Errc::unsupported, and callers fetch in-process.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "platform/error.h"

namespace assetfetch::platform {

// Creates `dir` (mode 0700) when missing, its parents as usual, then checks
// it: a real folder (not a link), owned by this user, no access for group or
// others. Errc::access_denied (detail: owner or mode found, and the fix)
// when it is not private; the folder is never changed then.
Status ensure_private_dir(const std::filesystem::path& dir);

class LocalSocket {
 public:
  // Connects to the socket at `path`, then checks that its peer runs as
  // this user (Errc::access_denied otherwise). Errc::not_found: nobody
  // listens there (no file, or a stale one).
  static Result<LocalSocket> connect(const std::filesystem::path& path);

  LocalSocket() = default;
  ~LocalSocket();
  LocalSocket(LocalSocket&& other) noexcept;
  LocalSocket& operator=(LocalSocket&& other) noexcept;
  LocalSocket(const LocalSocket&) = delete;
  LocalSocket& operator=(const LocalSocket&) = delete;

  bool valid() const { return fd_ >= 0; }
  // Sends all of `data` (never raises SIGPIPE).
  Status send_all(std::string_view data);
  // Waits up to `timeout` for bytes and appends those that arrived to `out`.
  // 0: the peer closed its end. Errc::interrupted: nothing within `timeout`.
  Result<std::size_t> receive(std::string& out, std::chrono::milliseconds timeout);
  void close();

 private:
  friend class LocalListener;
  explicit LocalSocket(int fd) : fd_(fd) {}
  int fd_ = -1;
};

class LocalListener {
 public:
  // Listens at `path` (mode 0600; its folder must be private, see
  // ensure_private_dir). A socket file nobody accepts on is replaced;
  // Errc::exists when another process listens there.
  static Result<LocalListener> listen(const std::filesystem::path& path);

  LocalListener() = default;
  ~LocalListener();  // closes and removes the socket file while it is still ours
  LocalListener(LocalListener&& other) noexcept;
  LocalListener& operator=(LocalListener&& other) noexcept;
  LocalListener(const LocalListener&) = delete;
  LocalListener& operator=(const LocalListener&) = delete;

  // Waits up to `timeout` for a peer. Errc::interrupted: none came.
  // Errc::access_denied: a peer of another user came; it was closed.
  Result<LocalSocket> accept(std::chrono::milliseconds timeout);
  // True while `path` still names this listener's socket (another service
  // may have replaced it after ours was removed).
  bool still_bound() const;
  void close();

 private:
  int fd_ = -1;
  std::filesystem::path path_;
  std::uint64_t dev_ = 0, ino_ = 0;
};

}  // namespace assetfetch::platform
