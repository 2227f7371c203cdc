// platform/terminal.h: a standard stream on a file is not a terminal; on a
// pseudo-terminal (POSIX) it is. The stream is swapped for the test and put
// back.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

#include "platform/terminal.h"

namespace {

using assetfetch::platform::is_terminal;
using assetfetch::platform::StdStream;

#ifdef _WIN32
TEST(PlatformTerminal, AStreamOnAFileIsNoTerminal) {
  const HANDLE saved = ::GetStdHandle(STD_ERROR_HANDLE);
  const HANDLE file = ::CreateFileW(L"af_terminal_probe.txt", GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE |
                                    FILE_SHARE_DELETE, nullptr, CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, nullptr);
  ASSERT_NE(file, INVALID_HANDLE_VALUE);
  ::SetStdHandle(STD_ERROR_HANDLE, file);
  const bool terminal = is_terminal(StdStream::err);
  ::SetStdHandle(STD_ERROR_HANDLE, saved);
  ::CloseHandle(file);
  EXPECT_FALSE(terminal);
}
#else
// Puts `fd` in place of `target` (1 or 2), asks, and puts the stream back.
bool terminal_with(int target, int fd, StdStream stream) {
  std::fflush(nullptr);
  const int saved = ::dup(target);
  ::dup2(fd, target);
  const bool terminal = is_terminal(stream);
  ::dup2(saved, target);
  ::close(saved);
  return terminal;
}

TEST(PlatformTerminal, AStreamOnAFileIsNoTerminal) {
  char name[] = "/tmp/af_terminal_probe_XXXXXX";
  const int fd = ::mkstemp(name);
  ASSERT_GE(fd, 0);
  ::unlink(name);
  EXPECT_FALSE(terminal_with(2, fd, StdStream::err));
  EXPECT_FALSE(terminal_with(1, fd, StdStream::out));
  ::close(fd);
}

TEST(PlatformTerminal, AStreamOnAPseudoTerminalIsATerminal) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0) GTEST_SKIP() << "no pseudo-terminals here";
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  const int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(slave, 0);
  EXPECT_TRUE(terminal_with(2, slave, StdStream::err));
  EXPECT_TRUE(terminal_with(1, slave, StdStream::out));
  ::close(slave);
  ::close(master);
}
#endif

}  // namespace
