#include "service/line_channel.h"

namespace assetfetch::service {

bool LineChannel::send(const nlohmann::json& message) {
  std::lock_guard lock(send_mu_);
  if (!socket_.valid()) return false;
  return socket_.send_all(message.dump() + "\n").ok();
}

LineChannel::Read LineChannel::wait_for_line(std::chrono::milliseconds timeout, std::size_t* end) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {  // bounded by the deadline, or by the peer closing
    if (*end = buffer_.find('\n'); *end != std::string::npos) return Read::message;
    if (closed_) return Read::closed;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) return Read::timeout;
    auto got = socket_.receive(buffer_, left);
    if (!got) {
      if (got.error().code == platform::Errc::interrupted) return Read::timeout;
      closed_ = true;
    } else if (got.value() == 0) {
      closed_ = true;
    }
  }
}

LineChannel::Read LineChannel::next(nlohmann::json* out, std::chrono::milliseconds timeout) {
  Read r = peek(out, timeout);
  if (r == Read::message || r == Read::garbled) buffer_.erase(0, buffer_.find('\n') + 1);
  return r;
}

LineChannel::Read LineChannel::peek(nlohmann::json* out, std::chrono::milliseconds timeout) {
  std::size_t end = 0;
  if (Read r = wait_for_line(timeout, &end); r != Read::message) return r;
  try {
    *out = nlohmann::json::parse(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(end));
    return Read::message;
  } catch (const std::exception&) {
    return Read::garbled;
  }
}

bool LineChannel::peer_closed() {
  if (closed_) return true;
  auto got = socket_.receive(buffer_, std::chrono::milliseconds(0));
  if ((!got && got.error().code != platform::Errc::interrupted) || (got && got.value() == 0)) closed_ = true;
  return closed_;
}

void LineChannel::close() {
  std::lock_guard lock(send_mu_);
  socket_.close();
}

}  // namespace assetfetch::service
