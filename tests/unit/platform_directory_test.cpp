// Folder listings and tree removal (platform/directory.h) against the real
// OS, natively and as a Windows program under Wine (scripts/windows/test.sh):
// non-ASCII names, folders past 260 characters (where mingw-w64's
// std::filesystem::directory_iterator listed the current folder instead),
// read-only files, links listed but never entered.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "platform/directory.h"
#include "platform/file.h"
#include "platform/fs_ops.h"
#include "platform/path.h"
#include "platform_test_support.h"

namespace assetfetch::platform {
namespace {

using af_platform_test::Scratch;

void touch(const std::string& path) {
  Result<File> f = create_exclusive(path);
  ASSERT_TRUE(f) << f.error().message();
  ASSERT_TRUE(write_all(f.value(), "x", 1));
}

// "name:kind" for each entry, in the order listed.
std::vector<std::string> shown(const std::vector<DirectoryEntry>& entries) {
  std::vector<std::string> out;
  for (const DirectoryEntry& e : entries) {
    const char* kind = e.kind == FileKind::regular     ? "file"
                       : e.kind == FileKind::directory ? "dir"
                       : e.kind == FileKind::link      ? "link"
                                                       : "other";
    out.push_back(e.name + ":" + kind);
  }
  return out;
}

// über-файл-文件-📦-..., repeated until the folder is past 260 UTF-16 units.
std::string long_folder(const Scratch& dir) {
  const std::string part = "\xC3\xBC" "ber-\xD1\x84\xD0\xB0\xD0\xB9\xD0\xBB-\xE6\x96\x87\xE4\xBB\xB6-"
                           "\xF0\x9F\x93\xA6-0123456789abcdefghij";
  std::string folder = dir.path();
  while (utf8_to_utf16(folder).value().size() < 300) folder += "/" + part;
  return folder;
}

const std::string kFile = "d\xC3\xA9j\xC3\xA0 vu \xE2\x98\x83.bin";  // déjà vu ☃.bin
const std::string kFolder = "\xE5\xAD\x90 folder";                    // 子 folder

TEST(PlatformDirectory, ListsNamesAndKindsOfAFolderPastMaxPath) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  const std::string folder = long_folder(dir);
  ASSERT_TRUE(make_directories(folder + "/" + kFolder));
  touch(folder + "/" + kFile);
  touch(folder + "/a.txt");
  ASSERT_GT(utf8_to_utf16(folder + "/" + kFile).value().size(), 260u);
  Result<std::vector<DirectoryEntry>> listed = list_directory(folder);
  ASSERT_TRUE(listed) << listed.error().message();
  // Sorted bytewise, UTF-8 as written: "a.txt" < "déjà…" < "子…".
  EXPECT_EQ(shown(listed.value()), (std::vector<std::string>{"a.txt:file", kFile + ":file", kFolder + ":dir"}));
  // With a trailing separator, and the empty subfolder.
  listed = list_directory(folder + "/");
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_EQ(listed.value().size(), 3u);
  listed = list_directory(folder + "/" + kFolder);
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_TRUE(listed.value().empty());
}

TEST(PlatformDirectory, AMissingFolderOrAFileIsAnErrorNotAnEmptyList) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  Result<std::vector<DirectoryEntry>> missing = list_directory(dir / "missing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::not_found) << missing.error().message();
  touch(dir / "file");
  EXPECT_FALSE(list_directory(dir / "file"));
  EXPECT_FALSE(list_tree(dir / "missing"));
  EXPECT_TRUE(remove_tree(dir / "missing"));
  EXPECT_TRUE(remove_directory(dir / "missing"));
}

TEST(PlatformDirectory, TreeListsEachFolderBeforeWhatItHoldsAndRemovesReadOnlyFiles) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  const std::string root = long_folder(dir) + "/tree";
  ASSERT_TRUE(make_directories(root + "/a/b"));
  ASSERT_TRUE(make_directories(root + "/c"));
  touch(root + "/a/b/" + kFile);
  touch(root + "/a/one");
  touch(root + "/top");
  // Read-only, as cache objects and mirror blobs are: Windows refuses to
  // delete those until the attribute is cleared.
  ASSERT_TRUE(make_read_only(root + "/a/b/" + kFile));
  ASSERT_TRUE(make_read_only(root + "/top"));
  Result<std::vector<DirectoryEntry>> tree = list_tree(root);
  ASSERT_TRUE(tree) << tree.error().message();
  EXPECT_EQ(shown(tree.value()), (std::vector<std::string>{"a:dir", "a/b:dir", "a/b/" + kFile + ":file",
                                                           "a/one:file", "c:dir", "top:file"}));
  Status removed = remove_tree(root);
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_FALSE(identity_of_path(root));
  Result<std::vector<DirectoryEntry>> parent = list_directory(long_folder(dir));
  ASSERT_TRUE(parent) << parent.error().message();
  EXPECT_TRUE(parent.value().empty());
}

TEST(PlatformDirectory, ALinkIsListedButNeverEnteredOrFollowedWhenRemoving) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(make_directories(dir / "outside"));
  touch(dir / "outside/keep");
  ASSERT_TRUE(make_directories(dir / "tree"));
  std::error_code ec;
  std::filesystem::create_directory_symlink(path_from_utf8(dir / "outside"), path_from_utf8(dir / "tree/link"), ec);
  if (ec) GTEST_SKIP() << "no symbolic links here (" << ec.message() << "; Windows needs a privilege or developer mode)";
  Result<std::vector<DirectoryEntry>> tree = list_tree(dir / "tree");
  ASSERT_TRUE(tree) << tree.error().message();
  EXPECT_EQ(shown(tree.value()), std::vector<std::string>{"link:link"});
  ASSERT_TRUE(remove_tree(dir / "tree"));
  EXPECT_FALSE(identity_of_path(dir / "tree"));
  Result<std::vector<DirectoryEntry>> outside = list_directory(dir / "outside");
  ASSERT_TRUE(outside);
  EXPECT_EQ(shown(outside.value()), std::vector<std::string>{"keep:file"});
}

}  // namespace
}  // namespace assetfetch::platform
