// StreamHasher: the whole-file hash of a download, computed on a second
// thread so that hashing overlaps the transfer instead of adding to it.
//
// The first kSyncBytes are hashed inline (small files never pay for a
// thread); after that bytes are copied into blocks and handed to a hashing
// thread through a bounded queue (at most kMaxQueued blocks, so memory stays
// small whatever the file size). finish_hex() waits for the thread.
//
// Threading: update/update_here/reset/finish_hex are called by one thread
// at a time (the job's transfer thread, or a WriteStage's thread while it
// holds work: its owner drains it first); the hashing thread is private.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/file.h"

#include "verify/hasher.h"

namespace assetfetch {

class StreamHasher {
 public:
  static constexpr std::size_t kSyncBytes = 4u << 20;
  static constexpr std::size_t kBlock = 1u << 20;
  static constexpr std::size_t kMaxQueued = 8;

  explicit StreamHasher(HashAlgorithm algorithm);
  ~StreamHasher();
  StreamHasher(const StreamHasher&) = delete;
  StreamHasher& operator=(const StreamHasher&) = delete;

  void update(const void* data, std::size_t size);
  // Hashes on the calling thread, with no copy, after whatever is queued for
  // the hashing thread: for a caller that already runs off the transfer
  // thread (WriteStage), where the bytes are still in the CPU cache.
  void update_here(const void* data, std::size_t size);
  // Hashes `size` bytes of `fd` at `offset`, read straight into the hashing
  // thread's block (no extra copy). Returns the bytes hashed (< size on a
  // short read or error).
  std::size_t update_from_file(platform::NativeHandle fd, std::uint64_t offset, std::size_t size);
  std::string finish_hex();  // resets afterwards
  void reset();
  HashAlgorithm algorithm() const { return hasher_.algorithm(); }

 private:
  void push_block();
  void drain();  // waits until the thread has hashed everything queued
  void run();

  Hasher hasher_;  // touched by the hashing thread while it runs
  std::size_t inline_bytes_ = 0;
  std::vector<char> block_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<char>> queue_;
  std::vector<std::vector<char>> spare_;  // recycled blocks
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace assetfetch
