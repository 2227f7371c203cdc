// BufferPool: a fixed number of equal write buffers, handed out as move-only
// PoolBuffer values and returned when those are destroyed (issue 9).
//
// Why a fixed pool: the download path must stay under a memory bound whatever
// the file size, and reusing the same few buffers keeps their pages mapped
// (no malloc/free of 1 MiB blocks, which costs an mmap, page faults and a
// madvise each time). Buffers are allocated on first use, so a small file
// that needs one buffer never pays for the others.
//
// acquire() blocks while every buffer is out: that is the back-pressure from
// a slow disk to the network (see write_stage.h for why blocking, not
// pausing the transfer).
//
// Thread safety: acquire() and a PoolBuffer's destruction may happen on
// different threads. The pool must outlive every PoolBuffer it handed out.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace assetfetch {

class BufferPool;

// One buffer of the pool: `capacity()` bytes of which the first `size()` are
// filled. Moving it moves the bytes' ownership, never the bytes.
class PoolBuffer {
 public:
  PoolBuffer() = default;
  ~PoolBuffer();
  PoolBuffer(PoolBuffer&& other) noexcept;
  PoolBuffer& operator=(PoolBuffer&& other) noexcept;
  PoolBuffer(const PoolBuffer&) = delete;
  PoolBuffer& operator=(const PoolBuffer&) = delete;

  explicit operator bool() const { return static_cast<bool>(bytes_); }
  char* data() { return bytes_.get(); }
  const char* data() const { return bytes_.get(); }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  std::size_t room() const { return capacity_ - size_; }
  bool full() const { return size_ == capacity_; }
  // Copies up to room() bytes in; returns how many.
  std::size_t append(const char* data, std::size_t n);

 private:
  friend class BufferPool;
  void give_back();
  BufferPool* pool_ = nullptr;
  std::unique_ptr<char[]> bytes_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

class BufferPool {
 public:
  BufferPool(std::size_t buffers, std::size_t buffer_bytes);
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // An empty buffer; waits while all `buffers` are out.
  PoolBuffer acquire();

  struct Stats {
    std::size_t allocated = 0;     // buffers ever allocated (never above the count)
    std::size_t peak_in_use = 0;   // most buffers out at once
    std::size_t waits = 0;         // acquire() calls that had to wait
    std::chrono::nanoseconds waited{0};  // their total wait
  };
  Stats stats() const;
  std::size_t buffer_bytes() const { return buffer_bytes_; }
  std::size_t count() const { return count_; }

 private:
  friend class PoolBuffer;
  void release(std::unique_ptr<char[]> bytes);

  const std::size_t count_;
  const std::size_t buffer_bytes_;
  mutable std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<char[]>> free_;
  std::size_t in_use_ = 0;
  Stats stats_;
};

}  // namespace assetfetch
