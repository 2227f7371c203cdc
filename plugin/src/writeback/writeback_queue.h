// Write-back uploads run on background threads, so they never hold up a
// fetch: the destination is installed while the upload goes on. A command
// that fetched waits for them at its end, up to a bounded time
// (JobOptions::write_back_wait); a failed or unfinished upload is a warning.
// After one upload to a store fails (its retries spent, or its HEAD found no
// server), the other uploads queued for it in this process are skipped and
// counted: a hanging store delays the exit by one timeout, not one per object.
//
// Thread safety: all members may be called from any thread. The queue lives
// for the whole process (never destroyed, so no thread is joined during
// static destruction); a host that exits without drain() cuts uploads short.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "writeback/upload.h"

namespace assetfetch {

// The public report (assetfetch/job.h), as Job::wait_uploads() returns it.
using WriteBackFailure = UploadFailure;
using WriteBackReport = UploadReport;

class WriteBackQueue {
 public:
  static WriteBackQueue& instance();

  void submit(WriteBackTask task);
  // Waits until every submitted upload finished, or `wait` passed.
  WriteBackReport drain(std::chrono::milliseconds wait);

 private:
  WriteBackQueue() = default;
  void work();

  static constexpr std::size_t kThreads = 4;
  std::mutex mutex_;
  std::condition_variable wake_;       // a task arrived
  std::condition_variable finished_;   // a task finished
  std::deque<WriteBackTask> tasks_;
  std::size_t running_ = 0;
  std::size_t succeeded_ = 0;
  std::size_t already_there_ = 0;
  std::size_t skipped_ = 0;
  std::vector<WriteBackFailure> failures_;
  // Stores (origins) that failed an upload in this process: their remaining
  // uploads are skipped, so a hanging store costs one timeout, not one per object.
  std::set<std::string> failed_stores_;
  std::vector<std::thread> threads_;
};

}  // namespace assetfetch
