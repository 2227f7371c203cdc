#include "transfer/curl_share.h"

#include <atomic>
#include <mutex>
#include <stdexcept>

#include "transfer/curl_api.h"

namespace assetfetch {

namespace {

// One mutex per kind of shared data, as libcurl asks (it never holds two).
std::mutex g_locks[CURL_LOCK_DATA_LAST];
std::atomic<CURLSH*> g_share{nullptr};

extern "C" void lock_share(CURL*, curl_lock_data data, curl_lock_access, void*) {
  g_locks[static_cast<int>(data) % CURL_LOCK_DATA_LAST].lock();
}

extern "C" void unlock_share(CURL*, curl_lock_data data, void*) {
  g_locks[static_cast<int>(data) % CURL_LOCK_DATA_LAST].unlock();
}

CURLSH* make_share() {
  const CurlApi& api = curl_api();
  CURLSH* share = api.share_init();
  if (!share) throw std::runtime_error("libcurl could not create a share handle");
  bool ok = api.share_setopt(share, CURLSHOPT_LOCKFUNC, &lock_share) == CURLSHE_OK &&
            api.share_setopt(share, CURLSHOPT_UNLOCKFUNC, &unlock_share) == CURLSHE_OK &&
            api.share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) == CURLSHE_OK &&
            api.share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) == CURLSHE_OK &&
            api.share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) == CURLSHE_OK;
  if (!ok) throw std::runtime_error("libcurl refused to share connections, DNS or TLS sessions (libcurl 7.57 or later)");
  return share;  // lives as long as the process: transfers may hold it until exit
}

}  // namespace

void enable_shared_connections() {
  static std::once_flag once;
  std::call_once(once, [] { g_share.store(make_share()); });
}

CURLSH* shared_connections() { return g_share.load(); }

}  // namespace assetfetch
