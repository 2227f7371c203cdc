#include <cerrno>
#include <cstring>

#include "platform/error.h"

namespace assetfetch::platform {

std::string native_error_text(int native) { return std::strerror(native); }

Errc errc_of_native(int e) {
  switch (e) {
    case EEXIST: return Errc::exists;
    case ENOENT: case ENOTDIR: return Errc::not_found;
    case ELOOP: return Errc::is_link;
    case EISDIR: return Errc::is_directory;
    case EACCES: case EPERM: case EROFS: return Errc::access_denied;
    case ENOSPC: case EDQUOT: return Errc::no_space;
    case EOPNOTSUPP: case ENOSYS: case EXDEV: case ENOTTY: return Errc::unsupported;
    case EINVAL: case ENAMETOOLONG: return Errc::invalid_argument;
    case EBUSY: case ETXTBSY: return Errc::sharing_violation;
    default: return Errc::io;
  }
}

PlatformError last_error(std::string op, std::string path) {
  const int e = errno;
  return PlatformError{errc_of_native(e), e, std::move(op), std::move(path), {}};
}

std::error_code PlatformError::error_code() const {
  return native != 0 ? std::error_code(native, std::generic_category())
                     : std::make_error_code(code == Errc::invalid_argument ? std::errc::invalid_argument
                                                                           : std::errc::io_error);
}

}  // namespace assetfetch::platform
