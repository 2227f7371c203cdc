// JobImpl::run: the transfer thread. One libcurl multi handle drives every
// file's transfers (connection reuse, HTTP/2 multiplexing, many files at
// once); FileWorkers decide what to request next.
//
// Each turn: schedule and publish snapshots under mu_, deliver the queued
// callbacks with no lock held, then let libcurl move bytes (unlocked: only
// this thread touches the workers while it runs).
#include <algorithm>
#include <set>

#include "core/job_impl.h"
#include "core/multi_session.h"

namespace assetfetch {

namespace {

bool settled(FileWorker::Phase ph) { return ph == FileWorker::Phase::done || ph == FileWorker::Phase::failed; }

constexpr auto kProgressInterval = std::chrono::milliseconds(100);
// The longest the loop sleeps without an event: a bound for the workers'
// time-based decisions (a segment probe's timer) while no byte arrives.
constexpr auto kMaxIdle = std::chrono::milliseconds(250);

}  // namespace

void JobImpl::publish_all_locked(bool every_file) {
  const auto now = Clock::now();
  for (auto& f : files_) {
    if (!f->worker) continue;
    // A settled worker does not change again: its last snapshot stands.
    if (settled(f->snapshot.phase) && f->snapshot.published && !f->progressed) continue;
    // Nor does one the loop left alone since (the files queued behind the
    // running ones): copying 1000 snapshots per turn of the loop was 8% of a
    // sync's CPU for 1000 small files, and grows with the square of the count.
    if (!every_file && f->snapshot.published && !f->touched && !f->progressed) continue;
    f->touched = false;
    f->publish_locked();
    if (!f->progressed) continue;
    f->progressed = false;
    if (state_ == JobState::connecting) state_ = JobState::transferring;
    if (now - last_progress_ < kProgressInterval) continue;
    last_progress_ = now;
    Progress p;
    p.files_total = 1;
    p.bytes_transferred = f->snapshot.bytes_transferred;
    if (f->snapshot.bytes_total) {
      p.bytes_total = *f->snapshot.bytes_total;
      p.bytes_total_known = true;
    }
    FileImpl* file = f.get();
    events_.push_back([p, file](const JobCallbacks& cb) {
      if (cb.progress) cb.progress(p, *file);
    });
  }
}

void JobImpl::deliver_events() {
  if (events_.empty()) return;
  std::shared_ptr<const JobCallbacks> cb;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cb = callbacks_;
  }
  // Callbacks may take long or call the getters: no lock is held here.
  for (auto& e : std::exchange(events_, {})) e(*cb);
}

JobImpl::Turn JobImpl::schedule_locked(MultiSession& session) {
  Turn turn;
  const auto now = Clock::now();
  auto wait_for = [&](const FileWorker& w) {
    turn.any_waiting = true;
    turn.next_wake = std::min(turn.next_wake, w.wake_at());
  };
  // -j N is a cap. Automatic: up to kAutoParallelFiles files with a transfer
  // to a server that cannot multiplex (plain http, or https that answered over
  // HTTP/1.1: libcurl keeps 8 connections per host), and up to
  // kAutoParallelFilesMultiplexed in all otherwise. An https server not heard
  // from yet counts as multiplexing: its first files all wait (PIPEWAIT) for
  // the first connection, so over HTTP/2 they go as streams in the first
  // round trip (issue 19: starting with 8 cost a round); over HTTP/1.1 the
  // extra ones wait in libcurl's queue, whose time no timer counts
  // (Transfer::on_progress), and no new file starts until under 8 are left.
  const bool automatic = options_.max_parallel_files <= 0;
  const auto max_files = static_cast<std::size_t>(automatic ? kAutoParallelFilesMultiplexed
                                                            : options_.max_parallel_files);
  std::size_t busy_files = 0;
  for (auto& f : files_)
    if (f->worker && f->worker->phase() == FileWorker::Phase::transferring) ++busy_files;
  std::set<const FileImpl*> single_stream_files;  // files with a transfer to a server that cannot multiplex
  if (automatic)
    for (const auto& e : session.active())
      if (!session.may_multiplex(e.transfer->request().url)) single_stream_files.insert(e.file);
  auto slot_free = [&] {
    if (busy_files >= max_files) return false;
    return !automatic || single_stream_files.size() < static_cast<std::size_t>(kAutoParallelFiles);
  };
  for (auto& f : files_) {
    auto* w = f->worker.get();
    if (!w) continue;  // already in place
    if (f->pending_remote_name) {
      w->set_pending_remote_name(*std::exchange(f->pending_remote_name, std::nullopt));
      f->touched = true;
    }
    auto ph = w->phase();
    if (settled(ph)) continue;
    turn.all_settled = false;
    if (ph == FileWorker::Phase::waiting && now < w->wake_at()) {
      wait_for(*w);
      continue;
    }
    // A file already transferring may add segments; a new one waits for a slot.
    if (ph != FileWorker::Phase::transferring && !slot_free()) continue;
    bool was_busy = ph == FileWorker::Phase::transferring;
    f->touched = true;
    for (int k = 0; k < 8; ++k) {  // bounded: one transfer per call
      auto t = w->next(now);
      if (!t) break;
      if (automatic && !session.may_multiplex(t->request().url)) single_stream_files.insert(f.get());
      session.add(f.get(), std::move(t));
    }
    if (!was_busy && w->phase() == FileWorker::Phase::transferring) ++busy_files;
    if (w->phase() == FileWorker::Phase::done) queue_transferred(f.get());
    else if (w->phase() == FileWorker::Phase::waiting) wait_for(*w);
  }
  if (!session.empty() && state_ == JobState::transient_error) state_ = JobState::connecting;
  if (session.empty() && turn.any_waiting) state_ = JobState::transient_error;
  publish_all_locked();
  return turn;
}

void JobImpl::idle_until(MultiSession& session, Clock::time_point until) {
  const auto now = Clock::now();
  const auto wait = until <= now            ? std::chrono::milliseconds(0)
                    : until - now > kMaxIdle ? kMaxIdle
                                             : std::chrono::ceil<std::chrono::milliseconds>(until - now);
  if (session.started()) {
    session.poll(static_cast<int>(wait.count()));  // curl_multi_wakeup() ends it early
    loop_meter_.waited(now, Clock::now());
    return;
  }
  std::unique_lock<std::mutex> lock(wake_mu_);
  wake_cv_.wait_for(lock, wait, [this] { return stop_.load(); });
}

void JobImpl::queue_transferred(FileImpl* file) {
  events_.push_back([file](const JobCallbacks& cb) {
    if (cb.file_transferred) cb.file_transferred(*file);
  });
}

void JobImpl::run() {
  MultiSession session(connection_share_);
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    live_session_ = &session;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    persist("transferring");
    state_ = JobState::connecting;
    // Files already in place count as transferred (BITS has no "skipped").
    for (auto& f : files_)
      if (f->in_place && !f->in_place_announced) {
        f->in_place_announced = true;
        queue_transferred(f.get());
      }
  }
  deliver_events();
  run_prefetch();  // another process may fill the cache first (core/prefetch.h)
  while (!stop_) {
    Turn turn;
    {
      std::lock_guard<std::mutex> lock(mu_);
      turn = schedule_locked(session);
    }
    deliver_events();
    if (turn.all_settled && session.empty()) break;
    if (!session.started()) {
      if (turn.any_waiting) idle_until(session, turn.next_wake);
      continue;
    }
    session.perform();
    bool finished_any = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      session.for_each_done([this, &finished_any](MultiSession::Entry& e, CURLcode code) {
        finished_any = true;
        e.file->touched = true;
        e.file->worker->on_transfer_done(*e.transfer, code);
        if (e.file->worker->phase() == FileWorker::Phase::done) queue_transferred(e.file);
      });
      // A file that failed or finished while other transfers of it were in
      // flight (segments, ranges): stop those now rather than wait for them.
      session.drop_if([](const MultiSession::Entry& e) { return settled(e.file->worker->phase()); });
      publish_all_locked();
    }
    deliver_events();
    // A transfer ended: schedule at once. Its file may ask for the next
    // request (failover, a range, a segment) and a queued file may take its
    // slot; sleeping first would leave a connection idle for a round trip or
    // until the poll timeout (issue 19: up to 250 ms per file at RTT 50 ms).
    if (finished_any) continue;
    // Transfers in flight: until their sockets or libcurl's timers say so.
    // None: until the first waiting file may go on.
    if (!session.empty() || turn.any_waiting) idle_until(session, turn.next_wake);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& e : session.take_all()) e.file->worker->interrupt();
    if (!stop_) {
      ErrorContext first_error;
      for (auto& f : files_) {
        if (f->worker && f->worker->phase() == FileWorker::Phase::failed && first_error.code == ErrorCode::ok)
          first_error = f->worker->error();
      }
      if (first_error.code != ErrorCode::ok) {
        error_ = first_error;
        state_ = JobState::error;
        persist("error");
        events_.push_back([e = error_](const JobCallbacks& cb) {
          if (cb.error) cb.error(e);
        });
      } else {
        state_ = JobState::transferred;
      }
    }
    publish_all_locked(true);  // interrupt() above changed the workers it stopped
  }
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    live_session_ = nullptr;
  }
  // The last callbacks run before wait() returns.
  deliver_events();
  if (health_) health_->save();
  std::lock_guard<std::mutex> lock(mu_);
  running_ = false;
  cv_.notify_all();
}

}  // namespace assetfetch
