#include "verify/stream_hasher.h"

#include <algorithm>
#include <cstring>

namespace assetfetch {

StreamHasher::StreamHasher(HashAlgorithm algorithm) : hasher_(algorithm) {}

StreamHasher::~StreamHasher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StreamHasher::update(const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  if (!thread_.joinable() && inline_bytes_ + size <= kSyncBytes) {
    hasher_.update(p, size);
    inline_bytes_ += size;
    return;
  }
  if (!thread_.joinable()) {
    block_.reserve(kBlock);
    thread_ = std::thread([this] { run(); });
  }
  while (size > 0) {
    std::size_t take = std::min(size, kBlock - block_.size());
    block_.insert(block_.end(), p, p + take);
    p += take;
    size -= take;
    if (block_.size() == kBlock) push_block();
  }
}

void StreamHasher::update_here(const void* data, std::size_t size) {
  drain();  // the thread (if any) is idle afterwards: hasher_ is ours
  hasher_.update(data, size);
}

std::size_t StreamHasher::update_from_file(platform::NativeHandle fd, std::uint64_t offset, std::size_t size) {
  const platform::BorrowedFile file(fd);
  if (!thread_.joinable()) {
    // Still hashing inline: go through a small buffer.
    char buf[64 * 1024];
    std::size_t done = 0;
    while (done < size) {
      std::size_t want = std::min(sizeof buf, size - done);
      platform::Result<std::size_t> r = platform::read_at(file, buf, want, offset + done);
      if (!r || r.value() == 0) break;
      update(buf, r.value());
      done += r.value();
    }
    return done;
  }
  std::size_t done = 0;
  while (done < size) {
    std::size_t room = kBlock - block_.size();
    std::size_t want = std::min(room, size - done);
    std::size_t at = block_.size();
    block_.resize(at + want);
    platform::Result<std::size_t> r = platform::read_at(file, block_.data() + at, want, offset + done);
    if (!r || r.value() == 0) {
      block_.resize(at);
      break;
    }
    block_.resize(at + r.value());
    done += r.value();
    if (block_.size() == kBlock) push_block();
  }
  return done;
}

void StreamHasher::push_block() {
  std::unique_lock lock(mu_);
  // Bounded: the transfer waits for the hasher rather than buffering a file.
  cv_.wait(lock, [this] { return queue_.size() < kMaxQueued; });
  queue_.push_back(std::move(block_));
  if (!spare_.empty()) {
    block_ = std::move(spare_.back());
    spare_.pop_back();
  } else {
    block_ = {};
  }
  block_.clear();
  block_.reserve(kBlock);
  cv_.notify_all();
}

void StreamHasher::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop requested and nothing left
    std::vector<char> b = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    hasher_.update(b.data(), b.size());
    lock.lock();
    busy_ = false;
    b.clear();
    if (spare_.size() < 2) spare_.push_back(std::move(b));
    cv_.notify_all();
  }
}

void StreamHasher::drain() {
  if (!thread_.joinable()) return;
  if (!block_.empty()) push_block();
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

std::string StreamHasher::finish_hex() {
  drain();
  std::lock_guard lock(mu_);  // the thread is idle; the lock orders its writes before ours
  inline_bytes_ = 0;
  return hasher_.finish_hex();
}

void StreamHasher::reset() {
  drain();
  std::lock_guard lock(mu_);
  block_.clear();
  inline_bytes_ = 0;
  hasher_.reset();
}

}  // namespace assetfetch
