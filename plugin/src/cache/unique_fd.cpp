#include "cache/unique_fd.h"

#include <system_error>

#include "platform/fs_ops.h"
#include "platform/path.h"
#include "platform/process.h"

namespace assetfetch {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void throw_error(const platform::PlatformError& e, const fs::path& p, const std::string& what) {
  std::string hint;
  if (e.code == platform::Errc::is_link || e.code == platform::Errc::exists)
    hint = " (a symbolic link or another file is in the way; assetfetch never follows links "
           "there: remove it and run again)";
  if (e.code == platform::Errc::is_directory || e.code == platform::Errc::not_regular) {
    if (e.native == 0)
      throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                              platform::utf8_of(p) + " is not a regular file; remove it and run again");
  }
  throw std::system_error(e.error_code(), what + " " + platform::utf8_of(p) + hint);
}

platform::File open_regular_or_throw(const fs::path& path, platform::OpenOptions options) {
  platform::Result<platform::File> f = platform::open_regular(platform::utf8_of(path), options);
  if (!f) throw_error(f.error(), path, "cannot open");
  return std::move(f).value();
}

}  // namespace

UniqueFd open_new_temporary(const fs::path& path, bool replace) {
  const std::string p = platform::utf8_of(path);
  platform::Result<platform::File> f = platform::create_exclusive(p);
  // Something at the name (a file, a planted link): with `replace` it goes
  // (removal never follows a link) and the name is created again. Trying the
  // create first saves a removal per temporary, whose name is usually new.
  if (!f && f.error().code == platform::Errc::exists && replace) {
    if (platform::Status s = platform::remove_file(p); !s) throw_error(s.error(), path, "cannot replace");
    f = platform::create_exclusive(p);
  }
  if (!f) throw_error(f.error(), path, "cannot create");
  return std::move(f).value();
}

UniqueFd open_or_create_regular(const fs::path& path) {
  return open_regular_or_throw(path, {.write = true, .create = true});
}

UniqueFd open_regular_readonly(const fs::path& path) { return open_regular_or_throw(path, {}); }

std::string random_suffix() {
  unsigned char bytes[8];
  if (platform::Status s = platform::random_bytes(bytes, sizeof bytes); !s)
    throw std::system_error(s.error().error_code(), s.error().message());
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : bytes) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
}

NewTemporary create_temporary_in(const fs::path& dir, const std::string& stem, const std::string& suffix) {
  // A collision with a 64-bit random name means someone planted it: retry a
  // few times, then report.
  for (int attempt = 0;; ++attempt) {
    fs::path p = dir / (stem + "." + std::to_string(platform::current_pid()) + "." + random_suffix() + suffix);
    try {
      return {open_new_temporary(p, false), p};
    } catch (const std::system_error& e) {
      if (e.code() != std::errc::file_exists || attempt >= 3) throw;
    }
  }
}

void write_file_atomic(const fs::path& target, const std::string& content) {
  fs::create_directories(target.parent_path());
  NewTemporary tmp = create_temporary_in(target.parent_path(), platform::utf8_of(target.filename()), ".tmp");
  const std::string tmp_path = platform::utf8_of(tmp.path);
  if (platform::Status s = platform::write_all(tmp.fd, content.data(), content.size()); !s) {
    (void)platform::remove_file(tmp_path);
    throw_error(s.error(), tmp.path, "cannot write");
  }
  tmp.fd.reset();
  if (platform::Status s = platform::replace_file(tmp_path, platform::utf8_of(target)); !s) {
    (void)platform::remove_file(tmp_path);
    throw std::system_error(s.error().error_code(), "cannot rename " + platform::utf8_of(tmp.path) + " to " + platform::utf8_of(target));
  }
}

fs::path create_private_directory(const fs::path& parent, const std::string& prefix) {
  platform::Result<std::string> dir = platform::make_private_directory(platform::utf8_of(parent), prefix);
  if (!dir)
    throw std::system_error(dir.error().error_code(), "cannot create a directory in " + platform::utf8_of(parent));
  return platform::path_from_utf8(dir.value());
}

}  // namespace assetfetch
