// Folder listings on POSIX: opendir/readdir.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "platform/directory.h"

namespace assetfetch::platform {

namespace {

// A DIR* closed on destruction.
class Dir {
 public:
  explicit Dir(DIR* d) : d_(d) {}
  ~Dir() {
    if (d_ != nullptr) ::closedir(d_);
  }
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  DIR* get() const { return d_; }

 private:
  DIR* d_;
};

FileKind kind_of_mode(mode_t mode) {
  return S_ISREG(mode) ? FileKind::regular
         : S_ISDIR(mode) ? FileKind::directory
         : S_ISLNK(mode) ? FileKind::link
                         : FileKind::other;
}

// d_type where the filesystem fills it in, else lstat of the name.
FileKind kind_of(DIR* dir, const struct dirent* e) {
#ifdef DT_UNKNOWN
  switch (e->d_type) {
    case DT_REG: return FileKind::regular;
    case DT_DIR: return FileKind::directory;
    case DT_LNK: return FileKind::link;
    case DT_UNKNOWN: break;
    default: return FileKind::other;
  }
#endif
  struct stat st {};
  if (::fstatat(::dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) return FileKind::other;
  return kind_of_mode(st.st_mode);
}

}  // namespace

Result<std::vector<DirectoryEntry>> list_directory(std::string_view dir) {
  const std::string path(dir);
  Dir d(::opendir(path.c_str()));
  if (d.get() == nullptr) return last_error("list", path);
  std::vector<DirectoryEntry> out;
  for (;;) {
    errno = 0;
    const struct dirent* e = ::readdir(d.get());
    if (e == nullptr) {
      if (errno != 0) return last_error("list", path);
      break;
    }
    const std::string name(e->d_name);
    if (name == "." || name == "..") continue;
    out.push_back({name, kind_of(d.get(), e)});
  }
  std::sort(out.begin(), out.end(), [](const DirectoryEntry& a, const DirectoryEntry& b) { return a.name < b.name; });
  return out;
}

Status remove_directory(std::string_view dir) {
  const std::string path(dir);
  if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return {};
  // A link to a folder: rmdir refuses it (ENOTDIR); the link itself goes.
  if (errno == ENOTDIR) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      if (::unlink(path.c_str()) == 0 || errno == ENOENT) return {};
      return last_error("remove the link", path);
    }
    errno = ENOTDIR;
  }
  return last_error("remove the folder", path);
}

}  // namespace assetfetch::platform
