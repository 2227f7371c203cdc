#include "platform/error.h"

namespace assetfetch::platform {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::exists: return "exists";
    case Errc::not_found: return "not_found";
    case Errc::is_link: return "is_link";
    case Errc::is_directory: return "is_directory";
    case Errc::not_regular: return "not_regular";
    case Errc::sharing_violation: return "sharing_violation";
    case Errc::access_denied: return "access_denied";
    case Errc::no_space: return "no_space";
    case Errc::unsupported: return "unsupported";
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::interrupted: return "interrupted";
    case Errc::io: return "io";
  }
  return "io";
}

namespace {

const char* what_happened(Errc code) {
  switch (code) {
    case Errc::exists: return "something already has that name";
    case Errc::not_found: return "no such file or folder";
    case Errc::is_link: return "a symbolic link or reparse point is in the way (assetfetch never follows one there: remove it and run again)";
    case Errc::is_directory: return "it is a folder";
    case Errc::not_regular: return "it is not a regular file";
    case Errc::sharing_violation: return "another program holds the file open (an editor, an indexer or a virus scanner): close it and run again";
    case Errc::access_denied: return "access denied";
    case Errc::no_space: return "no space left";
    case Errc::unsupported: return "not supported here";
    case Errc::invalid_argument: return "invalid argument";
    case Errc::interrupted: return "the wait ran out";
    case Errc::io: return "input/output error";
  }
  return "error";
}

}  // namespace

std::string PlatformError::message() const {
  std::string m = "cannot " + op;
  if (!path.empty()) m += " " + path;
  m += ": ";
  m += what_happened(code);
  if (native != 0) m += " (" + native_error_text(native) + ")";
  if (!detail.empty()) m += "; " + detail;
  return m;
}

}  // namespace assetfetch::platform
