// Local sockets: the private per-user rendezvous of the optional background
// service (service/). The peer's user is checked on both ends, and another
// user's peer is refused.
//
// POSIX: a Unix-domain socket (mode 0600) at `path`, in a folder only its
// user may enter (0700, owned by them, not a link); peers by SO_PEERCRED
// (getpeereid on the BSDs).
// Windows: a local named pipe, \\.\pipe\assetfetch-<user SID>-<hash of
// `path`>, whose security descriptor grants only this user; the first
// instance is made with FILE_FLAG_FIRST_PIPE_INSTANCE (a squatter's pipe
// makes listen fail, never ours join it), remote clients are rejected, and
// peers are checked by the user SID of their process token. `path` itself
// is a small file naming the pipe, there while the listener lives (what
// still_bound() checks, and what shows the service is up).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "platform/error.h"

namespace assetfetch::platform {

// Creates `dir` (mode 0700) when missing, its parents as usual, then checks
// it: a real folder (not a link), owned by this user, no access for group or
// others. Errc::access_denied (detail: owner or mode found, and the fix)
// when it is not private; the folder is never changed then. Windows: made
// with a DACL for this user only; checked to be a real folder (no reparse
// point) owned by this user (the pipe's own DACL keeps the transport
// private, so its ACL is not inspected).
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

  bool valid() const { return handle_ != -1; }
  // Sends all of `data` (never raises SIGPIPE).
  Status send_all(std::string_view data);
  // Waits up to `timeout` for bytes and appends those that arrived to `out`.
  // 0: the peer closed its end. Errc::interrupted: nothing within `timeout`.
  Result<std::size_t> receive(std::string& out, std::chrono::milliseconds timeout);
  void close();

 private:
  friend class LocalListener;
  explicit LocalSocket(std::intptr_t handle) : handle_(handle) {}
  std::intptr_t handle_ = -1;  // a descriptor (POSIX) or a HANDLE (Windows); -1: none
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
  // POSIX: the listening socket. Windows: the pipe instance waiting for the
  // next client (there is always one, so the name is never free to take).
  std::intptr_t handle_ = -1;
  std::filesystem::path path_;
  std::uint64_t dev_ = 0, ino_ = 0;  // the file at path_ (socket, or the Windows marker)
  struct Pending;                    // Windows: the ConnectNamedPipe in flight
  std::unique_ptr<Pending> pending_;
};

}  // namespace assetfetch::platform
