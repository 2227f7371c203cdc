// The platform calls the engine's folders moved onto (issue 18): run-time
// library loading, disk space, writable folders, borrowed handles, and on
// Windows the CNG SHA-2. Natively and under Wine
// (scripts/windows/test.sh), like platform_test.cpp.
#include <gtest/gtest.h>

#include <string>

#include "platform/file.h"
#include "platform/fs_ops.h"
#include "platform/library.h"
#include "platform/path.h"
#ifdef _WIN32
#include "platform/sha.h"
#endif
#include "platform_test_support.h"

namespace assetfetch::platform {
namespace {

using af_platform_test::Scratch;

#ifdef _WIN32
// Every Windows (and Wine) has it; GetCurrentProcessId is one of its exports.
const std::string kSystemLibrary = "kernel32.dll";
constexpr const char* kSymbol = "GetCurrentProcessId";
#else
const std::string kSystemLibrary = shared_library_name("c", 6);  // glibc's libc.so.6
constexpr const char* kSymbol = "getpid";
#endif

TEST(PlatformLibrary, LoadsALibraryAndFindsItsSymbols) {
  Result<Library> lib = Library::open(kSystemLibrary);
  ASSERT_TRUE(lib) << lib.error().message();
  EXPECT_NE(lib->symbol(kSymbol), nullptr);
  EXPECT_EQ(lib->symbol("af_no_such_symbol_anywhere"), nullptr);
}

TEST(PlatformLibrary, AMissingLibraryIsAnErrorNamingIt) {
  Result<Library> lib = Library::open(shared_library_name("af-no-such-library", 9));
  ASSERT_FALSE(lib);
  EXPECT_NE(lib.error().message().find(shared_library_name("af-no-such-library", 9)), std::string::npos)
      << lib.error().message();
}

TEST(PlatformLibrary, NamesFollowTheOsConvention) {
#ifdef _WIN32
  EXPECT_EQ(shared_library_name("curl", 4), "libcurl-4.dll");
#elif defined(__APPLE__)
  EXPECT_EQ(shared_library_name("curl", 4), "libcurl.4.dylib");
#else
  EXPECT_EQ(shared_library_name("curl", 4), "libcurl.so.4");
#endif
}

TEST(PlatformFs, DiskSpaceAndWritableFolders) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  Result<DiskSpace> space = disk_space(dir.path());
  ASSERT_TRUE(space) << space.error().message();
  EXPECT_GT(space->total, 0u);
  EXPECT_LE(space->available, space->total);
  EXPECT_FALSE(disk_space(dir / "missing"));

  EXPECT_TRUE(can_write_directory(dir.path()));
  EXPECT_FALSE(can_write_directory(dir / "missing"));
  Result<File> f = create_exclusive(dir / "file");
  ASSERT_TRUE(f) << f.error().message();
#ifdef _WIN32
  EXPECT_FALSE(can_write_directory(dir / "file"));  // not a folder
#endif
}

TEST(PlatformFile, ABorrowedHandleStaysOpen) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  Result<File> f = create_exclusive(dir / "x");
  ASSERT_TRUE(f) << f.error().message();
  ASSERT_TRUE(write_all_at(f.value(), "abc", 3, 0));
  {
    const BorrowedFile borrowed(f->get());
    char c = 0;
    Result<std::size_t> n = read_at(borrowed, &c, 1, 1);
    ASSERT_TRUE(n) << n.error().message();
    EXPECT_EQ(c, 'b');
  }
  // The owner's handle still works after the borrower is gone.
  advise_sequential(f.value());
  char buf[3] = {};
  Result<std::size_t> n = read_at(f.value(), buf, 3, 0);
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(std::string(buf, n.value()), "abc");
}

#ifdef _WIN32
std::string hex(const unsigned char* p, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += {d[p[i] >> 4], d[p[i] & 15]};
  return s;
}

// FIPS 180-2 test vectors, and the hash starting over after finish().
TEST(PlatformSha, CngMatchesTheStandardVectors) {
  Result<OsSha> sha256 = OsSha::create(false);
  ASSERT_TRUE(sha256) << sha256.error().message();
  unsigned char out[OsSha::kMaxDigest];
  for (int round = 0; round < 2; ++round) {
    sha256->update("abc", 3);
    ASSERT_EQ(sha256->finish(out), 32u);
    EXPECT_EQ(hex(out, 32), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
  Result<OsSha> sha512 = OsSha::create(true);
  ASSERT_TRUE(sha512) << sha512.error().message();
  ASSERT_EQ(sha512->finish(out), 64u);  // the empty input
  EXPECT_EQ(hex(out, 64),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
            "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
}
#endif

}  // namespace
}  // namespace assetfetch::platform
