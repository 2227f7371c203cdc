#include "writeback/writeback_queue.h"

#include "transfer/redact.h"

namespace assetfetch {

WriteBackQueue& WriteBackQueue::instance() {
  static WriteBackQueue* queue = new WriteBackQueue();  // never deleted: see the header
  return *queue;
}

void WriteBackQueue::submit(WriteBackTask task) {
  std::lock_guard<std::mutex> lock(mutex_);
  tasks_.push_back(std::move(task));
  if (threads_.size() < kThreads && threads_.size() < tasks_.size() + running_) {
    threads_.emplace_back([this] { work(); });
    threads_.back().detach();
  }
  wake_.notify_one();
}

void WriteBackQueue::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return !tasks_.empty(); });
    WriteBackTask task = std::move(tasks_.front());
    tasks_.pop_front();
    ++running_;
    lock.unlock();
    std::string reason = run_write_back(task);
    lock.lock();
    --running_;
    if (reason.empty()) ++succeeded_;
    else failures_.push_back({task.asset, redact_url(task.target.url), std::move(reason)});
    finished_.notify_all();
  }
}

WriteBackReport WriteBackQueue::drain(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  finished_.wait_for(lock, wait, [this] { return tasks_.empty() && running_ == 0; });
  WriteBackReport report;
  report.failures = std::move(failures_);
  failures_.clear();
  report.succeeded = succeeded_;
  succeeded_ = 0;
  report.unfinished = tasks_.size() + running_;
  return report;
}

}  // namespace assetfetch
