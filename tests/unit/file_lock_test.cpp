// FileLock: one holder at a time per lock file, across open file descriptions.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/file_lock.h"
#include "test_util.h"

namespace assetfetch {
namespace {

TEST(FileLock, SecondHolderFailsUntilUnlock) {
  af_test::TempDir dir;
  const auto path = dir / "locks" / "x.lock";  // parent created on demand
  FileLock a, b;
  ASSERT_TRUE(a.try_lock(path));
  EXPECT_TRUE(a.held());
  EXPECT_FALSE(b.try_lock(path));  // another fd, same file: refused
  EXPECT_FALSE(b.held());
  EXPECT_FALSE(b.try_lock(path));
  a.unlock();
  EXPECT_FALSE(a.held());
  EXPECT_TRUE(b.try_lock(path));
  EXPECT_FALSE(a.try_lock(path));
}

TEST(FileLock, ReleasedOnDestructionAndMove) {
  af_test::TempDir dir;
  const auto path = dir / "y.lock";
  {
    FileLock a;
    ASSERT_TRUE(a.try_lock(path));
    FileLock moved(std::move(a));
    EXPECT_TRUE(moved.held());
    EXPECT_FALSE(a.held());  // NOLINT(bugprone-use-after-move): moved-from state is specified
    FileLock other;
    EXPECT_FALSE(other.try_lock(path));
  }
  FileLock c;
  EXPECT_TRUE(c.try_lock(path));
}

TEST(FileLock, OtherProcessSeesTheLock) {
  af_test::TempDir dir;
  const auto path = dir / "z.lock";
  FileLock a;
  ASSERT_TRUE(a.try_lock(path));
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    FileLock child;
    bool got = child.try_lock(path);
    ::_exit(got ? 1 : 0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "a second process took a held lock";
}

TEST(FileLock, UnusableLockFileThrows) {
  af_test::TempDir dir;
  af_test::write_file(dir / "file", "x");
  FileLock a;
  EXPECT_THROW(a.try_lock(dir / "file" / "sub.lock"), std::exception);
}

}  // namespace
}  // namespace assetfetch
