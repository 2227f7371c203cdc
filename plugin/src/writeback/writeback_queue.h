// Write-back uploads run on background threads, so they never hold up a
// fetch: the destination is installed while the upload goes on. A command
// that fetched waits for them at its end, up to a bounded time
// (JobOptions::write_back_wait); a failed or unfinished upload is a warning.
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
#include <string>
#include <thread>
#include <vector>

#include "writeback/upload.h"

namespace assetfetch {

struct WriteBackFailure {
  std::string asset;
  std::string target;   // redacted URL
  std::string reason;
};

struct WriteBackReport {
  std::vector<WriteBackFailure> failures;  // since the last drain
  std::size_t unfinished = 0;              // still queued or running at the deadline
  std::size_t succeeded = 0;               // since the last drain
};

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
  std::vector<WriteBackFailure> failures_;
  std::vector<std::thread> threads_;
};

}  // namespace assetfetch
