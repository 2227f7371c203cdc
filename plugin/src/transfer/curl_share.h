// A libcurl share (RAII): connections, DNS answers and TLS sessions kept
// from one job to the next. The background service (service/) gives each of
// its workers one: libcurl does not support one connection cache used by
// several threads at once, so a share is used by one job's transfer thread
// at a time (jobs of one worker run one after another), and concurrent jobs
// in other workers use shares of their own. A job joins it through
// MultiSession (core/), never by itself: write-back uploads and jobs of the
// library and the CLI use no share.
#pragma once

#include <curl/curl.h>

#include <mutex>

namespace assetfetch {

class ConnectionShare {
 public:
  // Throws std::runtime_error when libcurl cannot be loaded or refuses a setting.
  ConnectionShare();
  // Closes the connections it keeps. Every transfer that joined it is gone by then.
  ~ConnectionShare();
  ConnectionShare(const ConnectionShare&) = delete;
  ConnectionShare& operator=(const ConnectionShare&) = delete;

  CURLSH* handle() const { return share_; }

 private:
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self);
  static void unlock(CURL*, curl_lock_data data, void* self);

  // One mutex per kind of shared data, as libcurl asks (it never holds two).
  std::mutex locks_[CURL_LOCK_DATA_LAST];
  CURLSH* share_ = nullptr;
};

}  // namespace assetfetch
