// File on Windows: HANDLEs from CreateFileW on extended-length paths, opened
// with FILE_FLAG_OPEN_REPARSE_POINT so a link is seen, never followed.
#include <windows.h>

#include "platform/file.h"
#include "platform/windows/win_util.h"

namespace assetfetch::platform {

namespace {

constexpr DWORD kMaxChunk = 1u << 30;

std::int64_t ns_since_1970(LARGE_INTEGER t) {
  // FILETIME counts 100 ns since 1601-01-01.
  return (t.QuadPart - 116444736000000000LL) * 100;
}

std::int64_t ns_since_1970(FILETIME ft) {
  LARGE_INTEGER t;
  t.LowPart = ft.dwLowDateTime;
  t.HighPart = static_cast<LONG>(ft.dwHighDateTime);
  return ns_since_1970(t);
}

Result<FileIdentity> identity_of_handle(HANDLE h, std::string_view path) {
  BY_HANDLE_FILE_INFORMATION info{};
  if (!::GetFileInformationByHandle(h, &info)) return win::error("stat", path);
  FileIdentity id;
  id.kind = (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ? FileKind::link
            : (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)   ? FileKind::directory
            : ::GetFileType(h) == FILE_TYPE_DISK                    ? FileKind::regular
                                                                    : FileKind::other;
  id.device = info.dwVolumeSerialNumber;
  id.file_id = (static_cast<std::uint64_t>(info.nFileIndexHigh) << 32) | info.nFileIndexLow;
  id.size = (static_cast<std::uint64_t>(info.nFileSizeHigh) << 32) | info.nFileSizeLow;
  id.mtime_ns = ns_since_1970(info.ftLastWriteTime);
  FILE_BASIC_INFO basic{};
  id.ctime_ns = ::GetFileInformationByHandleEx(h, FileBasicInfo, &basic, sizeof basic)
                    ? ns_since_1970(basic.ChangeTime)
                    : id.mtime_ns;
  return id;
}

}  // namespace

// Windows takes the hint at CreateFileW (FILE_FLAG_SEQUENTIAL_SCAN) only.
void advise_sequential(const File&) {}

void File::reset(NativeHandle h) {
  if (h_ != kNoHandle) ::CloseHandle(h_);
  h_ = h;
}

Result<File> create_exclusive(std::string_view path) {
  Result<std::wstring> w = win::api_path(path);
  if (!w) return w.error();
  HANDLE h = ::CreateFileW(w.value().c_str(), GENERIC_READ | GENERIC_WRITE | DELETE, win::kShareAll, nullptr,
                           CREATE_NEW, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
  if (h == INVALID_HANDLE_VALUE) return win::error("create", path);
  return File(h);
}

Result<File> open_regular(std::string_view path, OpenOptions o) {
  Result<std::wstring> w = win::api_path(path);
  if (!w) return w.error();
  // BACKUP_SEMANTICS lets a folder open, so it is reported as one rather
  // than as an access denial.
  DWORD flags = FILE_ATTRIBUTE_NORMAL | FILE_FLAG_BACKUP_SEMANTICS;
  if (!o.follow_links) flags |= FILE_FLAG_OPEN_REPARSE_POINT;
  HANDLE h = ::CreateFileW(w.value().c_str(), GENERIC_READ | (o.write ? GENERIC_WRITE : 0), win::kShareAll,
                           nullptr, o.create ? OPEN_ALWAYS : OPEN_EXISTING, flags, nullptr);
  if (h == INVALID_HANDLE_VALUE) return win::error("open", path);
  File f(h);
  Result<FileIdentity> id = identity_of_handle(h, path);
  if (!id) return id.error();
  switch (id->kind) {
    case FileKind::regular: return f;
    case FileKind::link: return PlatformError{Errc::is_link, 0, "open", std::string(path), {}};
    case FileKind::directory: return PlatformError{Errc::is_directory, 0, "open", std::string(path), {}};
    case FileKind::other: break;
  }
  return PlatformError{Errc::not_regular, 0, "open", std::string(path), {}};
}

Result<std::size_t> read_at(const File& f, void* buf, std::size_t len, std::uint64_t offset) {
  OVERLAPPED ov{};
  ov.Offset = static_cast<DWORD>(offset);
  ov.OffsetHigh = static_cast<DWORD>(offset >> 32);
  DWORD got = 0;
  const DWORD want = len > kMaxChunk ? kMaxChunk : static_cast<DWORD>(len);
  if (!::ReadFile(f.get(), buf, want, &got, &ov)) {
    if (::GetLastError() == ERROR_HANDLE_EOF) return std::size_t{0};
    return win::error("read", "");
  }
  return static_cast<std::size_t>(got);
}

Status write_all_at(const File& f, const void* buf, std::size_t len, std::uint64_t offset) {
  const char* p = static_cast<const char*>(buf);
  while (len > 0) {
    OVERLAPPED ov{};
    ov.Offset = static_cast<DWORD>(offset);
    ov.OffsetHigh = static_cast<DWORD>(offset >> 32);
    DWORD done = 0;
    const DWORD want = len > kMaxChunk ? kMaxChunk : static_cast<DWORD>(len);
    if (!::WriteFile(f.get(), p, want, &done, &ov)) return win::error("write", "");
    if (done == 0) return PlatformError{Errc::io, 0, "write", "", "nothing was written"};
    p += done;
    len -= done;
    offset += done;
  }
  return {};
}

Result<std::size_t> read_some(const File& f, void* buf, std::size_t len) {
  DWORD got = 0;
  const DWORD want = len > kMaxChunk ? kMaxChunk : static_cast<DWORD>(len);
  if (!::ReadFile(f.get(), buf, want, &got, nullptr)) {
    if (::GetLastError() == ERROR_BROKEN_PIPE || ::GetLastError() == ERROR_HANDLE_EOF) return std::size_t{0};
    return win::error("read", "");
  }
  return static_cast<std::size_t>(got);
}

Status write_all(const File& f, const void* buf, std::size_t len) {
  const char* p = static_cast<const char*>(buf);
  while (len > 0) {
    DWORD done = 0;
    const DWORD want = len > kMaxChunk ? kMaxChunk : static_cast<DWORD>(len);
    if (!::WriteFile(f.get(), p, want, &done, nullptr)) return win::error("write", "");
    if (done == 0) return PlatformError{Errc::io, 0, "write", "", "nothing was written"};
    p += done;
    len -= done;
  }
  return {};
}

Status flush(const File& f) {
  if (!::FlushFileBuffers(f.get())) return win::error("flush", "");
  return {};
}

Status truncate(const File& f, std::uint64_t size) {
  FILE_END_OF_FILE_INFO eof{};
  eof.EndOfFile.QuadPart = static_cast<LONGLONG>(size);
  if (!::SetFileInformationByHandle(f.get(), FileEndOfFileInfo, &eof, sizeof eof)) return win::error("truncate", "");
  return {};
}

Result<FileIdentity> identity(const File& f) { return identity_of_handle(f.get(), ""); }

Result<FileIdentity> identity_of_path(std::string_view path, bool follow_links) {
  Result<std::wstring> w = win::api_path(path);
  if (!w) return w.error();
  DWORD flags = FILE_FLAG_BACKUP_SEMANTICS;
  if (!follow_links) flags |= FILE_FLAG_OPEN_REPARSE_POINT;
  File f(::CreateFileW(w.value().c_str(), FILE_READ_ATTRIBUTES, win::kShareAll, nullptr, OPEN_EXISTING, flags,
                       nullptr));
  if (f.get() == INVALID_HANDLE_VALUE) {
    (void)f.release();
    return win::error("stat", path);
  }
  return identity_of_handle(f.get(), path);
}

}  // namespace assetfetch::platform
