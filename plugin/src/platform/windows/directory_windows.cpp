// Folder listings on Windows: FindFirstFileExW on the extended-length path,
// so a folder past 260 characters lists itself (mingw-w64's
// std::filesystem::directory_iterator listed the current folder there).
#include <windows.h>

#include <algorithm>

#include "platform/directory.h"
#include "platform/path.h"
#include "platform/windows/win_util.h"

namespace assetfetch::platform {

namespace {

// A FindFirstFileExW handle, closed with FindClose.
class FindHandle {
 public:
  explicit FindHandle(HANDLE h) : h_(h) {}
  ~FindHandle() {
    if (h_ != INVALID_HANDLE_VALUE) ::FindClose(h_);
  }
  FindHandle(const FindHandle&) = delete;
  FindHandle& operator=(const FindHandle&) = delete;
  HANDLE get() const { return h_; }

 private:
  HANDLE h_;
};

// Any reparse point is a link, as identity_of_path() sees it: a symbolic
// link, a junction, a mount point is never entered.
FileKind kind_of(DWORD attributes) {
  if (attributes & FILE_ATTRIBUTE_REPARSE_POINT) return FileKind::link;
  if (attributes & FILE_ATTRIBUTE_DIRECTORY) return FileKind::directory;
  if (attributes & FILE_ATTRIBUTE_DEVICE) return FileKind::other;
  return FileKind::regular;
}

PlatformError error_of(DWORD e, std::string_view path) {
  return PlatformError{errc_of_native(static_cast<int>(e)), static_cast<int>(e), "list", std::string(path), {}};
}

}  // namespace

Result<std::vector<DirectoryEntry>> list_directory(std::string_view dir) {
  Result<std::wstring> w = win::api_path(dir);
  if (!w) return w.error();
  std::wstring pattern = w.value();
  // \\?\C:\ keeps its separator; any other trailing one goes before "\*".
  while (pattern.size() > 7 && pattern.back() == L'\\') pattern.pop_back();
  if (pattern.back() != L'\\') pattern += L'\\';
  pattern += L'*';
  WIN32_FIND_DATAW data{};
  FindHandle find(::FindFirstFileExW(pattern.c_str(), FindExInfoBasic, &data, FindExSearchNameMatch, nullptr,
                                     FIND_FIRST_EX_LARGE_FETCH));
  std::vector<DirectoryEntry> out;
  if (find.get() == INVALID_HANDLE_VALUE) {
    const DWORD e = ::GetLastError();
    // No match at all: only a drive's empty root (other folders hold "." and "..").
    if (e == ERROR_FILE_NOT_FOUND) return out;
    return error_of(e, dir);  // a file, not a folder: ERROR_DIRECTORY or ERROR_PATH_NOT_FOUND
  }
  do {
    const std::wstring_view name(data.cFileName);
    if (name == L"." || name == L"..") continue;
    out.push_back({utf16_to_utf8(std::u16string(name.begin(), name.end())), kind_of(data.dwFileAttributes)});
  } while (::FindNextFileW(find.get(), &data));
  if (const DWORD e = ::GetLastError(); e != ERROR_NO_MORE_FILES) return error_of(e, dir);
  std::sort(out.begin(), out.end(), [](const DirectoryEntry& a, const DirectoryEntry& b) { return a.name < b.name; });
  return out;
}

Status remove_directory(std::string_view dir) {
  Result<std::wstring> w = win::api_path(dir);
  if (!w) return w.error();
  // RemoveDirectoryW removes a junction or a folder link itself, never its target.
  if (::RemoveDirectoryW(w.value().c_str())) return {};
  const DWORD e = ::GetLastError();
  if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND) return {};
  return PlatformError{errc_of_native(static_cast<int>(e)), static_cast<int>(e), "remove the folder", std::string(dir),
                       {}};
}

}  // namespace assetfetch::platform
