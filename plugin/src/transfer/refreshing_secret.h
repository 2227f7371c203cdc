// A secret that a service hands out and that expires: AWS temporary
// credentials (aws_credentials.h) and Azure bearer tokens (azure_token.h).
// Fetched when a request first needs it, shared by every caller, fetched
// again kSecretRefreshMargin before it expires (the margin the SDKs use, so
// a request is never signed with something that lapses while it runs).
// After a failed fetch the next one waits kSecretRetryAfterFailure, so a dead
// endpoint costs one timeout per interval, not one per request.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace assetfetch {

inline constexpr std::chrono::minutes kSecretRefreshMargin{5};
inline constexpr std::chrono::seconds kSecretRetryAfterFailure{15};

// Secret::*Expiry: when it lapses; nullopt for a secret that does not.
// Thread-safe: one fetch at a time; callers wait for it and share its answer.
template <class Secret, std::optional<std::chrono::system_clock::time_point> Secret::*Expiry>
class RefreshingSecret {
 public:
  virtual ~RefreshingSecret() = default;

  // The current secret; nullopt with the reason in `why` (never a secret)
  // when the service gave none.
  std::optional<Secret> current(std::string* why = nullptr) {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::system_clock::now();
    if (cached_ && (!((*cached_).*Expiry) || *((*cached_).*Expiry) - kSecretRefreshMargin > now)) return cached_;
    if (failed_at_ && std::chrono::steady_clock::now() - *failed_at_ < kSecretRetryAfterFailure) {
      if (why) *why = failure_;
      return std::nullopt;
    }
    std::string reason;
    auto fresh = fetch(reason);
    if (!fresh) {
      failed_at_ = std::chrono::steady_clock::now();
      failure_ = name() + ": " + reason;
      if (why) *why = failure_;
      // One that is still valid (inside the margin) is better than none.
      if (cached_ && (*cached_).*Expiry && *((*cached_).*Expiry) > now) return cached_;
      return std::nullopt;
    }
    failed_at_.reset();
    cached_ = std::move(fresh);
    return cached_;
  }

  // e.g. "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)", for messages.
  virtual std::string name() const = 0;

 protected:
  virtual std::optional<Secret> fetch(std::string& why) = 0;

 private:
  std::mutex mu_;
  std::optional<Secret> cached_;
  std::optional<std::chrono::steady_clock::time_point> failed_at_;
  std::string failure_;
};

}  // namespace assetfetch
