// MultiSession: the job's libcurl multi handle and the transfers attached to
// it, as one RAII value. An easy handle is always detached from the multi
// handle before its Transfer (which owns it) is destroyed, and the multi
// handle is cleaned up last, whatever path the transfer loop leaves by.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "transfer/curl_api.h"
#include "transfer/transfer.h"

namespace assetfetch {

class FileImpl;

class MultiSession {
 public:
  struct Entry {
    FileImpl* file;
    std::unique_ptr<Transfer> transfer;
  };

  // With `share` (the background service's worker: transfer/curl_share.h),
  // every transfer added joins it, so connections, DNS answers and TLS
  // sessions outlive the job for the next one of that worker.
  explicit MultiSession(CURLSH* share = nullptr) : share_(share) {}
  MultiSession(const MultiSession&) = delete;
  MultiSession& operator=(const MultiSession&) = delete;
  ~MultiSession();

  // Created with the first transfer: a job served from the cache alone never
  // loads libcurl (see curl_api.h).
  void add(FileImpl* file, std::unique_ptr<Transfer> transfer);
  bool started() const { return multi_ != nullptr; }
  bool empty() const { return active_.empty(); }
  const std::vector<Entry>& active() const { return active_; }

  void perform();
  // True once a transfer to `url`'s origin (scheme, host, port) ended over
  // a multiplexed connection (HTTP/2 or later): that server takes many
  // streams on one connection.
  bool multiplexes(const std::string& url) const;
  // False for plain http (HTTP/2 is negotiated over TLS only) and for an
  // https origin a transfer has answered over HTTP/1.x; true otherwise, an
  // https origin not heard from yet included: its transfers wait (PIPEWAIT)
  // for the first connection and share it if it multiplexes.
  bool may_multiplex(const std::string& url) const;
  // Each finished transfer, detached, with its curl result.
  void for_each_done(const std::function<void(Entry&, CURLcode)>& on_done);
  // Detaches and drops the transfers for which `pred` is true.
  void drop_if(const std::function<bool(const Entry&)>& pred);
  // Detaches every transfer and hands them over (e.g. to interrupt their files).
  std::vector<Entry> take_all();
  // Waits for socket activity, libcurl's own timers, wakeup() or
  // `timeout_ms`, whichever comes first.
  void poll(int timeout_ms);
  // From any thread: ends a poll() in progress, or the next one, at once.
  // A no-op before the first transfer (nothing polls then).
  void wakeup();

 private:
  void detach(const Entry& e);

  CURLSH* share_ = nullptr;
  std::mutex handle_mu_;  // the multi handle's creation and cleanup against wakeup()
  CURLM* multi_ = nullptr;
  std::vector<Entry> active_;
  std::set<std::string> multiplexed_origins_;
  std::set<std::string> single_stream_origins_;  // https origins that answered over HTTP/1.x
};

}  // namespace assetfetch
