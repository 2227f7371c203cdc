// Name-level operations on Windows.
#include <windows.h>

#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

#include "platform/fs_ops.h"
#include "platform/process.h"
#include "platform/windows/win_util.h"

namespace assetfetch::platform {

namespace {

// FileRenameInfoEx (22 in the Windows SDK): mingw-w64 10 hides it behind an
// _WIN32_WINNT value no Windows version has.
constexpr auto kFileRenameInfoEx = static_cast<FILE_INFO_BY_HANDLE_CLASS>(22);

// FILE_RENAME_FLAG_IGNORE_READONLY_ATTRIBUTE (Windows 10 1809), not in mingw-w64 10's headers.
constexpr DWORD kRenameIgnoreReadOnly = 0x40;

// Set once the OS (or Wine) has refused FileRenameInfoEx: MoveFileExW from then on.
std::atomic<bool> posix_rename_unavailable{false};

bool retryable(DWORD e) { return e == ERROR_SHARING_VIOLATION || e == ERROR_ACCESS_DENIED || e == ERROR_LOCK_VIOLATION; }

// One attempt with POSIX semantics: the name is replaced even while others
// hold the old file open with delete sharing. Returns the Win32 error, 0 on success.
DWORD rename_posix(const std::wstring& from, const std::wstring& to, DWORD extra_flags = 0) {
  HANDLE h = ::CreateFileW(from.c_str(), DELETE | SYNCHRONIZE, win::kShareAll, nullptr, OPEN_EXISTING,
                           FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  if (h == INVALID_HANDLE_VALUE) return ::GetLastError();
  // The kernel takes an NT path: \??\C:\... for \\?\C:\...
  std::wstring nt = to;
  if (nt.rfind(L"\\\\?\\", 0) == 0) nt[1] = L'?';
  const std::size_t bytes = offsetof(FILE_RENAME_INFO, FileName) + (nt.size() + 1) * sizeof(wchar_t);
  std::vector<std::byte> buf(bytes);
  auto* info = reinterpret_cast<FILE_RENAME_INFO*>(buf.data());
  info->Flags = FILE_RENAME_FLAG_REPLACE_IF_EXISTS | FILE_RENAME_FLAG_POSIX_SEMANTICS | extra_flags;
  info->RootDirectory = nullptr;
  info->FileNameLength = static_cast<DWORD>(nt.size() * sizeof(wchar_t));
  std::copy(nt.begin(), nt.end(), info->FileName);
  info->FileName[nt.size()] = L'\0';
  const BOOL ok = ::SetFileInformationByHandle(h, kFileRenameInfoEx, info, static_cast<DWORD>(bytes));
  const DWORD err = ok ? 0 : ::GetLastError();
  ::CloseHandle(h);
  return err;
}

// What an OS without FileRenameInfoEx (or one of its flags) answers.
bool posix_rename_refused(DWORD e) {
  return e == ERROR_INVALID_PARAMETER || e == ERROR_NOT_SUPPORTED || e == ERROR_INVALID_FUNCTION;
}

DWORD rename_once(const std::wstring& from, const std::wstring& to) {
  if (!posix_rename_unavailable.load(std::memory_order_relaxed)) {
    const DWORD e = rename_posix(from, to);
    if (e == 0 || retryable(e) || e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND) return e;
    // INVALID_PARAMETER, NOT_SUPPORTED, INVALID_FUNCTION: before Windows 10
    // 1607, FAT, some network filesystems, Wine.
    posix_rename_unavailable.store(true, std::memory_order_relaxed);
  }
  return ::MoveFileExW(from.c_str(), to.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)
             ? 0
             : ::GetLastError();
}

// Windows refuses to replace a read-only name (a mirror's index, a cache
// object) where POSIX rename() replaces it. After an access denial: when `to`
// is a read-only file, renames over it anyway and returns the rename's
// result; otherwise ERROR_ACCESS_DENIED (a real refusal, or a holder the
// caller waits out).
DWORD replace_read_only(const std::wstring& from, const std::wstring& to) {
  const DWORD a = ::GetFileAttributesW(to.c_str());
  if (a == INVALID_FILE_ATTRIBUTES || !(a & FILE_ATTRIBUTE_READONLY) || (a & FILE_ATTRIBUTE_DIRECTORY))
    return ERROR_ACCESS_DENIED;
  if (!posix_rename_unavailable.load(std::memory_order_relaxed)) {
    const DWORD e = rename_posix(from, to, kRenameIgnoreReadOnly);
    if (!posix_rename_refused(e)) return e;  // else Windows before 1809: clear the attribute
  }
  // Clear the attribute, rename, and set it again if the rename failed. (A
  // handle on `to` kept across the rename would make MoveFileExW, and Wine,
  // refuse; so other hard links of the replaced file, if it had any, stay
  // writable.)
  DWORD writable = a & ~static_cast<DWORD>(FILE_ATTRIBUTE_READONLY);
  if (writable == 0) writable = FILE_ATTRIBUTE_NORMAL;
  if (!::SetFileAttributesW(to.c_str(), writable)) return ::GetLastError();
  const DWORD e = rename_once(from, to);
  if (e != 0) ::SetFileAttributesW(to.c_str(), a);
  return e;
}

bool is_directory(const std::wstring& w) {
  const DWORD a = ::GetFileAttributesW(w.c_str());
  return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY) && !(a & FILE_ATTRIBUTE_REPARSE_POINT);
}

// Creates `w` (extended-length) and its parents.
DWORD create_directories(const std::wstring& w) {
  if (::CreateDirectoryW(w.c_str(), nullptr)) return 0;
  DWORD e = ::GetLastError();
  if (e == ERROR_ALREADY_EXISTS) return is_directory(w) ? 0 : ERROR_ALREADY_EXISTS;
  if (e != ERROR_PATH_NOT_FOUND) return e;
  const auto slash = w.find_last_of(L'\\');
  // Stop at the root: \\?\C:\ or \\?\UNC\server\share.
  if (slash == std::wstring::npos || slash <= 7) return e;
  if (DWORD pe = create_directories(w.substr(0, slash)); pe != 0) return pe;
  if (::CreateDirectoryW(w.c_str(), nullptr)) return 0;
  e = ::GetLastError();
  return e == ERROR_ALREADY_EXISTS && is_directory(w) ? 0 : e;
}

// Windows refuses to delete a read-only file (cache objects are read-only):
// clear the attribute through a handle, delete the name, then set it again,
// since the file's other names (hard links) share it. 0 on success;
// ERROR_ACCESS_DENIED when the file was not read-only (a real refusal).
DWORD delete_read_only(const std::wstring& path) {
  HANDLE h = ::CreateFileW(path.c_str(), FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES, win::kShareAll, nullptr,
                           OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  if (h == INVALID_HANDLE_VALUE) return ERROR_ACCESS_DENIED;
  FILE_BASIC_INFO info{};
  DWORD result = ERROR_ACCESS_DENIED;
  if (::GetFileInformationByHandleEx(h, FileBasicInfo, &info, sizeof info) &&
      (info.FileAttributes & FILE_ATTRIBUTE_READONLY) != 0) {
    FILE_BASIC_INFO writable = info;
    writable.FileAttributes &= ~static_cast<DWORD>(FILE_ATTRIBUTE_READONLY);
    if (writable.FileAttributes == 0) writable.FileAttributes = FILE_ATTRIBUTE_NORMAL;
    if (::SetFileInformationByHandle(h, FileBasicInfo, &writable, sizeof writable)) {
      result = ::DeleteFileW(path.c_str()) ? 0 : ::GetLastError();
      ::SetFileInformationByHandle(h, FileBasicInfo, &info, sizeof info);
    }
  }
  ::CloseHandle(h);
  return result;
}

PlatformError error_of(DWORD e, std::string op, std::string_view path) {
  return PlatformError{errc_of_native(static_cast<int>(e)), static_cast<int>(e), std::move(op), std::string(path), {}};
}

}  // namespace

Status replace_file(std::string_view from, std::string_view to, ReplaceOptions options) {
  Result<std::wstring> f = win::api_path(from);
  if (!f) return f.error();
  Result<std::wstring> t = win::api_path(to);
  if (!t) return t.error();
  const auto deadline = std::chrono::steady_clock::now() + options.retry_for;
  auto pause = std::chrono::milliseconds(10);
  int attempts = 0;
  for (;;) {
    DWORD e = rename_once(f.value(), t.value());
    if (e == ERROR_ACCESS_DENIED) e = replace_read_only(f.value(), t.value());
    ++attempts;
    if (e == 0) return {};
    if (!retryable(e) || std::chrono::steady_clock::now() + pause > deadline) {
      PlatformError err = error_of(e, "rename " + std::string(from) + " to", to);
      if (retryable(e))
        err.detail = "still held after " + std::to_string(attempts) + " attempts over " +
                     std::to_string(options.retry_for.count()) + " ms; " + std::string(from) + " is kept";
      return err;
    }
    std::this_thread::sleep_for(pause);
    if (pause < std::chrono::milliseconds(200)) pause *= 2;
  }
}

Status clone_file(const File&, const File&) {
  return PlatformError{Errc::unsupported, 0, "clone", "",
                       "block cloning (FSCTL_DUPLICATE_EXTENTS_TO_FILE) is not built yet"};
}

Status copy_range(const File& in, std::uint64_t in_offset, const File& out, std::uint64_t out_offset,
                  std::uint64_t length) {
  return copy_through_buffer(in, in_offset, out, out_offset, length);
}

Status hard_link(std::string_view from, std::string_view to) {
  Result<std::wstring> f = win::api_path(from);
  if (!f) return f.error();
  Result<std::wstring> t = win::api_path(to);
  if (!t) return t.error();
  if (!::CreateHardLinkW(t.value().c_str(), f.value().c_str(), nullptr))
    return win::error("link " + std::string(from) + " as", to);
  return {};
}

Status make_read_only(std::string_view path) {
  Result<std::wstring> w = win::api_path(path);
  if (!w) return w.error();
  const DWORD a = ::GetFileAttributesW(w.value().c_str());
  if (a == INVALID_FILE_ATTRIBUTES || !::SetFileAttributesW(w.value().c_str(), a | FILE_ATTRIBUTE_READONLY))
    return win::error("make read-only", path);
  return {};
}

Status remove_file(std::string_view path) {
  Result<std::wstring> w = win::api_path(path);
  if (!w) return w.error();
  // DeleteFileW removes a link itself, never its target.
  if (::DeleteFileW(w.value().c_str())) return {};
  DWORD e = ::GetLastError();
  if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND) return {};
  if (e == ERROR_ACCESS_DENIED) {
    if (const DWORD r = delete_read_only(w.value()); r != ERROR_ACCESS_DENIED) {
      if (r == 0) return {};
      e = r;
    }
  }
  return error_of(e, "remove", path);
}

Status make_directories(std::string_view path) {
  Result<std::wstring> w = win::api_path(path);
  if (!w) return w.error();
  std::wstring p = w.value();
  while (p.size() > 7 && p.back() == L'\\') p.pop_back();
  if (const DWORD e = create_directories(p); e != 0) return error_of(e, "create the folder", path);
  return {};
}

Result<std::string> make_private_directory(std::string_view parent, std::string_view prefix) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    unsigned char bytes[6];
    if (Status s = random_bytes(bytes, sizeof bytes); !s) return s.error();
    std::string name = std::string(parent) + "\\" + std::string(prefix);
    static const char kHex[] = "0123456789abcdef";
    for (unsigned char b : bytes) {
      name += kHex[b >> 4];
      name += kHex[b & 15];
    }
    Result<std::wstring> w = win::api_path(name);
    if (!w) return w.error();
    if (::CreateDirectoryW(w.value().c_str(), nullptr)) return name;
    if (::GetLastError() != ERROR_ALREADY_EXISTS) return win::error("create a folder in", parent);
  }
  return PlatformError{Errc::exists, 0, "create a folder in", std::string(parent), "every random name was taken"};
}

bool can_write_directory(std::string_view path) {
  Result<std::wstring> w = win::api_path(path);
  if (!w) return false;
  const DWORD attrs = ::GetFileAttributesW(w.value().c_str());
  return attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY) != 0;
}

Result<DiskSpace> disk_space(std::string_view path) {
  Result<std::wstring> w = win::api_path(path);
  if (!w) return w.error();
  std::wstring dir = w.value();
  if (!dir.empty() && dir.back() != L'\\') dir += L'\\';
  ULARGE_INTEGER avail{}, total{};
  if (!::GetDiskFreeSpaceExW(dir.c_str(), &avail, &total, nullptr)) return win::error("read the free space of", path);
  return DiskSpace{static_cast<std::uint64_t>(avail.QuadPart), static_cast<std::uint64_t>(total.QuadPart)};
}

Result<std::uint64_t> free_space(std::string_view path) {
  Result<DiskSpace> s = disk_space(path);
  if (!s) return s.error();
  return s.value().available;
}

}  // namespace assetfetch::platform
