// WriteStage: writes, journals and hashes a download's bytes on its own
// thread, off the libcurl write callback (issue 9, item 2).
//
// The transfer thread append()s body bytes: they are copied once, from
// libcurl's buffer into a buffer of a fixed BufferPool, and a full buffer is
// moved (never copied) down a two-thread pipeline, in order:
//   1. the writer (`af-write`) pwrite()s it at its offset,
//   2. then records the span in the FilledJournal (never before the pwrite
//      returned: after a kill every journaled span holds its bytes),
//   3. then moves it to the hasher (`af-hash`), which hashes it straight
//      from the buffer, just written (in-order bytes are never read back),
// and the buffer returns to the pool.
// Why two threads, not one that writes then hashes: measured on the 2-core
// bench machine, one thread doing both was the slowest stage of the
// download (page-cache writes there cost as much as SHA-256), slower than
// the old transfer thread that wrote while a hashing thread hashed.
//
// Back-pressure: when every buffer is out, append() blocks until the stage
// returns one. That wait is bounded by one buffer's write and hash (about a
// millisecond per MiB), and blocking the callback stops reading the socket,
// so TCP slows the sender. Pausing the transfer instead (CURL_WRITEFUNC_PAUSE)
// would need the stage to wake the multi loop and the loop to unpause the
// right easy handle (curl_easy_pause is only safe on the transfer thread),
// and libcurl copies a paused chunk into its own buffer: more code and a
// copy, to save a wait that is shorter than a multi loop turn.
//
// Memory: at most `buffers` × `buffer_bytes` (8 MiB by default) whatever
// the file size. A file that fits in one buffer never starts the threads:
// drain() writes and hashes it on the caller's thread.
//
// Errors: the first failed write becomes a Failure value (sticky: every later
// append() and drain() returns it; nothing after it is written or journaled).
//
// Lifetime: the target's fd, journal and hasher must stay valid until
// drain() or discard() returned; the owner must call one of them before
// closing the fd (a closed fd number may be reused by another file).
//
// Threading: append/drain/discard/stats from one owner thread. The journal
// must tolerate record() from the stage thread while the owner reads it
// (FilledJournal locks); the hasher is touched only by the stage while it
// holds work, so the owner must drain() before using it. No lock is held
// while writing, journaling or hashing.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cache/filled_journal.h"
#include "platform/file.h"
#include "verify/stream_hasher.h"
#include "worker/buffer_pool.h"

namespace assetfetch {

class WriteStage {
 public:
  static constexpr std::size_t kBuffers = 8;
  static constexpr std::size_t kBufferBytes = 1u << 20;

  // Where a run of bytes goes. journal/hasher may be null (not journaled,
  // not hashed: e.g. bytes ahead of the hashed prefix).
  struct Target {
    const platform::File* file = nullptr;
    FilledJournal* journal = nullptr;
    StreamHasher* hasher = nullptr;
    bool operator==(const Target&) const = default;
  };

  enum class Fault {
    no_space,  // ENOSPC, EDQUOT
    io,        // any other write error (EIO, EBADF, ...)
  };
  struct Failure {
    Fault fault = Fault::io;
    int error = 0;              // errno (or the Win32 error) of the failed write
    std::uint64_t offset = 0;   // where the failed write began
    // "<OS text> at byte <offset>" (the caller names the file).
    std::string describe() const;
  };

  explicit WriteStage(std::size_t buffers = kBuffers, std::size_t buffer_bytes = kBufferBytes);
  ~WriteStage();  // discards what is not written yet
  WriteStage(const WriteStage&) = delete;
  WriteStage& operator=(const WriteStage&) = delete;

  // Queues `n` bytes for `target` at `offset`. Bytes continuing the previous
  // append (same target, next offset) share its buffer. Blocks while the
  // pool is empty. Returns the stage's failure, if it has one.
  std::optional<Failure> append(const Target& target, std::uint64_t offset, const char* data, std::size_t n);
  // Hands over what is gathered and waits until every buffer is written,
  // journaled and hashed.
  std::optional<Failure> drain();
  // Drops what is gathered or queued (cancel, restart) and waits for the
  // buffer being written, if any. The failure, if any, stays.
  void discard();

  const BufferPool& pool() const { return pool_; }

 private:
  struct Job {
    PoolBuffer buffer;
    std::uint64_t offset = 0;
    Target target;
  };
  void hand_over();
  void run_writer();
  void run_hasher();
  // Writes, then journals; false on a failure (stored under mu_) or after one.
  bool write(const Job& job);

  BufferPool pool_;
  std::optional<Job> gathering_;  // owner thread only

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> to_write_;
  std::deque<Job> to_hash_;  // written and journaled, in file order
  bool writing_ = false;     // the writer holds a job
  bool hashing_ = false;     // the hasher holds a job
  bool stop_ = false;
  std::optional<Failure> failure_;
  std::thread writer_;  // both joined by the destructor
  std::thread hasher_;
};

}  // namespace assetfetch
