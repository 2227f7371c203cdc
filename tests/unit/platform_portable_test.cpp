// The POSIX build's choice of mechanisms (plugin/src/platform/posix/
// features.h): Linux calls by default, the portable fallbacks that macOS and
// the BSDs compile with ASSETFETCH_PORTABLE_POSIX=ON (AF_TEST_PORTABLE_POSIX
// here, set from the same option). Each mechanism is checked from outside
// where Linux shows it: the lock's kind in /proc/locks, the read calls of a
// copy in /proc/self/io. And the per-handle lock semantics the engine relies
// on, which the classic-lock fallback must keep: closing one handle of a
// lock file never drops another handle's locks, a handle's locks go with it,
// threads with their own handles exclude each other. POSIX only.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "platform/file.h"
#include "platform/fs_ops.h"
#include "platform/lock.h"
#include "platform/posix/classic_locks.h"
#include "platform/posix/mechanisms.h"
#include "platform/process.h"
#include "platform_test_support.h"

namespace assetfetch::platform {
namespace {

using af_platform_test::Scratch;
using namespace std::chrono_literals;

#if defined(AF_TEST_PORTABLE_POSIX) || !defined(__linux__)
#define AF_FALLBACKS 1
constexpr bool kFallbacks = true;
#else
constexpr bool kFallbacks = false;
#endif
#ifdef __linux__
constexpr bool kLinux = true;
#else
constexpr bool kLinux = false;
#endif

TEST(PlatformMechanisms, FollowTheBuildOption) {
  const posix::Mechanisms m = posix::mechanisms();
  EXPECT_EQ(m.file_lock, "flock");
  Result<std::string> self = executable_path();
  if (kFallbacks) {
    EXPECT_EQ(m.clone, "none");
    EXPECT_EQ(m.copy, "read/write");
    EXPECT_EQ(m.range_lock, "F_SETLK + in-process table");
    EXPECT_EQ(m.executable_path, "none");
    EXPECT_EQ(m.thread_name, "none");
    ASSERT_FALSE(self);
    EXPECT_EQ(self.error().code, Errc::unsupported);
  } else {
    EXPECT_EQ(m.clone, "FICLONE");
    EXPECT_EQ(m.copy, "copy_file_range");
    EXPECT_EQ(m.range_lock, "F_OFD_SETLK");
    EXPECT_EQ(m.executable_path, "/proc/self/exe");
    EXPECT_EQ(m.thread_name, "pthread_setname_np");
    ASSERT_TRUE(self);
    EXPECT_EQ(self.value().front(), '/');
  }
}

// The kinds of lock /proc/locks lists on the file with inode `ino`.
std::vector<std::string> kernel_lock_kinds(std::uint64_t ino) {
  std::ifstream in("/proc/locks");
  std::vector<std::string> kinds;
  std::string line;
  const std::string suffix = ":" + std::to_string(ino);
  while (std::getline(in, line)) {
    // "1: OFDLCK ADVISORY WRITE -1 fd:01:1234 5 5" (a blocked waiter has "->" first)
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string w; fields >> w;)
      if (w != "->") f.push_back(w);
    if (f.size() >= 6 && f[5].size() > suffix.size() &&
        f[5].compare(f[5].size() - suffix.size(), suffix.size(), suffix) == 0)
      kinds.push_back(f[1]);
  }
  return kinds;
}

TEST(PlatformMechanisms, TheKernelHoldsTheLockKindTheBuildChose) {
  if (!kLinux) GTEST_SKIP() << "/proc/locks is Linux's";
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  Result<File> f = open_regular(dir / "objects.lock", {.write = true, .create = true});
  ASSERT_TRUE(f);
  Result<FileIdentity> id = identity(f.value());
  ASSERT_TRUE(id);
  EXPECT_TRUE(kernel_lock_kinds(id->file_id).empty());
  ASSERT_TRUE(try_lock_range(f.value(), 5, 1).value());
  EXPECT_EQ(kernel_lock_kinds(id->file_id), std::vector<std::string>{kFallbacks ? "POSIX" : "OFDLCK"});
  ASSERT_TRUE(unlock_range(f.value(), 5, 1));
  EXPECT_TRUE(kernel_lock_kinds(id->file_id).empty());

  Result<File> g = open_regular(dir / "health.lock", {.write = true, .create = true});
  ASSERT_TRUE(g);
  Result<FileIdentity> gid = identity(g.value());
  ASSERT_TRUE(gid);
  ASSERT_TRUE(try_lock_file(g.value()).value());
  EXPECT_EQ(kernel_lock_kinds(gid->file_id), std::vector<std::string>{"FLOCK"});
}

// Read system calls this process has made (/proc/self/io syscr).
std::optional<std::uint64_t> read_calls() {
  std::ifstream in("/proc/self/io");
  std::string key;
  std::uint64_t value = 0;
  while (in >> key >> value)
    if (key == "syscr:") return value;
  return std::nullopt;
}

TEST(PlatformMechanisms, ACopyTakesTheBuildsPath) {
  if (!kLinux) GTEST_SKIP() << "/proc/self/io is Linux's";
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  constexpr std::size_t kSize = 16u << 20;  // 16 reads through the fallback's 1 MiB buffer
  std::string data(kSize, '\0');
  for (std::size_t i = 0; i < kSize; ++i) data[i] = static_cast<char>(i * 131 + (i >> 12));
  Result<File> in = create_exclusive(dir / "in");
  Result<File> out = create_exclusive(dir / "out");
  ASSERT_TRUE(in && out);
  ASSERT_TRUE(write_all_at(in.value(), data.data(), data.size(), 0));
  const std::optional<std::uint64_t> before = read_calls();
  ASSERT_TRUE(before) << "no /proc/self/io (task I/O accounting)";
  ASSERT_TRUE(copy_range(in.value(), 0, out.value(), 0, kSize));
  const std::uint64_t calls = read_calls().value_or(0) - *before;
  // Reading /proc/self/io itself counts about 2.
  if (kFallbacks)
    EXPECT_GE(calls, 16u) << "the portable build copies through a buffer";
  else
    EXPECT_LT(calls, 8u) << "copy_file_range copies in the kernel, in one call or a few";
  std::string back(kSize, '\0');
  Result<std::size_t> n = read_at(out.value(), back.data(), kSize, 0);
  ASSERT_TRUE(n);
  EXPECT_EQ(n.value(), kSize);
  EXPECT_TRUE(back == data);
}

// Exit code of a helper process that tries to lock `offset` of `file`:
// 0 when it could (free for other processes), 1 when held.
int other_process_tries(const std::string& file, std::uint64_t offset) {
  const std::vector<std::string> argv = af_platform_test::helper_command({"try", file, std::to_string(offset)});
  if (argv.empty()) return -1;
  Result<Child> c = Child::spawn(argv);
  if (!c) return -1;
  Result<std::optional<int>> code = c.value().wait_for(30s);
  return code && code.value() ? *code.value() : -2;
}

TEST(PlatformLockPerHandle, ClosingAnotherHandleOfTheFileKeepsTheLocks) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  const std::string lock = dir / "objects.lock";
  Result<File> holder = open_regular(lock, {.write = true, .create = true});
  ASSERT_TRUE(holder);
  ASSERT_TRUE(try_lock_range(holder.value(), 5, 1).value());
  ASSERT_TRUE(try_lock_range(holder.value(), 9, 1).value());
  {
    // What the engine does meanwhile: a second Cache's table, a probe.
    Result<File> other = open_regular(lock, {.write = true});
    Result<File> probe = open_regular(lock);
    ASSERT_TRUE(other && probe);
    EXPECT_FALSE(try_lock_range(other.value(), 5, 1).value());
    EXPECT_TRUE(range_locked_elsewhere(probe.value(), 9, 1).value());
    EXPECT_TRUE(range_locked_elsewhere(probe.value(), 0, 1u << 20).value());
    EXPECT_FALSE(range_locked_elsewhere(holder.value(), 5, 1).value()) << "our own lock is not elsewhere";
  }  // both closed here: classic locks would all be gone now
  EXPECT_EQ(other_process_tries(lock, 5), 1);
  EXPECT_EQ(other_process_tries(lock, 9), 1);
  EXPECT_EQ(other_process_tries(lock, 6), 0);
#ifdef AF_FALLBACKS
  EXPECT_EQ(posix::parked_descriptors(), 2u) << "closed when the last lock goes";
#endif
  ASSERT_TRUE(unlock_range(holder.value(), 5, 1));
  EXPECT_EQ(other_process_tries(lock, 5), 0);
  EXPECT_EQ(other_process_tries(lock, 9), 1);
  ASSERT_TRUE(unlock_range(holder.value(), 9, 1));
#ifdef AF_FALLBACKS
  EXPECT_EQ(posix::parked_descriptors(), 0u);
#endif
  EXPECT_EQ(other_process_tries(lock, 9), 0);
}

TEST(PlatformLockPerHandle, AHandlesLocksGoWithItAndOnlyItsOwn) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  const std::string lock = dir / "objects.lock";
  Result<File> a = open_regular(lock, {.write = true, .create = true});
  Result<File> b = open_regular(lock, {.write = true});
  Result<File> c = open_regular(lock, {.write = true});
  ASSERT_TRUE(a && b && c);
  ASSERT_TRUE(try_lock_range(a.value(), 5, 1).value());
  ASSERT_TRUE(try_lock_range(b.value(), 6, 1).value());
  ASSERT_TRUE(try_lock_range(c.value(), 7, 3).value());
  a.value().reset();  // closing the holder releases its byte
  EXPECT_EQ(other_process_tries(lock, 5), 0);
  EXPECT_EQ(other_process_tries(lock, 6), 1);
  // An unlock wider than what the handle holds frees only its own bytes.
  ASSERT_TRUE(unlock_range(c.value(), 0, 100));
  EXPECT_EQ(other_process_tries(lock, 8), 0);
  EXPECT_EQ(other_process_tries(lock, 6), 1);
  // Part of a range: the rest stays held.
  ASSERT_TRUE(try_lock_range(c.value(), 20, 10).value());
  ASSERT_TRUE(unlock_range(c.value(), 24, 2));
  EXPECT_EQ(other_process_tries(lock, 25), 0);
  EXPECT_EQ(other_process_tries(lock, 23), 1);
  EXPECT_EQ(other_process_tries(lock, 26), 1);
  Result<File> d = open_regular(lock, {.write = true});
  ASSERT_TRUE(d);
  EXPECT_TRUE(try_lock_range(d.value(), 24, 2).value());
  EXPECT_FALSE(try_lock_range(d.value(), 29, 1).value());
}

TEST(PlatformLockPerHandle, OneWinnerAmongThreadsWithTheirOwnHandles) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  const std::string lock = dir / "objects.lock";
  constexpr int kThreads = 6, kRounds = 30;
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<int> winners{0}, errors{0};
    std::vector<File> handles(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        Result<File> f = open_regular(lock, {.write = true, .create = true});
        if (!f) {
          ++errors;
          return;
        }
        Result<bool> taken = try_lock_range(f.value(), 3, 1);
        if (!taken) {
          ++errors;
        } else if (taken.value()) {
          ++winners;
        }
        handles[static_cast<std::size_t>(t)] = std::move(f).value();  // the winner keeps holding
      });
    for (std::thread& th : threads) th.join();
    EXPECT_EQ(errors.load(), 0);
    ASSERT_EQ(winners.load(), 1) << "round " << round;
    if (round == 0) {
      EXPECT_EQ(other_process_tries(lock, 3), 1);
    }
    handles.clear();  // every handle closes, the winner's lock with it
  }
  EXPECT_EQ(other_process_tries(lock, 3), 0);
}

}  // namespace
}  // namespace assetfetch::platform
