// ObjectLocks: one byte of one shared lock file per object; one holder per
// object across threads (one descriptor), descriptors and processes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "cache/cache.h"
#include "cache/object_lock.h"
#include "test_util.h"

namespace assetfetch {
namespace {

namespace fs = std::filesystem;

Digest digest(char c) { return Digest{HashAlgorithm::sha256, std::string(64, c)}; }

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  return out;
}

TEST(ObjectLocks, OneHolderPerObjectAmongThreadsOfOneDescriptor) {
  af_test::TempDir dir;
  ObjectLocks locks(dir / "locks" / "objects.lock");  // folder created on demand
  ObjectLock a = locks.try_lock(digest('a'));
  ASSERT_TRUE(a.held());
  bool other_thread_got_it = true;
  std::thread([&] { other_thread_got_it = locks.try_lock(digest('a')).held(); }).join();
  EXPECT_FALSE(other_thread_got_it) << "threads share the descriptor; the table must keep them apart";
  EXPECT_TRUE(locks.try_lock(digest('b')).held()) << "another object is independent";
  a.unlock();
  EXPECT_FALSE(a.held());
  EXPECT_TRUE(locks.try_lock(digest('a')).held());
  EXPECT_EQ(names_in(dir / "locks"), std::vector<std::string>{"objects.lock"}) << "one file for every object";
}

TEST(ObjectLocks, SeparateDescriptorsExcludeEachOtherUntilReleased) {
  af_test::TempDir dir;
  ObjectLocks first(dir / "objects.lock"), second(dir / "objects.lock");
  const Digest c = digest('c'), d = digest('d');
  {
    ObjectLock a = first.try_lock(c);
    ASSERT_TRUE(a.held());
    ObjectLock moved(std::move(a));
    EXPECT_FALSE(a.held());
    EXPECT_FALSE(second.try_lock(c).held()) << "moving keeps the lock";
    EXPECT_TRUE(second.held_elsewhere(&c));
    EXPECT_FALSE(second.held_elsewhere(&d));
    EXPECT_TRUE(second.held_elsewhere(nullptr)) << "some object is held";
    EXPECT_FALSE(first.held_elsewhere(&c)) << "our own lock is not someone else's";
  }
  EXPECT_FALSE(second.held_elsewhere(nullptr));
  EXPECT_TRUE(second.try_lock(c).held()) << "released on destruction";
}

// Two jobs of one process (the service's workers) each open the lock file
// (a Cache, and its ObjectLocks, per job): racing threads, each with its own
// descriptor, never hold one object at the same time. Classic fcntl locks
// belong to the process and would let both in; OFD locks and the classic
// fallback's per-handle table must not.
TEST(ObjectLocks, ThreadsWithTheirOwnDescriptorsNeverHoldOneObjectTogether) {
  af_test::TempDir dir;
  const Digest d = digest('e');
  std::atomic<int> holders{0}, most{0}, taken{0};
  auto race = [&] {
    ObjectLocks mine(dir / "objects.lock");
    for (int i = 0; i < 2000; ++i) {  // bounded
      ObjectLock l = mine.try_lock(d);
      if (!l.held()) continue;
      const int now = ++holders;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      ++taken;
      std::this_thread::yield();
      --holders;
    }
  };
  std::thread a(race), b(race);
  a.join();
  b.join();
  EXPECT_EQ(most.load(), 1);
  EXPECT_GT(taken.load(), 0);
}

TEST(ObjectLocks, AbsentFileIsNotCreatedByAProbe) {
  af_test::TempDir dir;
  ObjectLocks locks(dir / "objects.lock");
  const Digest c = digest('c');
  EXPECT_FALSE(locks.held_elsewhere(&c));
  EXPECT_FALSE(fs::exists(dir / "objects.lock"));
}

TEST(ObjectLocks, OtherProcessWaitsAndKernelReleasesOnKill) {
  af_test::TempDir dir;
  const fs::path file = dir / "objects.lock";
  const Digest c = digest('e');
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ObjectLocks mine(file);
    ObjectLock held = mine.try_lock(c);
    char ok = held.held() ? 'y' : 'n';
    (void)!::write(ready[1], &ok, 1);
    for (;;) ::pause();  // killed below, still holding
  }
  ::close(ready[1]);
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  ::close(ready[0]);
  ObjectLocks ours(file);
  const bool got_while_child_held = ours.try_lock(c).held();
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_EQ(ok, 'y');
  EXPECT_FALSE(got_while_child_held) << "another process holds it";
  EXPECT_TRUE(ours.try_lock(c).held()) << "the kernel drops a killed holder's lock";
}

TEST(ObjectLocks, LinkedLockFileIsRefusedAndItsTargetUntouched) {
  af_test::TempDir dir;
  af_test::write_file(dir / "victim", "precious");
  fs::create_directories(dir / "locks");
  fs::create_symlink(dir / "victim", dir / "locks" / "objects.lock");
  Cache cache(dir.path());
  try {
    (void)cache.try_lock_object(digest('f'));
    FAIL() << "a linked lock file was used";
  } catch (const UnsafeCache& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "locks" / "objects.lock").string() + " is a symbolic link"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(af_test::read_file(dir / "victim"), "precious");
  EXPECT_TRUE(fs::is_symlink(dir / "locks" / "objects.lock"));
}

TEST(ObjectLocks, DirectoryAtTheNameIsAnErrorNamingIt) {
  af_test::TempDir dir;
  fs::create_directories(dir / "objects.lock");
  ObjectLocks locks(dir / "objects.lock");
  try {
    (void)locks.try_lock(digest('a'));
    FAIL() << "a directory was locked";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "objects.lock").string()), std::string::npos) << e.what();
  }
}

TEST(ObjectLocks, SlotComesFromTheDigest) {
  EXPECT_EQ(ObjectLocks::slot_of(Digest{HashAlgorithm::sha256, "00000000000000ff" + std::string(48, '0')}), 255u);
  EXPECT_LT(ObjectLocks::slot_of(digest('f')), ObjectLocks::kSlots);
  EXPECT_NE(ObjectLocks::slot_of(digest('a')), ObjectLocks::slot_of(digest('b')));
}

}  // namespace
}  // namespace assetfetch
