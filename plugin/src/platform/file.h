// File: an owned OS file handle (a descriptor on POSIX, a HANDLE on
// Windows), move-only and closed on destruction; and the file operations
// assetfetch needs on it. Every path is UTF-8.
//
// Files are opened so that a symbolic link or a reparse point at the name is
// never followed unless the caller asks for it (user-named input files), and
// so that the handle does not leak into child processes. On Windows every
// handle shares read, write and delete: our own handles never stop another
// of our processes from renaming or removing a file, as on POSIX.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "platform/error.h"

namespace assetfetch::platform {

#ifdef _WIN32
using NativeHandle = void*;  // HANDLE; nullptr when empty
inline constexpr NativeHandle kNoHandle = nullptr;
#else
using NativeHandle = int;  // file descriptor; -1 when empty
inline constexpr NativeHandle kNoHandle = -1;
#endif

class File {
 public:
  File() = default;
  explicit File(NativeHandle h) : h_(h) {}
  ~File() { reset(); }
  File(File&& other) noexcept : h_(other.release()) {}
  File& operator=(File&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  NativeHandle get() const { return h_; }
  explicit operator bool() const { return h_ != kNoHandle; }
  NativeHandle release() {
    NativeHandle h = h_;
    h_ = kNoHandle;
    return h;
  }
  void reset(NativeHandle h = kNoHandle);

 private:
  NativeHandle h_ = kNoHandle;
};

// A File over a handle someone else owns (interfaces that still pass a raw
// handle, such as worker/ until it moves onto File): never closes it.
class BorrowedFile {
 public:
  explicit BorrowedFile(NativeHandle h) : f_(h) {}
  ~BorrowedFile() { (void)f_.release(); }
  BorrowedFile(const BorrowedFile&) = delete;
  BorrowedFile& operator=(const BorrowedFile&) = delete;
  const File& file() const { return f_; }
  operator const File&() const { return f_; }

 private:
  File f_;
};

enum class FileKind { regular, directory, link, other };

// What the cache stamps an object with, and what tells two names apart.
struct FileIdentity {
  FileKind kind = FileKind::other;
  std::uint64_t device = 0;   // st_dev / volume serial number
  std::uint64_t file_id = 0;  // st_ino / file index
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;  // last write, ns since 1970
  std::int64_t ctime_ns = 0;  // last status (metadata) change, ns since 1970
  bool same_file(const FileIdentity& o) const { return device == o.device && file_id == o.file_id; }
};

// Creates `path` new, read-write: fails with Errc::exists when any name is
// there, a link included (O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, mode 0644;
// CreateFileW CREATE_NEW with FILE_FLAG_OPEN_REPARSE_POINT).
Result<File> create_exclusive(std::string_view path);

struct OpenOptions {
  bool write = false;         // read-write instead of read-only
  bool create = false;        // create the file when it is missing
  bool follow_links = false;  // only for files a user named; never for our own
};
// Opens a regular file: Errc::is_link for a link or reparse point (unless
// follow_links), Errc::is_directory, Errc::not_regular (a FIFO does not block
// the open; a device or socket is refused).
Result<File> open_regular(std::string_view path, OpenOptions options = {});

// Positional I/O: the file position is neither used nor moved on POSIX; on
// Windows ReadFile/WriteFile with an OVERLAPPED offset move it, so never mix
// them with read_some on one handle.
Result<std::size_t> read_at(const File& f, void* buf, std::size_t len, std::uint64_t offset);  // 0 at the end
Status write_all_at(const File& f, const void* buf, std::size_t len, std::uint64_t offset);
// Sequential I/O from the current position.
Result<std::size_t> read_some(const File& f, void* buf, std::size_t len);  // 0 at the end
Status write_all(const File& f, const void* buf, std::size_t len);

Status flush(const File& f);  // fsync / FlushFileBuffers
// A hint that the file will be read once from start to end
// (posix_fadvise SEQUENTIAL); nothing where the OS has no such hint.
void advise_sequential(const File& f);
Status truncate(const File& f, std::uint64_t size);
Result<FileIdentity> identity(const File& f);
// The identity of whatever is at `path`, a link itself when not following.
Result<FileIdentity> identity_of_path(std::string_view path, bool follow_links = false);

}  // namespace assetfetch::platform
