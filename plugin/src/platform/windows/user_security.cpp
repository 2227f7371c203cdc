#include "platform/windows/user_security.h"

#include <sddl.h>

#include "platform/path.h"
#include "platform/windows/win_util.h"

namespace assetfetch::platform::win {

namespace {

// TokenUser or TokenOwner of `token`.
Result<UserSid> token_sid(HANDLE token, TOKEN_INFORMATION_CLASS which, const std::string& whose) {
  DWORD need = 0;
  ::GetTokenInformation(token, which, nullptr, 0, &need);
  if (need == 0) return error("read the user of", whose);
  std::vector<BYTE> buf(need);
  if (!::GetTokenInformation(token, which, buf.data(), need, &need)) return error("read the user of", whose);
  PSID sid = which == TokenUser ? reinterpret_cast<TOKEN_USER*>(buf.data())->User.Sid
                                : reinterpret_cast<TOKEN_OWNER*>(buf.data())->Owner;
  return sid_from(sid);
}

Result<UserSid> own_token_sid(TOKEN_INFORMATION_CLASS which) {
  HANDLE t = nullptr;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &t)) return error("open the token of", "this process");
  UniqueHandle token(t);
  return token_sid(token.get(), which, "this process");
}

}  // namespace

UserSid sid_from(PSID sid) {
  UserSid out;
  const DWORD len = ::GetLengthSid(sid);
  out.bytes.assign(static_cast<BYTE*>(sid), static_cast<BYTE*>(sid) + len);
  wchar_t* text = nullptr;
  if (::ConvertSidToStringSidW(sid, &text) && text != nullptr) {
    const std::wstring w(text);
    out.text = utf16_to_utf8(std::u16string(w.begin(), w.end()));
    ::LocalFree(text);
  }
  return out;
}

const Result<UserSid>& current_user() {
  static const Result<UserSid> user = own_token_sid(TokenUser);
  return user;
}

const Result<UserSid>& current_owner() {
  static const Result<UserSid> owner = own_token_sid(TokenOwner);
  return owner;
}

Result<UserSid> user_of_process(DWORD pid) {
  const std::string whose = "process " + std::to_string(pid);
  UniqueHandle process(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
  if (!process) {
    PlatformError e = error("open", whose);
    if (e.native == ERROR_INVALID_PARAMETER) e.code = Errc::not_found;  // no such process (any more)
    return e;
  }
  HANDLE t = nullptr;
  if (!::OpenProcessToken(process.get(), TOKEN_QUERY, &t)) return error("open the token of", whose);
  UniqueHandle token(t);
  return token_sid(token.get(), TokenUser, whose);
}

PrivateSecurity::PrivateSecurity() {
  const Result<UserSid>& user = current_user();
  if (!user) {
    status_ = user.error();
    return;
  }
  // Room for one ACE, whose SidStart member is the SID's first DWORD.
  const DWORD sid_len = static_cast<DWORD>(user->bytes.size());
  acl_.resize(sizeof(ACL) + sizeof(ACCESS_ALLOWED_ACE) - sizeof(DWORD) + sid_len);
  auto* acl = reinterpret_cast<PACL>(acl_.data());
  PSID sid = const_cast<BYTE*>(user->bytes.data());
  if (!::InitializeAcl(acl, static_cast<DWORD>(acl_.size()), ACL_REVISION) ||
      !::AddAccessAllowedAce(acl, ACL_REVISION, GENERIC_ALL, sid) ||
      !::InitializeSecurityDescriptor(&sd_, SECURITY_DESCRIPTOR_REVISION) ||
      !::SetSecurityDescriptorDacl(&sd_, TRUE, acl, FALSE) ||
      !::SetSecurityDescriptorControl(&sd_, SE_DACL_PROTECTED, SE_DACL_PROTECTED)) {
    status_ = error("make a private security descriptor for", user->text);
    return;
  }
  sa_.nLength = sizeof sa_;
  sa_.lpSecurityDescriptor = &sd_;
  sa_.bInheritHandle = FALSE;
}

}  // namespace assetfetch::platform::win
