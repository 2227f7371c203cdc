// LineChannel (service/line_channel.h): one JSON object per line over the
// service's socket. peek() leaves the line for next(): the service's worker
// that takes a client reads its request's origin first (worker_pool.h), and
// serve_client() then reads the same request.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "platform/local_socket.h"
#include "service/line_channel.h"
#include "test_util.h"

namespace assetfetch::service {
namespace {

using namespace std::chrono_literals;
using Read = LineChannel::Read;

TEST(LineChannel, PeekLeavesTheLineForNext) {
  af_test::TempDir dir;
  const std::filesystem::path folder = dir / "svc";
  ASSERT_TRUE(platform::ensure_private_dir(folder));
  auto listener = platform::LocalListener::listen(folder / "s.sock");
  ASSERT_TRUE(listener) << listener.error().message();
  auto client = platform::LocalSocket::connect(folder / "s.sock");
  ASSERT_TRUE(client) << client.error().message();
  auto peer = listener->accept(5s);
  ASSERT_TRUE(peer) << peer.error().message();
  LineChannel channel(std::move(peer.value()));

  nlohmann::json j;
  EXPECT_EQ(channel.peek(&j, 0ms), Read::timeout);
  ASSERT_TRUE(client->send_all("{\"a\":"));  // half a line: not a message yet
  EXPECT_EQ(channel.peek(&j, 50ms), Read::timeout);
  ASSERT_TRUE(client->send_all("1}\n{\"b\":2}\nnot json\n"));
  ASSERT_EQ(channel.peek(&j, 5s), Read::message);
  EXPECT_EQ(j.value("a", 0), 1);
  ASSERT_EQ(channel.peek(&j, 0ms), Read::message) << "peeking again gives the same line";
  EXPECT_EQ(j.value("a", 0), 1);
  ASSERT_EQ(channel.next(&j, 0ms), Read::message);
  EXPECT_EQ(j.value("a", 0), 1);
  ASSERT_EQ(channel.next(&j, 0ms), Read::message);
  EXPECT_EQ(j.value("b", 0), 2);
  EXPECT_EQ(channel.peek(&j, 0ms), Read::garbled);
  EXPECT_EQ(channel.next(&j, 0ms), Read::garbled) << "next() takes a garbled line out";
  client->close();
  EXPECT_EQ(channel.next(&j, 5s), Read::closed);
}

}  // namespace
}  // namespace assetfetch::service
