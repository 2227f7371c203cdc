// Local sockets on Windows: a named pipe private to the user (local_socket.h).
// Every handle is overlapped, so a read can wait with a timeout while
// another thread writes (the service streams events as it reads).
#include <windows.h>
#include <aclapi.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <system_error>

#include "platform/local_socket.h"
#include "platform/path.h"
#include "platform/windows/user_security.h"
#include "platform/windows/win_util.h"

namespace assetfetch::platform {

struct LocalListener::Pending {
  OVERLAPPED ov{};
  win::UniqueHandle event;
  bool connecting = false;  // a ConnectNamedPipe is in flight on the listener's instance
  std::wstring name;        // the pipe's
};

namespace {

constexpr DWORD kPipeBuffer = 64 * 1024;

HANDLE handle_of(std::intptr_t h) { return reinterpret_cast<HANDLE>(h); }
std::intptr_t value_of(HANDLE h) { return reinterpret_cast<std::intptr_t>(h); }

std::wstring wide(std::string_view utf8) {
  Result<std::u16string> w = utf8_to_utf16(utf8);
  return w ? std::wstring(w.value().begin(), w.value().end()) : std::wstring();
}

// \\.\pipe\assetfetch-<SID>-<FNV-1a of the folder's full path, lowercased>:
// one pipe per user and socket path, as a Unix socket is one per path.
Result<std::wstring> pipe_name(const std::filesystem::path& path) {
  const Result<win::UserSid>& user = win::current_user();
  if (!user) return user.error();
  Result<std::wstring> full = win::api_path(utf8_of(path));
  if (!full) return full.error();
  std::uint64_t h = 1469598103934665603ull;
  for (wchar_t c : full.value()) {
    const auto lower = static_cast<std::uint64_t>(c < 128 ? std::tolower(static_cast<int>(c)) : c);
    h = (h ^ lower) * 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return wide("\\\\.\\pipe\\assetfetch-" + user->text + "-" + hex);
}

// Refuses a peer that runs as another user (the SO_PEERCRED check of POSIX).
Status check_peer(DWORD pid, const char* op, const std::string& where, bool peer_is_server) {
  const Result<win::UserSid>& me = win::current_user();
  if (!me) return me.error();
  Result<win::UserSid> peer = win::user_of_process(pid);
  if (!peer)
    return PlatformError{Errc::access_denied, peer.error().native, op, where,
                         "the process at the other end (pid " + std::to_string(pid) +
                             ") could not be identified (" + peer.error().message() + "); refused"};
  if (!(peer.value() == me.value()))
    return PlatformError{Errc::access_denied, 0, op, where,
                         peer_is_server ? "the process serving that pipe runs as " + peer->text + ", not as you (" +
                                              me->text + ")"
                                        : "a process of " + peer->text + " (pid " + std::to_string(pid) +
                                              ") connected; refused"};
  return {};
}

// A new instance of the pipe `name`; the first one must be the first of
// its name (a pipe someone else made first is never joined).
Result<win::UniqueHandle> new_instance(const std::wstring& name, bool first, const std::filesystem::path& path) {
  win::PrivateSecurity security;
  if (!security.status()) return security.status().error();
  const DWORD open_mode = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
  const DWORD pipe_mode = PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS;
  win::UniqueHandle h(::CreateNamedPipeW(name.c_str(), open_mode, pipe_mode, PIPE_UNLIMITED_INSTANCES, kPipeBuffer,
                                         kPipeBuffer, 0, security.attributes()));
  if (!h) return win::error("listen at", utf8_of(path));
  return h;
}

// Volume serial and file index of the file at `path` (not following links).
bool file_identity(const std::wstring& path, std::uint64_t* dev, std::uint64_t* ino) {
  win::UniqueHandle h(::CreateFileW(path.c_str(), FILE_READ_ATTRIBUTES, win::kShareAll, nullptr, OPEN_EXISTING,
                                    FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, nullptr));
  BY_HANDLE_FILE_INFORMATION info{};
  if (!h || !::GetFileInformationByHandle(h.get(), &info)) return false;
  *dev = info.dwVolumeSerialNumber;
  *ino = (static_cast<std::uint64_t>(info.nFileIndexHigh) << 32) | info.nFileIndexLow;
  return true;
}

// Waits for `ov` (an I/O started on `h`) up to `timeout`; on timeout the
// I/O is cancelled. False with the error in GetLastError().
bool finish(HANDLE h, OVERLAPPED& ov, DWORD* n, std::chrono::milliseconds timeout) {
  const DWORD ms = timeout.count() < 0 ? 0 : static_cast<DWORD>(std::min<long long>(timeout.count(), 0x7fffffff));
  if (::WaitForSingleObject(ov.hEvent, ms) == WAIT_TIMEOUT) ::CancelIoEx(h, &ov);
  // Waits for the cancel to land: `ov` lives on the caller's stack. An I/O
  // that completed meanwhile keeps its bytes.
  return ::GetOverlappedResult(h, &ov, n, TRUE) != 0;
}

bool closed_by_peer(DWORD e) {
  return e == ERROR_BROKEN_PIPE || e == ERROR_PIPE_NOT_CONNECTED || e == ERROR_NO_DATA;
}

}  // namespace

Status ensure_private_dir(const std::filesystem::path& dir) {
  const std::string where = utf8_of(dir);
  std::error_code ec;
  std::filesystem::create_directories(dir.parent_path(), ec);
  Result<std::wstring> w = win::api_path(where);
  if (!w) return w.error();
  win::PrivateSecurity security;
  if (!security.status()) return security.status().error();
  if (!::CreateDirectoryW(w->c_str(), security.attributes()) && ::GetLastError() != ERROR_ALREADY_EXISTS)
    return win::error("create", where);
  const DWORD attrs = ::GetFileAttributesW(w->c_str());
  if (attrs == INVALID_FILE_ATTRIBUTES) return win::error("inspect", where);
  if (attrs & FILE_ATTRIBUTE_REPARSE_POINT)
    return PlatformError{Errc::is_link, 0, "use", where,
                         "the service's folder must be a real folder, not a link or junction: remove it"};
  if (!(attrs & FILE_ATTRIBUTE_DIRECTORY))
    return PlatformError{Errc::not_regular, 0, "use", where,
                         "the service's folder is not a folder: remove what is there"};
  win::UniqueHandle h(::CreateFileW(w->c_str(), READ_CONTROL, win::kShareAll, nullptr, OPEN_EXISTING,
                                    FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, nullptr));
  if (!h) return win::error("inspect", where);
  PSID owner = nullptr;
  PSECURITY_DESCRIPTOR sd = nullptr;
  const DWORD rc = ::GetSecurityInfo(h.get(), SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION, &owner, nullptr, nullptr,
                                     nullptr, &sd);
  if (rc != ERROR_SUCCESS) return PlatformError{errc_of_native(static_cast<int>(rc)), static_cast<int>(rc),
                                                "read the owner of", where, {}};
  const win::UserSid found = win::sid_from(owner);
  ::LocalFree(sd);
  const Result<win::UserSid>& me = win::current_user();
  const Result<win::UserSid>& my_owner = win::current_owner();
  if (!me) return me.error();
  if (!(found == me.value()) && !(my_owner && found == my_owner.value()))
    return PlatformError{Errc::access_denied, 0, "use", where,
                         "the service's folder belongs to " + found.text + ", not to you (" + me->text +
                             "); the service stays off. Remove it, or set XDG_RUNTIME_DIR to a folder of your own"};
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
  // Unread bytes stay readable by the peer until it reads them (the result line).
  if (handle_ != -1) ::CloseHandle(handle_of(handle_));
  handle_ = -1;
}

Result<LocalSocket> LocalSocket::connect(const std::filesystem::path& path) {
  Result<std::wstring> name = pipe_name(path);
  if (!name) return name.error();
  const std::string where = utf8_of(path);
  // Bounded: 20 waits of at most 100 ms while every instance is taken (the
  // listener makes the next one as it accepts).
  for (int attempt = 0; attempt < 20; ++attempt) {
    // Identification only: the service may learn who we are, never act as us.
    win::UniqueHandle h(::CreateFileW(name->c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                                      FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, nullptr));
    if (h) {
      ULONG server_pid = 0;
      if (!::GetNamedPipeServerProcessId(h.get(), &server_pid)) return win::error("identify the service at", where);
      if (Status st = check_peer(server_pid, "connect to", where, true); !st) return st.error();
      return LocalSocket(value_of(h.release()));
    }
    const DWORD e = ::GetLastError();
    if (e == ERROR_FILE_NOT_FOUND) return PlatformError{Errc::not_found, static_cast<int>(e), "connect to", where, {}};
    if (e != ERROR_PIPE_BUSY) return win::error("connect to", where);
    ::WaitNamedPipeW(name->c_str(), 100);
  }
  return PlatformError{Errc::interrupted, ERROR_PIPE_BUSY, "connect to", where, "every instance of the pipe is busy"};
}

Status LocalSocket::send_all(std::string_view data) {
  if (!valid()) return PlatformError{Errc::invalid_argument, 0, "send on", "local socket", "it is closed"};
  const HANDLE h = handle_of(handle_);
  win::UniqueHandle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
  if (!event) return win::error("send on", "local socket");
  while (!data.empty()) {
    OVERLAPPED ov{};
    ov.hEvent = event.get();
    const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(data.size(), kPipeBuffer));
    DWORD n = 0;
    if (!::WriteFile(h, data.data(), chunk, nullptr, &ov) && ::GetLastError() != ERROR_IO_PENDING)
      return win::error("send on", "local socket");
    // The peer reads as it goes; a peer that stops reading holds us here, as send() does on POSIX.
    if (!::GetOverlappedResult(h, &ov, &n, TRUE)) return win::error("send on", "local socket");
    data.remove_prefix(n);
  }
  return {};
}

Result<std::size_t> LocalSocket::receive(std::string& out, std::chrono::milliseconds timeout) {
  // (HANDLE)-1 is the current process's pseudo-handle: never passed on.
  if (!valid()) return PlatformError{Errc::invalid_argument, 0, "receive on", "local socket", "it is closed"};
  const HANDLE h = handle_of(handle_);
  win::UniqueHandle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
  if (!event) return win::error("wait on", "local socket");
  OVERLAPPED ov{};
  ov.hEvent = event.get();
  char buf[16384];
  DWORD n = 0;
  bool ok = ::ReadFile(h, buf, sizeof buf, nullptr, &ov) != 0;
  DWORD e = ok ? 0 : ::GetLastError();
  if (ok || e == ERROR_IO_PENDING) {
    ok = finish(h, ov, &n, timeout);
    e = ok ? 0 : ::GetLastError();
  }
  if (!ok) {
    if (e == ERROR_OPERATION_ABORTED) return PlatformError{Errc::interrupted, 0, "wait on", "local socket", {}};
    if (closed_by_peer(e)) return std::size_t{0};
    return PlatformError{errc_of_native(static_cast<int>(e)), static_cast<int>(e), "receive on", "local socket", {}};
  }
  out.append(buf, n);
  return static_cast<std::size_t>(n);
}

Result<LocalListener> LocalListener::listen(const std::filesystem::path& path) {
  Result<std::wstring> name = pipe_name(path);
  if (!name) return name.error();
  const std::string where = utf8_of(path);
  Result<std::wstring> marker = win::api_path(where);
  if (!marker) return marker.error();
  // A live service of ours answers (as on POSIX); a squatter's pipe is refused
  // by the peer check. Then the first instance: FILE_FLAG_FIRST_PIPE_INSTANCE
  // closes the race with another listener starting now (Wine 8 does not
  // enforce it: there the probe is all).
  if (auto live = LocalSocket::connect(path); live || live.error().code != Errc::not_found) {
    if (!live && live.error().code == Errc::access_denied)
      return PlatformError{Errc::access_denied, 0, "listen at", where,
                           "another user's process holds the pipe name: " + live.error().detail};
    return PlatformError{Errc::exists, 0, "listen at", where, "a service already listens there"};
  }
  Result<win::UniqueHandle> first = new_instance(name.value(), true, path);
  if (!first) {
    if (first.error().native == ERROR_ACCESS_DENIED || first.error().native == ERROR_PIPE_BUSY)
      return PlatformError{Errc::exists, first.error().native, "listen at", where,
                           "another process made the pipe first"};
    return first.error();
  }
  // The file that says the service is up: replaced if a dead one left it.
  const DWORD attrs = ::GetFileAttributesW(marker->c_str());
  if (attrs != INVALID_FILE_ATTRIBUTES) {
    if (attrs & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT))
      return PlatformError{Errc::not_regular, 0, "listen at", where, "something else than the service's file is there"};
    ::DeleteFileW(marker->c_str());
  }
  {
    win::PrivateSecurity security;
    win::UniqueHandle f(::CreateFileW(marker->c_str(), GENERIC_WRITE, win::kShareAll, security.attributes(),
                                      CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr));
    if (!f) return win::error("create", where);
    const std::string text = utf16_to_utf8(std::u16string(name->begin(), name->end())) + "\n";
    DWORD n = 0;
    if (!::WriteFile(f.get(), text.data(), static_cast<DWORD>(text.size()), &n, nullptr)) return win::error("write", where);
  }
  LocalListener l;
  l.path_ = path;
  if (!file_identity(marker.value(), &l.dev_, &l.ino_)) return win::error("inspect", where);
  l.pending_ = std::make_unique<Pending>();
  l.pending_->name = name.value();
  l.pending_->event.reset(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
  if (!l.pending_->event) return win::error("listen at", where);
  l.handle_ = value_of(first->release());
  return l;
}

LocalListener::~LocalListener() { close(); }

LocalListener::LocalListener(LocalListener&& o) noexcept
    : handle_(o.handle_), path_(std::move(o.path_)), dev_(o.dev_), ino_(o.ino_), pending_(std::move(o.pending_)) {
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
    pending_ = std::move(o.pending_);
    o.handle_ = -1;
    o.path_.clear();
  }
  return *this;
}

bool LocalListener::still_bound() const {
  if (path_.empty()) return false;
  Result<std::wstring> marker = win::api_path(utf8_of(path_));
  std::uint64_t dev = 0, ino = 0;
  return marker && file_identity(marker.value(), &dev, &ino) && dev == dev_ && ino == ino_;
}

void LocalListener::close() {
  if (handle_ != -1) {
    const HANDLE h = handle_of(handle_);
    if (pending_ && pending_->connecting) {
      DWORD n = 0;
      ::CancelIoEx(h, &pending_->ov);
      ::GetOverlappedResult(h, &pending_->ov, &n, TRUE);  // the OVERLAPPED is ours until the cancel lands
      pending_->connecting = false;
    }
    if (still_bound()) {
      Result<std::wstring> marker = win::api_path(utf8_of(path_));
      if (marker) ::DeleteFileW(marker->c_str());
    }
    ::CloseHandle(h);
  }
  handle_ = -1;
  path_.clear();
  pending_.reset();
}

Result<LocalSocket> LocalListener::accept(std::chrono::milliseconds timeout) {
  const std::string where = utf8_of(path_);
  if (handle_ == -1 || !pending_) return PlatformError{Errc::invalid_argument, 0, "accept at", where, "not listening"};
  Pending& p = *pending_;
  const HANDLE h = handle_of(handle_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Bounded by the deadline: a client that came and left already (a probe,
  // a client that gave up) frees the instance, which waits again.
  for (;;) {
    bool connected = false;
    if (!p.connecting) {
      ::ResetEvent(p.event.get());
      p.ov = OVERLAPPED{};
      p.ov.hEvent = p.event.get();
      if (::ConnectNamedPipe(h, &p.ov)) {
        connected = true;
      } else {
        const DWORD e = ::GetLastError();
        if (e == ERROR_PIPE_CONNECTED) connected = true;  // it came before we asked
        else if (e == ERROR_IO_PENDING) p.connecting = true;
        else if (e != ERROR_NO_DATA) return win::error("accept at", where);
      }
    }
    if (p.connecting) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      const DWORD ms = left.count() <= 0 ? 0 : static_cast<DWORD>(std::min<long long>(left.count(), 0x7fffffff));
      if (::WaitForSingleObject(p.event.get(), ms) == WAIT_TIMEOUT)
        return PlatformError{Errc::interrupted, 0, "wait at", where, {}};
      DWORD n = 0;
      p.connecting = false;
      connected = ::GetOverlappedResult(h, &p.ov, &n, FALSE) != 0;
    }
    if (connected) break;
    ::DisconnectNamedPipe(h);
    if (std::chrono::steady_clock::now() >= deadline) return PlatformError{Errc::interrupted, 0, "wait at", where, {}};
  }
  // The next instance before this one leaves the listener: the name is never
  // without an instance, so no other process can become its first.
  Result<win::UniqueHandle> next = new_instance(p.name, false, path_);
  if (!next) {
    ::DisconnectNamedPipe(h);
    return next.error();
  }
  LocalSocket s(handle_);
  handle_ = value_of(next->release());
  ULONG client_pid = 0;
  if (!::GetNamedPipeClientProcessId(handle_of(s.handle_), &client_pid)) return win::error("identify a client at", where);
  if (Status st = check_peer(client_pid, "accept at", where, false); !st) return st.error();
  return s;
}

}  // namespace assetfetch::platform
