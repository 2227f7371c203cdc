// LoopMeter: how busy a job's transfer loop has been of late, as the share
// of wall time it spent anywhere but waiting in poll for its sockets.
//
// Why: segmenting a download over more connections can only help when the
// network (or the server) is what holds it back. A loop that hardly ever
// waits for a socket is limited by this side instead: its own receiving,
// writing and hashing, or a machine whose cores are taken by other work.
// Another connection then only adds requests and bytes read back from disk
// (issue 9, item 3: add connections only when measurement says they pay).
// A fixed bytes/s bound cannot tell the two apart on a loaded machine; this
// can.
//
// Threading: only the job's thread records and reads it.
#pragma once

#include <chrono>

namespace assetfetch {

class LoopMeter {
 public:
  using Clock = std::chrono::steady_clock;

  // The loop waited in poll from `from` to `to`.
  void waited(Clock::time_point from, Clock::time_point to);
  // Share (0..1) of the last half second to second the loop was not
  // waiting; -1 until half a second has been measured.
  double busy_share(Clock::time_point now) const;

 private:
  static constexpr Clock::duration kBucket = std::chrono::milliseconds(500);
  void roll(Clock::time_point now);

  bool started_ = false;
  Clock::time_point bucket_start_{};
  Clock::duration waited_now_{};   // in the bucket that began at bucket_start_
  Clock::duration waited_prev_{};  // in the bucket before it
  bool have_prev_ = false;
};

}  // namespace assetfetch
