// PlatformError: what an operating-system call could not do, as a value.
//
// Every function of the platform layer reports an expected failure (a name
// that exists, a link in the way, a lock held elsewhere, a file held open by
// another program) as an Errc plus the native code (errno or the Win32
// error), the operation and the UTF-8 path. Callers branch on `code`, never
// on text; message() is for the user.
#pragma once

#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace assetfetch::platform {

enum class Errc {
  exists,             // the name is taken (an exclusive create)
  not_found,          // no such file or folder
  is_link,            // a symbolic link or reparse point is in the way; never followed
  is_directory,       // a folder where a file was expected
  not_regular,        // a device, pipe or socket where a file was expected
  sharing_violation,  // Windows: another program holds the file open without delete sharing
  access_denied,      // permissions, a read-only file, or a file pending deletion
  no_space,           // the disk or the quota is full
  unsupported,        // this filesystem or OS cannot (e.g. no block cloning): use the fallback
  invalid_argument,   // bad input: malformed UTF-8, a URL that names no local path
  interrupted,        // a bounded wait ran out
  io,                 // anything else the OS reported
};

// "exists", "is_link", ...: stable names for logs and tests.
const char* errc_name(Errc code);

struct PlatformError {
  Errc code = Errc::io;
  int native = 0;       // errno, or GetLastError(); 0 when the layer itself decided
  std::string op;       // "create", "rename", ...
  std::string path;     // UTF-8
  std::string detail;   // optional: what the layer knows beyond the code

  // "cannot <op> <path>: <what happened> (<OS text>)<detail>".
  std::string message() const;
  // The native code in its category (generic for errno, system for Win32),
  // for callers that still throw std::system_error.
  std::error_code error_code() const;
};

// The OS's own text for a native code (strerror / FormatMessageW).
std::string native_error_text(int native);
// The code for the OS's last error (errno / GetLastError()) after a failed call.
PlatformError last_error(std::string op, std::string path);
// Errc for a native code.
Errc errc_of_native(int native);

// A value or a PlatformError.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(PlatformError error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const PlatformError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, PlatformError> v_;
};

// Success or a PlatformError.
class Status {
 public:
  Status() = default;
  Status(PlatformError error) : error_(std::move(error)), failed_(true) {}
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const PlatformError& error() const { return error_; }

 private:
  PlatformError error_;
  bool failed_ = false;
};

}  // namespace assetfetch::platform
