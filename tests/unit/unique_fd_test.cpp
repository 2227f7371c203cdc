// open_new_temporary() and friends: never through a link, never onto an
// existing file, names nobody can guess; write_file_atomic() replaces a link
// at its target instead of writing through it.
#include <gtest/gtest.h>

#include <set>
#include <system_error>

#include "cache/unique_fd.h"
#include "platform/process.h"
#include "test_util.h"

namespace assetfetch {
namespace {

namespace fs = std::filesystem;

TEST(UniqueFd, NewTemporaryRefusesALinkAndAnExistingFile) {
  af_test::TempDir dir;
  af_test::write_file(dir / "target", "keep");
  fs::create_symlink(dir / "target", dir / "link.part");
  EXPECT_THROW(open_new_temporary(dir / "link.part", false), std::system_error);
  EXPECT_THROW(open_new_temporary(dir / "target", false), std::system_error);
  // replace: the link itself goes, its target stays as it was.
  UniqueFd fd = open_new_temporary(dir / "link.part", true);
  ASSERT_TRUE(fd);
  ASSERT_TRUE(assetfetch::platform::write_all(fd, "new", 3));
  EXPECT_FALSE(fs::is_symlink(dir / "link.part"));
  EXPECT_EQ(af_test::read_file(dir / "link.part"), "new");
  EXPECT_EQ(af_test::read_file(dir / "target"), "keep");
}

TEST(UniqueFd, ExistingRegularOnlyNeverThroughALink) {
  af_test::TempDir dir;
  af_test::write_file(dir / "target", "keep");
  fs::create_symlink(dir / "target", dir / "x.lock");
  try {
    open_or_create_regular(dir / "x.lock");
    ADD_FAILURE() << "opened through a link";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "x.lock").string()), std::string::npos) << e.what();
  }
  fs::create_directory(dir / "d.lock");
  EXPECT_THROW(open_or_create_regular(dir / "d.lock"), std::system_error);
  EXPECT_TRUE(open_or_create_regular(dir / "new.lock"));
  EXPECT_TRUE(open_regular_readonly(dir / "target"));
  EXPECT_THROW(open_regular_readonly(dir / "x.lock"), std::system_error);
}

TEST(UniqueFd, TemporaryNamesCarryThePidAndDiffer) {
  af_test::TempDir dir;
  std::set<fs::path> names;
  for (int i = 0; i < 50; ++i) {
    NewTemporary t = create_temporary_in(dir.path(), "stem", ".tmp");
    ASSERT_TRUE(t.fd);
    names.insert(t.path);
    const std::string name = t.path.filename().string();
    EXPECT_EQ(name.rfind("stem." + std::to_string(assetfetch::platform::current_pid()) + ".", 0), 0u) << name;
    EXPECT_EQ(name.size(), std::string("stem.").size() + std::to_string(assetfetch::platform::current_pid()).size() + 1 + 16 + 4) << name;
  }
  EXPECT_EQ(names.size(), 50u);
}

TEST(UniqueFd, AtomicWriteReplacesALinkNotItsTarget) {
  af_test::TempDir dir;
  af_test::write_file(dir / "target", "keep");
  fs::create_symlink(dir / "target", dir / "record.json");
  write_file_atomic(dir / "record.json", "{}");
  EXPECT_FALSE(fs::is_symlink(dir / "record.json"));
  EXPECT_EQ(af_test::read_file(dir / "record.json"), "{}");
  EXPECT_EQ(af_test::read_file(dir / "target"), "keep");
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 2u) << "no temporary left behind";
}

TEST(UniqueFd, MoveTransfersOwnership) {
  af_test::TempDir dir;
  UniqueFd a = open_new_temporary(dir / "f", false);
  const assetfetch::platform::NativeHandle raw = a.get();
  UniqueFd b = std::move(a);
  EXPECT_FALSE(a);
  EXPECT_EQ(b.get(), raw);
  b.reset();
  EXPECT_FALSE(b);
}

TEST(UniqueFd, PrivateDirectoriesAreNewUnpredictableAndOnlyOurs) {
  af_test::TempDir dir;
  // A name someone planted (here a link to elsewhere) is never reused.
  fs::create_directory_symlink(dir.path(), dir.path() / "work-planted");
  std::set<fs::path> made;
  for (int i = 0; i < 5; ++i) {
    fs::path p = create_private_directory(dir.path(), "work-");
    EXPECT_EQ(p.parent_path(), dir.path());
    EXPECT_FALSE(fs::is_symlink(p));
    EXPECT_EQ(fs::status(p).permissions() & fs::perms::all, fs::perms::owner_all);
    made.insert(p);
  }
  EXPECT_EQ(made.size(), 5u);
  EXPECT_THROW(create_private_directory(dir.path() / "missing", "work-"), std::system_error);
}

}  // namespace
}  // namespace assetfetch
