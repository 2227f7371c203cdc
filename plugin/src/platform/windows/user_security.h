// Who a process runs as, and "this user only" security descriptors, for the
// service's named pipe and folder (local_socket_windows.cpp). Never included
// outside platform/windows/.
#pragma once

#include <windows.h>

#include <cstdint>
#include <string>
#include <vector>

#include "platform/error.h"

namespace assetfetch::platform::win {

// A SID's bytes (comparable with ==) and its text form (S-1-5-21-...).
struct UserSid {
  std::vector<BYTE> bytes;
  std::string text;
  bool operator==(const UserSid& o) const { return bytes == o.bytes; }
};

// The user of this process's token, looked up once.
const Result<UserSid>& current_user();
// The default owner of objects this process creates: the user, or
// BUILTIN\Administrators for an elevated administrator.
const Result<UserSid>& current_owner();
// The user of process `pid`'s token (Errc::access_denied when it may not
// be opened, Errc::not_found when it has exited).
Result<UserSid> user_of_process(DWORD pid);
UserSid sid_from(PSID sid);

// A security descriptor whose DACL grants this user all access and nobody
// else anything (protected: nothing inherited from the folder above). It
// points into itself, so it stays where it was made.
class PrivateSecurity {
 public:
  PrivateSecurity();
  PrivateSecurity(const PrivateSecurity&) = delete;
  PrivateSecurity& operator=(const PrivateSecurity&) = delete;

  // Why it could not be made (the attributes are then null).
  const Status& status() const { return status_; }
  SECURITY_ATTRIBUTES* attributes() { return status_ ? &sa_ : nullptr; }

 private:
  Status status_;
  std::vector<BYTE> acl_;
  SECURITY_DESCRIPTOR sd_{};
  SECURITY_ATTRIBUTES sa_{};
};

}  // namespace assetfetch::platform::win
