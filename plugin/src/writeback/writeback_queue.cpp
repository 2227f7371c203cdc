#include "writeback/writeback_queue.h"

#include "transfer/redact.h"
#include "writeback/store_marks.h"

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
    const std::string store = url_origin(task.target.url);
    if (failed_stores_.count(store)) {
      ++skipped_;
      finished_.notify_all();
      continue;
    }
    ++running_;
    lock.unlock();
    UploadNote note;
    std::string reason = run_write_back(task, &note);
    lock.lock();
    --running_;
    if (reason.empty()) {
      StoreMarks::add(task.mark);
      ++succeeded_;
      if (note.already_there) ++already_there_;
    } else {
      failed_stores_.insert(store);
      failures_.push_back({task.asset, redact_url(task.target.url), std::move(reason)});
    }
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
  report.already_there = already_there_;
  report.skipped = skipped_;
  succeeded_ = already_there_ = skipped_ = 0;
  // The next job of a long-lived host tries the stores again, once nothing
  // of this one is left to skip.
  if (tasks_.empty() && running_ == 0) failed_stores_.clear();
  report.unfinished = tasks_.size() + running_;
  return report;
}

}  // namespace assetfetch
