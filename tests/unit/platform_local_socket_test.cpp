// The background service's transport (platform/local_socket.h) and its
// detached start (platform/detached_process.h): a Unix socket on POSIX, a
// named pipe private to the user on Windows. Natively and under Wine
// (scripts/windows/test.sh), like platform_test.cpp.
//
// Where Wine differs from Windows (docs/windows.md, "Under Wine versus real
// Windows"): every Wine process runs as the one user of the prefix, so
// neither the pipe's DACL nor the peer SID checks can be seen refusing
// anyone here (they are seen passing our own user across two processes;
// a refusal is shown on Linux as root by Service.APeerOfAnotherUserIsRefused);
// and Wine 8 does not enforce FILE_FLAG_FIRST_PIPE_INSTANCE, so there the
// second listener is refused by listen()'s probe of the live one.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#ifdef _WIN32
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>
#endif

#include "platform/detached_process.h"
#include "platform/local_socket.h"
#include "platform/path.h"
#include "platform_test_support.h"

namespace assetfetch::platform {
namespace {

using af_platform_test::Scratch;
using namespace std::chrono_literals;

// Reads from `s` until `out` holds a whole line (at most `limit`).
std::string read_line(LocalSocket& s, std::chrono::milliseconds limit = 5s) {
  std::string buf;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (buf.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    auto got = s.receive(buf, 100ms);
    if (got && got.value() == 0) break;
    if (!got && got.error().code != Errc::interrupted) break;
  }
  return buf;
}

struct Rendezvous {
  Scratch scratch;
  std::filesystem::path dir = path_from_utf8(scratch / "svc");
  std::filesystem::path socket = dir / "service.sock";
};

TEST(PlatformLocalSocket, TwoEndsExchangeLinesBothWays) {
  Rendezvous r;
  ASSERT_TRUE(r.scratch.ok());
  ASSERT_TRUE(ensure_private_dir(r.dir)) << ensure_private_dir(r.dir).error().message();
  auto listener = LocalListener::listen(r.socket);
  ASSERT_TRUE(listener) << listener.error().message();
  EXPECT_TRUE(std::filesystem::exists(r.socket));  // what shows the service is up
  EXPECT_TRUE(listener->still_bound());

  std::string server_got, server_error;
  std::thread server([&] {
    auto peer = listener->accept(5s);
    if (!peer) {
      server_error = peer.error().message();
      return;
    }
    server_got = read_line(peer.value());
    if (!peer->send_all("world\n")) server_error = "send failed";
  });
  auto client = LocalSocket::connect(r.socket);
  EXPECT_TRUE(client) << client.error().message();
  if (client) {
    EXPECT_TRUE(client->send_all("hello\n"));
    EXPECT_EQ(read_line(client.value()), "world\n");
  }
  server.join();  // bounded by its accept and read limits
  ASSERT_TRUE(client);
  EXPECT_EQ(server_error, "");
  EXPECT_EQ(server_got, "hello\n");
  // The server's end is closed now: the client reads the end.
  std::string rest;
  auto end = client->receive(rest, 2s);
  ASSERT_TRUE(end) << end.error().message();
  EXPECT_EQ(end.value(), 0u);
}

// A second listener at the same place is refused (POSIX: a live socket is
// not replaced; Windows: FILE_FLAG_FIRST_PIPE_INSTANCE), and the first
// still serves.
TEST(PlatformLocalSocket, ASecondListenerIsRefusedAndTheFirstStillServes) {
  Rendezvous r;
  ASSERT_TRUE(ensure_private_dir(r.dir));
  auto first = LocalListener::listen(r.socket);
  ASSERT_TRUE(first) << first.error().message();
  auto second = LocalListener::listen(r.socket);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::exists) << second.error().message();
  EXPECT_TRUE(first->still_bound());

  // The second listen's probe may be the first peer it accepts: it answers
  // each (bounded: 50 waits of 100 ms) until the client has its line.
  std::atomic<bool> done{false};
  std::thread server([&] {
    std::vector<LocalSocket> peers;
    for (int i = 0; i < 50 && !done.load(); ++i)
      if (auto peer = first->accept(100ms)) {
        peer->send_all("first\n");
        peers.push_back(std::move(peer.value()));
      }
  });
  auto client = LocalSocket::connect(r.socket);
  EXPECT_TRUE(client) << client.error().message();
  if (client) {
    EXPECT_EQ(read_line(client.value()), "first\n");
  }
  done.store(true);
  server.join();
}

// Nobody listening is not_found (a client then starts the service); once a
// listener is closed its file is gone and the place is free again.
TEST(PlatformLocalSocket, NobodyListeningIsNotFoundAndAClosedListenerFreesThePlace) {
  Rendezvous r;
  ASSERT_TRUE(ensure_private_dir(r.dir));
  auto none = LocalSocket::connect(r.socket);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::not_found) << none.error().message();
  {
    auto listener = LocalListener::listen(r.socket);
    ASSERT_TRUE(listener) << listener.error().message();
  }
  EXPECT_FALSE(std::filesystem::exists(r.socket));
  auto gone = LocalSocket::connect(r.socket);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Errc::not_found) << gone.error().message();
  auto again = LocalListener::listen(r.socket);
  EXPECT_TRUE(again) << again.error().message();
}

// Waits are bounded: accept and receive say `interrupted` when nothing came.
TEST(PlatformLocalSocket, WaitsEndWithInterruptedWhenNothingComes) {
  Rendezvous r;
  ASSERT_TRUE(ensure_private_dir(r.dir));
  auto listener = LocalListener::listen(r.socket);
  ASSERT_TRUE(listener) << listener.error().message();
  const auto t0 = std::chrono::steady_clock::now();
  auto nobody = listener->accept(50ms);
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().code, Errc::interrupted);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);

  auto client = LocalSocket::connect(r.socket);
  ASSERT_TRUE(client) << client.error().message();
  auto peer = listener->accept(5s);
  ASSERT_TRUE(peer) << peer.error().message();
  std::string buf;
  auto silent = peer->receive(buf, 50ms);
  ASSERT_FALSE(silent);
  EXPECT_EQ(silent.error().code, Errc::interrupted);
  // A wait that ran out loses nothing: what comes next is read whole.
  ASSERT_TRUE(client->send_all("late\n"));
  EXPECT_EQ(read_line(peer.value()), "late\n");
}

// One thread waits to read while another writes on the same end (the
// service streams a job's events while it watches for the client leaving).
TEST(PlatformLocalSocket, OneThreadReadsWhileAnotherWritesOnTheSameEnd) {
  Rendezvous r;
  ASSERT_TRUE(ensure_private_dir(r.dir));
  auto listener = LocalListener::listen(r.socket);
  ASSERT_TRUE(listener) << listener.error().message();
  auto client = LocalSocket::connect(r.socket);
  ASSERT_TRUE(client) << client.error().message();
  auto peer = listener->accept(5s);
  ASSERT_TRUE(peer) << peer.error().message();
  std::string got;
  std::thread reader([&] { got = read_line(peer.value(), 10s); });
  std::this_thread::sleep_for(50ms);  // the reader is waiting now
  EXPECT_TRUE(peer->send_all("ping\n"));
  EXPECT_EQ(read_line(client.value()), "ping\n");
  EXPECT_TRUE(client->send_all("pong\n"));
  reader.join();  // bounded: 10 s
  EXPECT_EQ(got, "pong\n");
}

// spawn_detached starts a process of its own that reaches the listener
// from outside (a second process: the peer check passes for our own user),
// in a working folder that is not ours.
TEST(PlatformLocalSocket, ADetachedProcessConnectsFromOutside) {
  Rendezvous r;
  ASSERT_TRUE(ensure_private_dir(r.dir));
  auto listener = LocalListener::listen(r.socket);
  ASSERT_TRUE(listener) << listener.error().message();
  const auto command = af_platform_test::helper_command({"dial", utf8_of(r.socket)});
  ASSERT_FALSE(command.empty());
  const Status started = spawn_detached(command);
  ASSERT_TRUE(started) << started.error().message();
  auto peer = listener->accept(20s);
  ASSERT_TRUE(peer) << peer.error().message();
  const std::string line = read_line(peer.value(), 10s);
  ASSERT_EQ(line.rfind("cwd ", 0), 0u) << line;
  const std::string cwd = line.substr(4, line.size() - 5);
  std::error_code ec;
  EXPECT_NE(cwd, utf8_of(std::filesystem::current_path(ec)));
#ifdef _WIN32
  EXPECT_NE(cwd.find(":\\"), std::string::npos) << cwd;  // the Windows folder
#else
  EXPECT_EQ(cwd, "/");
#endif
}

#ifdef _WIN32
// The pipe's security descriptor, read back through a handle to it: one
// ACE, allowing this user (the SID the pipe is named after), protected
// from inheritance. (Wine stores and returns it; that it refuses other
// users cannot be seen there: one user.)
TEST(PlatformLocalSocket, ThePipeGrantsOnlyThisUser) {
  Rendezvous r;
  ASSERT_TRUE(ensure_private_dir(r.dir));
  auto listener = LocalListener::listen(r.socket);
  ASSERT_TRUE(listener) << listener.error().message();
  std::string name;
  std::getline(std::ifstream(r.socket), name);  // the file names the pipe
  ASSERT_EQ(name.rfind("\\\\.\\pipe\\assetfetch-S-1-", 0), 0u) << name;
  const std::wstring wname(name.begin(), name.end());  // ASCII
  HANDLE h = ::CreateFileW(wname.c_str(), READ_CONTROL, 0, nullptr, OPEN_EXISTING, 0, nullptr);
  ASSERT_NE(h, INVALID_HANDLE_VALUE) << ::GetLastError();
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR sd = nullptr;
  const DWORD rc = ::GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, &dacl,
                                     nullptr, &sd);
  ::CloseHandle(h);
  ASSERT_EQ(rc, static_cast<DWORD>(ERROR_SUCCESS));
  ASSERT_NE(dacl, nullptr);
  EXPECT_EQ(dacl->AceCount, 1);
  void* ace = nullptr;
  ASSERT_TRUE(::GetAce(dacl, 0, &ace));
  auto* allowed = static_cast<ACCESS_ALLOWED_ACE*>(ace);
  EXPECT_EQ(allowed->Header.AceType, ACCESS_ALLOWED_ACE_TYPE);
  wchar_t* text = nullptr;
  ASSERT_TRUE(::ConvertSidToStringSidW(&allowed->SidStart, &text));
  const std::wstring sid(text);
  ::LocalFree(text);
  EXPECT_NE(wname.find(L"-" + sid + L"-"), std::wstring::npos);
  SECURITY_DESCRIPTOR_CONTROL control = 0;
  DWORD revision = 0;
  ASSERT_TRUE(::GetSecurityDescriptorControl(sd, &control, &revision));
  EXPECT_NE(control & SE_DACL_PROTECTED, 0);
  ::LocalFree(sd);
}
#endif

TEST(PlatformLocalSocket, ThePrivateFolderIsARealFolderOfOurs) {
  Scratch s;
  ASSERT_TRUE(s.ok());
  const auto file = path_from_utf8(s / "a-file");
  { std::ofstream(file) << "x"; }
  auto st = ensure_private_dir(file);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::not_regular) << st.error().message();
  const auto nested = path_from_utf8(s / "a/b");
  ASSERT_TRUE(ensure_private_dir(nested)) << ensure_private_dir(nested).error().message();
  EXPECT_TRUE(std::filesystem::is_directory(nested));
}

}  // namespace
}  // namespace assetfetch::platform
