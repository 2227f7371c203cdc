#include "worker/write_stage.h"

#include "platform/thread_name.h"

namespace assetfetch {

std::string WriteStage::Failure::describe() const {
  return platform::native_error_text(error) + " at byte " + std::to_string(offset);
}

WriteStage::WriteStage(std::size_t buffers, std::size_t buffer_bytes) : pool_(buffers, buffer_bytes) {}

WriteStage::~WriteStage() {
  discard();
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (hasher_.joinable()) hasher_.join();
}

std::optional<WriteStage::Failure> WriteStage::append(const Target& target, std::uint64_t offset, const char* data,
                                                      std::size_t n) {
  {
    std::lock_guard lock(mu_);
    if (failure_) return failure_;
  }
  while (n > 0) {
    if (gathering_ && (gathering_->target != target || gathering_->offset + gathering_->buffer.size() != offset))
      hand_over();  // a new run: what is gathered goes on its own
    if (!gathering_) gathering_ = Job{pool_.acquire(), offset, target};  // may wait for the stage
    const std::size_t took = gathering_->buffer.append(data, n);
    data += took;
    n -= took;
    offset += took;
    if (gathering_->buffer.full()) hand_over();
  }
  return std::nullopt;
}

void WriteStage::hand_over() {
  if (!gathering_) return;
  if (!writer_.joinable()) {
    writer_ = std::thread([this] { run_writer(); });
    hasher_ = std::thread([this] { run_hasher(); });
  }
  {
    std::lock_guard lock(mu_);
    to_write_.push_back(std::move(*gathering_));
  }
  gathering_.reset();
  cv_.notify_all();
}

std::optional<WriteStage::Failure> WriteStage::drain() {
  if (gathering_ && !writer_.joinable()) {
    // Everything fits in one buffer: no thread for it.
    if (write(*gathering_) && gathering_->target.hasher)
      gathering_->target.hasher->update_here(gathering_->buffer.data(), gathering_->buffer.size());
    gathering_.reset();
  }
  hand_over();
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return to_write_.empty() && to_hash_.empty() && !writing_ && !hashing_; });
  return failure_;
}

void WriteStage::discard() {
  gathering_.reset();
  std::deque<Job> dropped, unhashed;
  std::unique_lock lock(mu_);
  dropped.swap(to_write_);
  unhashed.swap(to_hash_);
  cv_.wait(lock, [this] { return !writing_ && !hashing_; });
  lock.unlock();
  // `dropped` and `unhashed` return their buffers here, with no lock held.
}

void WriteStage::run_writer() {
  platform::name_this_thread("af-write");  // for top -H, perf and /proc
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || !to_write_.empty(); });
    if (to_write_.empty()) return;  // stopping, nothing left
    Job job = std::move(to_write_.front());
    to_write_.pop_front();
    writing_ = true;
    lock.unlock();
    const bool hash = write(job) && job.target.hasher;
    if (!hash) job = Job{};  // the buffer goes back to the pool before anyone is told
    lock.lock();
    if (hash) to_hash_.push_back(std::move(job));  // moved on, not copied
    writing_ = false;
    cv_.notify_all();
  }
}

void WriteStage::run_hasher() {
  platform::name_this_thread("af-hash");
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || !to_hash_.empty(); });
    if (to_hash_.empty()) return;  // stopping (after discard()), nothing left
    Job job = std::move(to_hash_.front());
    to_hash_.pop_front();
    hashing_ = true;
    lock.unlock();
    job.target.hasher->update_here(job.buffer.data(), job.buffer.size());
    job = Job{};
    lock.lock();
    hashing_ = false;
    cv_.notify_all();
  }
}

bool WriteStage::write(const Job& job) {
  {
    std::lock_guard lock(mu_);
    if (failure_) return false;  // nothing after a failed write is written
  }
  const char* data = job.buffer.data();
  const std::size_t n = job.buffer.size();
  if (auto st = platform::write_all_at(*job.target.file, data, n, job.offset); !st) {
    std::lock_guard lock(mu_);
    const platform::PlatformError& e = st.error();
    failure_ = Failure{e.code == platform::Errc::no_space ? Fault::no_space : Fault::io, e.native, job.offset};
    return false;
  }
  // Only now: a kill after this line finds the span's bytes on disk.
  if (job.target.journal) job.target.journal->record(job.offset, job.offset + n);
  return true;
}

}  // namespace assetfetch
