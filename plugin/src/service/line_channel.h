// One JSON object per line over a local socket (service_protocol.h): sends
// from any thread (one line at a time), reads from one.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "platform/local_socket.h"

namespace assetfetch::service {

class LineChannel {
 public:
  explicit LineChannel(platform::LocalSocket socket) : socket_(std::move(socket)) {}

  // False once the peer is gone (or never was).
  bool send(const nlohmann::json& message);

  enum class Read { message, timeout, closed, garbled };
  // The next line within `timeout`, parsed into *out.
  Read next(nlohmann::json* out, std::chrono::milliseconds timeout);
  // As next(), but the line stays: the next call to next() returns it again.
  Read peek(nlohmann::json* out, std::chrono::milliseconds timeout);
  // True when the peer closed its end (checks without waiting).
  bool peer_closed();
  void close();

 private:
  // Waits until buffer_ holds a whole line: message (and its end in *end),
  // timeout or closed.
  Read wait_for_line(std::chrono::milliseconds timeout, std::size_t* end);

  platform::LocalSocket socket_;
  std::mutex send_mu_;
  std::string buffer_;
  bool closed_ = false;
};

}  // namespace assetfetch::service
