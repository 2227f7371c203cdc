// The platform layer against the real OS: exclusive creates, positional I/O,
// identity, locks between two processes, replace over a file held open,
// non-ASCII names and paths past 260 characters. The same tests run natively
// (the normal suite) and as a Windows program under Wine
// (scripts/windows/test.sh). Where Wine or Linux differs from Windows, the
// test says so and checks what this OS does.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "platform/file.h"
#include "platform/fs_ops.h"
#include "platform/lock.h"
#include "platform/path.h"
#include "platform/process.h"
#include "platform_test_support.h"

namespace assetfetch::platform {
namespace {

using af_platform_test::Scratch;
using namespace std::chrono_literals;

#ifdef _WIN32
constexpr bool kWindows = true;
#else
constexpr bool kWindows = false;
#endif

void put(const std::string& path, const std::string& content) {
  Result<File> f = open_regular(path, {.write = true, .create = true});
  ASSERT_TRUE(f) << f.error().message();
  ASSERT_TRUE(truncate(f.value(), 0));
  ASSERT_TRUE(write_all_at(f.value(), content.data(), content.size(), 0));
}

std::string get(const std::string& path) {
  Result<File> f = open_regular(path);
  if (!f) return "<" + std::string(errc_name(f.error().code)) + ">";
  std::string out;
  char buf[4096];
  for (std::uint64_t at = 0;;) {
    Result<std::size_t> n = read_at(f.value(), buf, sizeof buf, at);
    if (!n || n.value() == 0) return out;
    out.append(buf, n.value());
    at += n.value();
  }
}

bool exists(const std::string& path) { return static_cast<bool>(identity_of_path(path)); }

TEST(PlatformFile, ExclusiveCreateRefusesAnExistingName) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  Result<File> first = create_exclusive(dir / "t.part");
  ASSERT_TRUE(first) << first.error().message();
  ASSERT_TRUE(write_all(first.value(), "one", 3));
  Result<File> again = create_exclusive(dir / "t.part");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::exists) << again.error().message();
  EXPECT_NE(again.error().message().find(dir / "t.part"), std::string::npos) << again.error().message();
  first.value().reset();
  EXPECT_EQ(get(dir / "t.part"), "one");  // the refused create changed nothing
}

TEST(PlatformFile, NeverThroughALink) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  put(dir / "target", "keep");
  std::error_code ec;
  std::filesystem::create_symlink(path_from_utf8(dir / "target"), path_from_utf8(dir / "link"), ec);
  if (ec) GTEST_SKIP() << "no symbolic links here (" << ec.message() << "; Windows needs a privilege or developer mode)";
  Result<File> created = create_exclusive(dir / "link");
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, Errc::exists);
  Result<File> opened = open_regular(dir / "link", {.write = true});
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, Errc::is_link) << opened.error().message();
  EXPECT_TRUE(open_regular(dir / "link", {.follow_links = true}));  // a user's own file may be a link
  Result<FileIdentity> link = identity_of_path(dir / "link");
  ASSERT_TRUE(link);
  EXPECT_EQ(link->kind, FileKind::link);
  ASSERT_TRUE(remove_file(dir / "link"));
  EXPECT_EQ(get(dir / "target"), "keep");
}

TEST(PlatformFile, RefusesAFolder) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(make_directories(dir / "a/b"));
  Result<File> f = open_regular(dir / "a/b");
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, Errc::is_directory) << f.error().message();
  Result<File> missing = open_regular(dir / "none");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
}

TEST(PlatformFile, PositionalWritesReadsAndIdentity) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  Result<File> f = create_exclusive(dir / "sparse");
  ASSERT_TRUE(f);
  const std::uint64_t far = (1ull << 20) + 7;
  ASSERT_TRUE(write_all_at(f.value(), "tail", 4, far));
  ASSERT_TRUE(write_all_at(f.value(), "head", 4, 0));
  ASSERT_TRUE(flush(f.value()));
  char buf[8] = {};
  Result<std::size_t> n = read_at(f.value(), buf, 4, far);
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(buf, n.value()), "tail");
  n = read_at(f.value(), buf, 4, 4);  // the hole reads as zeros
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(buf, n.value()), std::string(4, '\0'));
  n = read_at(f.value(), buf, 4, far + 4);
  ASSERT_TRUE(n);
  EXPECT_EQ(n.value(), 0u);
  Result<FileIdentity> id = identity(f.value());
  ASSERT_TRUE(id);
  EXPECT_EQ(id->kind, FileKind::regular);
  EXPECT_EQ(id->size, far + 4);
  EXPECT_GT(id->mtime_ns, 1600000000ll * 1000000000);  // after 2020: the epoch is 1970 on both OSes
  Result<FileIdentity> named = identity_of_path(dir / "sparse");
  ASSERT_TRUE(named);
  EXPECT_TRUE(named->same_file(id.value()));
  ASSERT_TRUE(truncate(f.value(), 2));
  EXPECT_EQ(identity(f.value())->size, 2u);
  put(dir / "other", "x");
  EXPECT_FALSE(identity_of_path(dir / "other")->same_file(id.value()));
}

TEST(PlatformFile, CopyCloneAndHardLink) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  std::string content(300000, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>('a' + i % 26);
  put(dir / "src", content);
  Result<File> in = open_regular(dir / "src");
  ASSERT_TRUE(in);
  Result<File> out = create_exclusive(dir / "copy");
  ASSERT_TRUE(out);
  ASSERT_TRUE(copy_range(in.value(), 10, out.value(), 0, content.size() - 10));
  out.value().reset();
  EXPECT_EQ(get(dir / "copy"), content.substr(10));

  Result<File> clone_out = create_exclusive(dir / "clone");
  ASSERT_TRUE(clone_out);
  Status cloned = clone_file(in.value(), clone_out.value());
  if (kWindows) {
    // Not built for Windows yet (FSCTL_DUPLICATE_EXTENTS_TO_FILE; Wine has no block cloning either).
    ASSERT_FALSE(cloned);
    EXPECT_EQ(cloned.error().code, Errc::unsupported);
  } else if (!cloned) {
    // tmpfs, ext4: no reflinks; the caller copies instead.
    EXPECT_TRUE(cloned.error().code == Errc::unsupported || cloned.error().code == Errc::invalid_argument)
        << cloned.error().message();
  } else {
    clone_out.value().reset();
    EXPECT_EQ(get(dir / "clone"), content);
  }

  ASSERT_TRUE(hard_link(dir / "src", dir / "link"));
  EXPECT_TRUE(identity_of_path(dir / "link")->same_file(identity_of_path(dir / "src").value()));
  Status taken = hard_link(dir / "src", dir / "copy");
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, Errc::exists) << taken.error().message();
  ASSERT_TRUE(make_read_only(dir / "link"));
  // Only that the call succeeds: mode 0444 does not bind root (CI runs as
  // root), and Wine keeps the attribute as that mode. On Windows the
  // attribute binds administrators too (not tested here).
}

TEST(PlatformFile, FreeSpaceAndRemoval) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  Result<std::uint64_t> space = free_space(dir.path());
  ASSERT_TRUE(space) << space.error().message();
  EXPECT_GT(space.value(), 0u);
  put(dir / "gone", "x");
  ASSERT_TRUE(remove_file(dir / "gone"));
  EXPECT_FALSE(exists(dir / "gone"));
  EXPECT_TRUE(remove_file(dir / "gone"));  // missing is success
}

TEST(PlatformReplace, ReplacesAtomically) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  put(dir / "new.part", "new");
  put(dir / "dest", "old");
  ASSERT_TRUE(replace_file(dir / "new.part", dir / "dest"));
  EXPECT_EQ(get(dir / "dest"), "new");
  EXPECT_FALSE(exists(dir / "new.part"));
  Status missing = replace_file(dir / "new.part", dir / "dest");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_EQ(get(dir / "dest"), "new");
}

// A read-only destination (a mirror's index from an earlier run, a cache
// object) is replaced, as POSIX rename() replaces it; Windows (and Wine)
// refuse a plain rename over it. Its other hard link keeps the old bytes.
TEST(PlatformReplace, ReplacesAReadOnlyDestination) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  put(dir / "new.part", "new");
  put(dir / "dest", "old");
  ASSERT_TRUE(hard_link(dir / "dest", dir / "other name"));
  ASSERT_TRUE(make_read_only(dir / "dest"));
  Status s = replace_file(dir / "new.part", dir / "dest", {.retry_for = 300ms});
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(get(dir / "dest"), "new");
  EXPECT_FALSE(exists(dir / "new.part"));
  EXPECT_EQ(get(dir / "other name"), "old");
}

// Another program holds the destination open without delete sharing (what
// std::ifstream does on Windows, like an indexer or a virus scanner).
TEST(PlatformReplace, DestinationHeldOpenElsewhere) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  put(dir / "new.part", "new");
  put(dir / "dest", "old");
  {
    std::ifstream holder(path_from_utf8(dir / "dest"));
    ASSERT_TRUE(holder.is_open());
    Status s = replace_file(dir / "new.part", dir / "dest", {.retry_for = 300ms});
    if (!kWindows) {
      // POSIX rename never meets a sharing violation: it simply succeeds.
      ASSERT_TRUE(s) << s.error().message();
      EXPECT_EQ(get(dir / "dest"), "new");
      return;
    }
    ASSERT_FALSE(s);
    // Wine reports a sharing violation; Windows may report an access denial
    // for the same situation. Both are retried, and both are typed.
    EXPECT_TRUE(s.error().code == Errc::sharing_violation || s.error().code == Errc::access_denied)
        << s.error().message();
    EXPECT_NE(s.error().message().find("attempts"), std::string::npos) << s.error().message();
    EXPECT_EQ(get(dir / "new.part"), "new");  // nothing lost
  }
  EXPECT_EQ(get(dir / "dest"), "old");
  // Held for a moment only: the retries outlast it.
  std::ifstream holder(path_from_utf8(dir / "dest"));
  ASSERT_TRUE(holder.is_open());
  std::thread release([&] {
    std::this_thread::sleep_for(150ms);
    holder.close();
  });
  const auto start = std::chrono::steady_clock::now();
  Status s = replace_file(dir / "new.part", dir / "dest", {.retry_for = 5000ms});
  release.join();
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);  // it did wait for the holder
  EXPECT_EQ(get(dir / "dest"), "new");
}

TEST(PlatformLock, TwoHandlesInOneProcessConflict) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  Result<File> a = open_regular(dir / "objects.lock", {.write = true, .create = true});
  Result<File> b = open_regular(dir / "objects.lock", {.write = true, .create = true});
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(try_lock_range(a.value(), 5, 1).value());
  EXPECT_FALSE(try_lock_range(b.value(), 5, 1).value());
  EXPECT_TRUE(try_lock_range(b.value(), 6, 1).value());  // another byte is free
  EXPECT_TRUE(range_locked_elsewhere(b.value(), 5, 1).value());
  ASSERT_TRUE(unlock_range(a.value(), 5, 1));
  EXPECT_FALSE(range_locked_elsewhere(b.value(), 5, 1).value());
  Result<File> c = open_regular(dir / "health.lock", {.write = true, .create = true});
  Result<File> d = open_regular(dir / "health.lock", {.write = true, .create = true});
  ASSERT_TRUE(c && d);
  ASSERT_TRUE(try_lock_file(c.value()).value());
  EXPECT_FALSE(try_lock_file(d.value()).value());
  ASSERT_TRUE(unlock_file(c.value()));
  EXPECT_TRUE(try_lock_file(d.value()).value());
}

// The second process is this test program started with --helper.
std::vector<std::string> helper(std::vector<std::string> args) {
  return af_platform_test::helper_command(std::move(args));
}

int run_to_end(const std::vector<std::string>& argv) {
  Result<Child> c = Child::spawn(argv);
  if (!c) return -1;
  Result<std::optional<int>> code = c.value().wait_for(30s);
  return code && code.value() ? *code.value() : -2;
}

TEST(PlatformLock, ALockHeldByOneProcessBlocksAnother) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  const std::string lock = dir / "objects.lock";
  Result<Child> holder = Child::spawn(helper({"hold", lock, "42", dir / "ready", dir / "release"}));
  ASSERT_TRUE(holder) << holder.error().message();
  EXPECT_TRUE(pid_alive(holder.value().pid()));
  for (int i = 0; i < 3000 && !exists(dir / "ready"); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(exists(dir / "ready")) << "the helper never took the lock";

  EXPECT_EQ(run_to_end(helper({"try", lock, "42"})), 1);  // a third process: held
  EXPECT_EQ(run_to_end(helper({"try", lock, "43"})), 0);  // the next byte is free
  Result<File> mine = open_regular(lock, {.write = true});
  ASSERT_TRUE(mine);
  EXPECT_FALSE(try_lock_range(mine.value(), 42, 1).value());
  EXPECT_TRUE(range_locked_elsewhere(mine.value(), 42, 1).value());

  put(dir / "release", "");
  Result<std::optional<int>> code = holder.value().wait_for(30s);
  ASSERT_TRUE(code && code.value());
  EXPECT_EQ(*code.value(), 0);
  EXPECT_TRUE(try_lock_range(mine.value(), 42, 1).value());  // released with its process
}

TEST(PlatformLock, AKilledHoldersLockIsReleased) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  const std::string lock = dir / "objects.lock";
  Result<Child> holder = Child::spawn(helper({"hold", lock, "7", dir / "ready", dir / "release"}));
  ASSERT_TRUE(holder) << holder.error().message();
  for (int i = 0; i < 3000 && !exists(dir / "ready"); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(exists(dir / "ready"));
  Result<File> mine = open_regular(lock, {.write = true});
  ASSERT_TRUE(mine);
  EXPECT_FALSE(try_lock_range(mine.value(), 7, 1).value());
  const std::uint64_t pid = holder.value().pid();
  holder.value().kill();  // SIGKILL / TerminateProcess: no cleanup runs in the holder
  EXPECT_FALSE(pid_alive(pid));
  bool taken = false;
  // Windows releases a dead process's locks "soon", not at once: bounded retries.
  for (int i = 0; i < 200 && !taken; ++i) {
    taken = try_lock_range(mine.value(), 7, 1).value();
    if (!taken) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(taken);
}

TEST(PlatformProcess, OwnPid) {
  EXPECT_TRUE(pid_alive(current_pid()));
  EXPECT_FALSE(pid_alive(0));
  unsigned char a[16] = {}, b[16] = {};
  ASSERT_TRUE(random_bytes(a, sizeof a));
  ASSERT_TRUE(random_bytes(b, sizeof b));
  EXPECT_NE(std::string(reinterpret_cast<char*>(a), 16), std::string(reinterpret_cast<char*>(b), 16));
}

// Non-ASCII names in a path of more than 260 characters (Windows' MAX_PATH):
// create, write, read back, identify, replace, link, remove.
TEST(PlatformPaths, NonAsciiNamesPastMaxPath) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  const std::string part = "\xC3\xBC" "ber-\xD1\x84\xD0\xB0\xD0\xB9\xD0\xBB-\xE6\x96\x87\xE4\xBB\xB6-"
                           "\xF0\x9F\x93\xA6-0123456789abcdefghij";  // über-файл-文件-📦-...
  std::string folder = dir.path();
  while (utf8_to_utf16(folder).value().size() < 300) folder += "/" + part;
  ASSERT_TRUE(make_directories(folder)) << make_directories(folder).error().message();
  const std::string file = folder + "/d\xC3\xA9j\xC3\xA0 vu \xE2\x98\x83.bin";  // déjà vu ☃.bin
  ASSERT_GT(utf8_to_utf16(file).value().size(), 260u);
  {
    Result<File> f = create_exclusive(file);
    ASSERT_TRUE(f) << f.error().message();
    ASSERT_TRUE(write_all(f.value(), "long", 4));
  }
  EXPECT_EQ(get(file), "long");
  EXPECT_FALSE(create_exclusive(file));
  Result<FileIdentity> id = identity_of_path(file);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->size, 4u);
  put(folder + "/\xE2\x98\x83.part", "newer");
  ASSERT_TRUE(replace_file(folder + "/\xE2\x98\x83.part", file));
  EXPECT_EQ(get(file), "newer");
  ASSERT_TRUE(hard_link(file, folder + "/second \xE5\x90\x8D"));
  EXPECT_EQ(get(folder + "/second \xE5\x90\x8D"), "newer");
  // The folder's non-ASCII name reads back through std::filesystem in UTF-8
  // (listed from the short parent; the long folder itself is listed through
  // platform::list_directory in platform_directory_test.cpp).
  bool listed = false;
  for (const auto& e : std::filesystem::directory_iterator(path_from_utf8(dir.path())))
    listed = listed || utf8_of(e.path().filename()) == part;
  EXPECT_TRUE(listed);
  ASSERT_TRUE(remove_file(file));
  EXPECT_FALSE(exists(file));
}

// A file:// URL made from a real path opens that file (a drive letter under
// Wine: Z: is the Linux root).
TEST(PlatformPaths, FileUrlOfARealFile) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  put(dir / "m \xC3\xA9.txt", "mirror");
  std::string native = dir / "m \xC3\xA9.txt";
  if (kWindows) {
    for (char& c : native)
      if (c == '/') c = '\\';
  }
  Result<std::string> url = path_to_file_url(native);
  ASSERT_TRUE(url) << url.error().message();
  if (kWindows) {
    EXPECT_EQ(url.value().rfind("file:///", 0), 0u) << url.value();  // file:///C:/... or Z:
  }
  Result<std::string> back = file_url_to_path(url.value());
  ASSERT_TRUE(back);
  EXPECT_EQ(get(back.value()), "mirror");
}

// Cache objects are read-only and hard-linked (the mirror's two indexes):
// removing one name works on Windows too, where a read-only file refuses
// deletion, and the other name keeps the bytes.
TEST(PlatformFile, RemovesAReadOnlyNameAndKeepsItsOtherLink) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  put(dir / "object", "read-only bytes");
  ASSERT_TRUE(hard_link(dir / "object", dir / "index"));
  ASSERT_TRUE(make_read_only(dir / "object"));
  Status removed = remove_file(dir / "object");
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_FALSE(identity_of_path(dir / "object"));
  EXPECT_EQ(get(dir / "index"), "read-only bytes");
  removed = remove_file(dir / "index");
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_FALSE(identity_of_path(dir / "index"));
}

}  // namespace
}  // namespace assetfetch::platform
