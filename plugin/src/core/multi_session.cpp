#include "core/multi_session.h"

#include "assetfetch/job.h"
#include "transfer/redact.h"

namespace assetfetch {

bool MultiSession::multiplexes(const std::string& url) const {
  return !multiplexed_origins_.empty() && multiplexed_origins_.contains(url_origin(url));
}

bool MultiSession::may_multiplex(const std::string& url) const {
  if (multiplexes(url)) return true;
  if (!url.starts_with("https:")) return false;
  return single_stream_origins_.empty() || !single_stream_origins_.contains(url_origin(url));
}

MultiSession::~MultiSession() {
  for (const auto& e : active_) detach(e);
  active_.clear();
  std::lock_guard<std::mutex> lock(handle_mu_);
  if (multi_) curl_api().multi_cleanup(multi_);
  multi_ = nullptr;
}

void MultiSession::add(FileImpl* file, std::unique_ptr<Transfer> transfer) {
  if (!multi_) {
    std::lock_guard<std::mutex> lock(handle_mu_);
    multi_ = curl_api().multi_init();
    curl_api().multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    // HTTP/1.1 hosts get at most this many connections whatever -j says;
    // over HTTP/2 the transfers share one (PIPEWAIT) as streams.
    curl_api().multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(kAutoParallelFiles));
  }
  if (share_) curl_api().easy_setopt(transfer->handle(), CURLOPT_SHARE, share_);
  curl_api().multi_add_handle(multi_, transfer->handle());
  active_.push_back(Entry{file, std::move(transfer)});
}

void MultiSession::detach(const Entry& e) {
  if (multi_) curl_api().multi_remove_handle(multi_, e.transfer->handle());
}

void MultiSession::perform() {
  if (!multi_) return;
  int running = 0;
  curl_api().multi_perform(multi_, &running);
}

void MultiSession::for_each_done(const std::function<void(Entry&, CURLcode)>& on_done) {
  if (!multi_) return;
  int left = 0;
  while (CURLMsg* msg = curl_api().multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode code = msg->data.result;
    for (auto it = active_.begin(); it != active_.end(); ++it) {
      if (it->transfer->handle() != easy) continue;
      Entry entry = std::move(*it);
      active_.erase(it);
      detach(entry);
      long version = 0;  // 0: no answer (a connect failure says nothing)
      if (curl_api().easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version) == CURLE_OK && version != 0) {
        const std::string origin = url_origin(entry.transfer->request().url);
        if (version >= CURL_HTTP_VERSION_2_0) {
          multiplexed_origins_.insert(origin);
          single_stream_origins_.erase(origin);
        } else if (!multiplexed_origins_.contains(origin)) {
          single_stream_origins_.insert(origin);
        }
      }
      on_done(entry, code);
      break;
    }
  }
}

void MultiSession::drop_if(const std::function<bool(const Entry&)>& pred) {
  std::erase_if(active_, [&](const Entry& e) {
    if (!pred(e)) return false;
    detach(e);
    return true;
  });
}

std::vector<MultiSession::Entry> MultiSession::take_all() {
  for (const auto& e : active_) detach(e);
  return std::exchange(active_, {});
}

void MultiSession::poll(int timeout_ms) {
  if (multi_) curl_api().multi_poll(multi_, nullptr, 0, timeout_ms, nullptr);
}

void MultiSession::wakeup() {
  std::lock_guard<std::mutex> lock(handle_mu_);
  if (multi_) curl_api().multi_wakeup(multi_);
}

}  // namespace assetfetch
