// JobImpl::run: the transfer thread. One libcurl multi handle drives every
// file's transfers (connection reuse, HTTP/2 multiplexing, many files at
// once); FileWorkers decide what to request next.
#include <thread>

#include "transfer/curl_api.h"
#include "core/job_impl.h"

namespace assetfetch {

void JobImpl::run() {
  // Created with the first transfer: a job served from the cache alone never
  // loads libcurl (see curl_api.h).
  CURLM* multi = nullptr;
  auto add = [&multi](CURL* easy) {
    if (!multi) {
      multi = curl_api().multi_init();
      curl_api().multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
      curl_api().multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 8L);
    }
    curl_api().multi_add_handle(multi, easy);
  };
  std::vector<std::pair<FileImpl*, std::unique_ptr<Transfer>>> active;
  {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    persist("transferring");
    state_ = JobState::connecting;
  }
  while (!stop_) {
    bool all_settled = true;
    bool any_waiting = false;
    {
      std::lock_guard<std::recursive_mutex> lock(mu_);
      auto now = Clock::now();
      const auto max_files = static_cast<std::size_t>(std::max(1, options_.max_parallel_files));
      std::size_t busy_files = 0;
      for (auto& f : files_)
        if (f->worker->phase() == FileWorker::Phase::transferring) ++busy_files;
      for (auto& f : files_) {
        auto* w = f->worker.get();
        auto ph = w->phase();
        if (ph == FileWorker::Phase::done || ph == FileWorker::Phase::failed) continue;
        all_settled = false;
        if (ph == FileWorker::Phase::waiting && now < w->wake_at()) {
          any_waiting = true;
          continue;
        }
        // A file already transferring may add segments; a new one waits for a slot.
        if (ph != FileWorker::Phase::transferring && busy_files >= max_files) continue;
        bool was_busy = ph == FileWorker::Phase::transferring;
        for (int k = 0; k < 8; ++k) {  // bounded: one transfer per call
          auto t = w->next(now);
          if (!t) break;
          add(t->handle());
          active.emplace_back(f.get(), std::move(t));
        }
        if (!was_busy && w->phase() == FileWorker::Phase::transferring) ++busy_files;
        if (w->phase() == FileWorker::Phase::done && callbacks_.file_transferred) callbacks_.file_transferred(*f);
        else if (w->phase() == FileWorker::Phase::waiting) any_waiting = true;
      }
      if (!active.empty() && state_ == JobState::transient_error) state_ = JobState::connecting;
      if (active.empty() && any_waiting) state_ = JobState::transient_error;
    }
    if (all_settled && active.empty()) break;
    if (!multi) {
      if (any_waiting) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    int running = 0;
    curl_api().multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_api().multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      CURLcode code = msg->data.result;
      curl_api().multi_remove_handle(multi, easy);
      for (auto it = active.begin(); it != active.end(); ++it) {
        if (it->second->handle() != easy) continue;
        std::lock_guard<std::recursive_mutex> lock(mu_);
        it->first->worker->on_transfer_done(*it->second, code);
        if (it->first->worker->phase() == FileWorker::Phase::done && callbacks_.file_transferred)
          callbacks_.file_transferred(*it->first);
        active.erase(it);
        break;
      }
    }
    {
      // A file that failed or finished while other transfers of it were in
      // flight (segments, ranges): stop those now rather than wait for them.
      std::lock_guard<std::recursive_mutex> lock(mu_);
      std::erase_if(active, [&](auto& entry) {
        auto ph = entry.first->worker->phase();
        if (ph != FileWorker::Phase::done && ph != FileWorker::Phase::failed) return false;
        curl_api().multi_remove_handle(multi, entry.second->handle());
        return true;
      });
    }
    if (active.empty()) {
      if (any_waiting) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } else {
      curl_api().multi_poll(multi, nullptr, 0, 50, nullptr);
    }
  }
  for (auto& [file, t] : active) {
    if (multi) curl_api().multi_remove_handle(multi, t->handle());
    std::lock_guard<std::recursive_mutex> lock(mu_);
    file->worker->interrupt();
  }
  active.clear();
  if (multi) curl_api().multi_cleanup(multi);

  std::unique_lock<std::recursive_mutex> lock(mu_);
  running_ = false;
  if (!stop_) {
    ErrorContext first_error;
    for (auto& f : files_) {
      if (f->worker->phase() == FileWorker::Phase::failed && first_error.code == ErrorCode::ok)
        first_error = f->worker->error();
    }
    if (first_error.code != ErrorCode::ok) {
      error_ = first_error;
      state_ = JobState::error;
      persist("error");
      auto cb = callbacks_.error;
      if (cb) cb(error_);
    } else {
      state_ = JobState::transferred;
    }
  }
  cv_.notify_all();
}

}  // namespace assetfetch
