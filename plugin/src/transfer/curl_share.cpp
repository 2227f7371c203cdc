#include "transfer/curl_share.h"

#include <stdexcept>

#include "transfer/curl_api.h"

namespace assetfetch {

void ConnectionShare::lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
  static_cast<ConnectionShare*>(self)->locks_[static_cast<int>(data) % CURL_LOCK_DATA_LAST].lock();
}

void ConnectionShare::unlock(CURL*, curl_lock_data data, void* self) {
  static_cast<ConnectionShare*>(self)->locks_[static_cast<int>(data) % CURL_LOCK_DATA_LAST].unlock();
}

ConnectionShare::ConnectionShare() {
  const CurlApi& api = curl_api();
  share_ = api.share_init();
  if (!share_) throw std::runtime_error("libcurl could not create a share handle");
  curl_lock_function lock_fn = &ConnectionShare::lock;
  curl_unlock_function unlock_fn = &ConnectionShare::unlock;
  const bool ok = api.share_setopt(share_, CURLSHOPT_LOCKFUNC, lock_fn) == CURLSHE_OK &&
                  api.share_setopt(share_, CURLSHOPT_UNLOCKFUNC, unlock_fn) == CURLSHE_OK &&
                  api.share_setopt(share_, CURLSHOPT_USERDATA, static_cast<void*>(this)) == CURLSHE_OK &&
                  api.share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) == CURLSHE_OK &&
                  api.share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) == CURLSHE_OK &&
                  api.share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) == CURLSHE_OK;
  if (!ok) {
    api.share_cleanup(share_);
    throw std::runtime_error("libcurl refused to share connections, DNS or TLS sessions (libcurl 7.57 or later)");
  }
}

ConnectionShare::~ConnectionShare() {
  // CURLSHE_IN_USE would mean a transfer still holds it: then it is left
  // alone (the process is about to end) rather than freed under that transfer.
  (void)curl_api().share_cleanup(share_);
}

}  // namespace assetfetch
