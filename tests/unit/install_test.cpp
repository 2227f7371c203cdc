// Installing a file's bytes (cache/install.h): every size is copied exactly,
// into a file of its own, and on a filesystem with reflinks only files of
// kCloneMinSize or more share their extents with the cache object.
//
// The reflink case needs such a filesystem: .ci/run mounts a small XFS image
// and names it in ASSETFETCH_TEST_REFLINK_DIR (by hand: mkfs.xfs -m reflink=1
// on a file, mount -o loop). Without that variable the case is skipped, and
// says so; with it, a filesystem that refuses clones fails the case. The
// portable POSIX build (ASSETFETCH_PORTABLE_POSIX, AF_TEST_PORTABLE_POSIX
// here) has no FICLONE and copies through a buffer: there the same case
// expects plain copies that share nothing.
#include "cache/install.h"

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include <gtest/gtest.h>

#include "cache/unique_fd.h"
#include "test_util.h"

namespace assetfetch {
namespace {

namespace fs = std::filesystem;

// Whether any extent of `file` is shared with another file (FIEMAP, after
// the file's dirty pages are written so its extents are real).
bool shares_extents(const fs::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) ADD_FAILURE() << "cannot open " << file;
  constexpr unsigned kExtents = 64;
  std::vector<char> buf(sizeof(fiemap) + kExtents * sizeof(fiemap_extent));
  auto* map = reinterpret_cast<fiemap*>(buf.data());
  map->fm_start = 0;
  map->fm_length = FIEMAP_MAX_OFFSET;
  map->fm_flags = FIEMAP_FLAG_SYNC;
  map->fm_extent_count = kExtents;
  if (::ioctl(fd.get(), FS_IOC_FIEMAP, map) != 0) {
    ADD_FAILURE() << "FIEMAP failed on " << file << ": errno " << errno;
    return false;
  }
  for (unsigned i = 0; i < map->fm_mapped_extents; ++i)
    if (map->fm_extents[i].fe_flags & FIEMAP_EXTENT_SHARED) return true;
  return false;
}

TEST(Install, EverySizeIsCopiedExactlyIntoAFileOfItsOwn) {
  af_test::TempDir tmp;
  struct { fs::path path; } dir{tmp.path()};
  const std::uint64_t sizes[] = {0, 1, 16 << 10, kCloneMinSize - 1, kCloneMinSize, 3 * kCloneMinSize + 17};
  for (std::uint64_t size : sizes) {
    SCOPED_TRACE("size " + std::to_string(size));
    const fs::path from = dir.path / ("object-" + std::to_string(size));
    const fs::path to = dir.path / ("destination-" + std::to_string(size));
    const std::string data = af_test::random_bytes(static_cast<std::size_t>(size), static_cast<unsigned>(size));
    af_test::write_file(from, data);
    af_test::write_file(to, "an older file at the destination's name");
    clone_or_copy(from, to);
    EXPECT_EQ(af_test::read_file(to), data);
    EXPECT_FALSE(fs::equivalent(from, to));  // an edit of the destination never reaches the object
  }
}

TEST(Install, OnAReflinkFilesystemOnlyFilesOfOneMiBOrMoreAreCloned) {
  const char* where = std::getenv("ASSETFETCH_TEST_REFLINK_DIR");
  if (!where || !*where)
    GTEST_SKIP() << "ASSETFETCH_TEST_REFLINK_DIR is not set (a folder on XFS or btrfs; .ci/run sets it)";
  // A folder of its own under `where`, removed at the end whatever happens.
  struct Scratch {
    fs::path path;
    ~Scratch() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } dir{fs::path(where) / ("install-test-" + std::to_string(::getpid()))};
  fs::create_directories(dir.path);
  const fs::path small_object = dir.path / "small";
  const fs::path large_object = dir.path / "large";
  const std::string small = af_test::random_bytes(16 << 10, 1);
  const std::string large = af_test::random_bytes(2 * kCloneMinSize, 2);
  af_test::write_file(small_object, small);
  af_test::write_file(large_object, large);

  // First a large file in $TMPDIR (ext4 or tmpfs in CI: a refusal there must
  // not stop clones on another filesystem later in the same process).
  af_test::TempDir elsewhere;
  af_test::write_file(elsewhere / "large", large);
  clone_or_copy(elsewhere / "large", elsewhere / "large.out");
  EXPECT_EQ(af_test::read_file(elsewhere / "large.out"), large);

  EXPECT_FALSE(clone_or_copy(small_object, dir.path / "small.out"));
  EXPECT_EQ(af_test::read_file(dir.path / "small.out"), small);
  EXPECT_FALSE(shares_extents(dir.path / "small.out"));

#ifdef AF_TEST_PORTABLE_POSIX
  EXPECT_FALSE(clone_or_copy(large_object, dir.path / "large.out")) << "the portable build cannot clone";
  EXPECT_EQ(af_test::read_file(dir.path / "large.out"), large);
  EXPECT_FALSE(shares_extents(dir.path / "large.out")) << "read/write copies share no extents";
#else
  EXPECT_TRUE(clone_or_copy(large_object, dir.path / "large.out"))
      << where << " refused a clone: it is not a filesystem with reflinks";
  EXPECT_EQ(af_test::read_file(dir.path / "large.out"), large);
  EXPECT_TRUE(shares_extents(dir.path / "large.out"));
#endif
}

}  // namespace
}  // namespace assetfetch
