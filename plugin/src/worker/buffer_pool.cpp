#include "worker/buffer_pool.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace assetfetch {

PoolBuffer::~PoolBuffer() { give_back(); }

PoolBuffer::PoolBuffer(PoolBuffer&& other) noexcept
    : pool_(other.pool_), bytes_(std::move(other.bytes_)), capacity_(other.capacity_), size_(other.size_) {
  other.pool_ = nullptr;
  other.capacity_ = other.size_ = 0;
}

PoolBuffer& PoolBuffer::operator=(PoolBuffer&& other) noexcept {
  if (this != &other) {
    give_back();
    pool_ = std::exchange(other.pool_, nullptr);
    bytes_ = std::move(other.bytes_);
    capacity_ = std::exchange(other.capacity_, 0);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

std::size_t PoolBuffer::append(const char* data, std::size_t n) {
  const std::size_t take = std::min(n, room());
  std::memcpy(bytes_.get() + size_, data, take);
  size_ += take;
  return take;
}

void PoolBuffer::give_back() {
  if (pool_ && bytes_) pool_->release(std::move(bytes_));
  pool_ = nullptr;
  capacity_ = size_ = 0;
}

BufferPool::BufferPool(std::size_t buffers, std::size_t buffer_bytes)
    : count_(std::max<std::size_t>(buffers, 1)), buffer_bytes_(std::max<std::size_t>(buffer_bytes, 1)) {}

PoolBuffer BufferPool::acquire() {
  std::unique_lock lock(mu_);
  if (free_.empty() && stats_.allocated == count_) {
    const auto began = std::chrono::steady_clock::now();
    returned_.wait(lock, [this] { return !free_.empty(); });
    ++stats_.waits;
    stats_.waited += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - began);
  }
  PoolBuffer b;
  if (!free_.empty()) {
    b.bytes_ = std::move(free_.back());
    free_.pop_back();
  } else {
    // Not zero-filled: every byte handed to a reader was appended first.
    b.bytes_ = std::make_unique_for_overwrite<char[]>(buffer_bytes_);
    ++stats_.allocated;
  }
  b.pool_ = this;
  b.capacity_ = buffer_bytes_;
  ++in_use_;
  stats_.peak_in_use = std::max(stats_.peak_in_use, in_use_);
  return b;
}

void BufferPool::release(std::unique_ptr<char[]> bytes) {
  {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(bytes));
    --in_use_;
  }
  returned_.notify_one();
}

BufferPool::Stats BufferPool::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace assetfetch
