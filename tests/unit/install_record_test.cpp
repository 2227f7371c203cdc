// Install records: one record per destination folder, written once per save;
// "in place" only while the file is unchanged and the request is the same.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/install_record.h"
#include "test_util.h"

namespace assetfetch {
namespace {

namespace fs = std::filesystem;

FileSpec spec_for(const fs::path& dest, const std::string& bytes) {
  FileSpec s;
  s.name = dest.filename().string();
  s.local_name = dest;
  s.digest = Digest{HashAlgorithm::sha256, af_test::sha256_hex(bytes)};
  return s;
}

std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

TEST(InstallRecords, OneRecordPerFolderAndInPlaceUntilTheFileChanges) {
  af_test::TempDir dir;
  const fs::path cache = dir / "cache", out = dir / "out";
  std::vector<FileSpec> specs;
  for (int i = 0; i < 50; ++i) {
    const std::string bytes = af_test::random_bytes(100, static_cast<unsigned>(i));
    af_test::write_file(out / ("f" + std::to_string(i)), bytes);
    specs.push_back(spec_for(out / ("f" + std::to_string(i)), bytes));
  }
  const std::string other = af_test::random_bytes(100, 99);
  af_test::write_file(dir / "elsewhere" / "g", other);
  specs.push_back(spec_for(dir / "elsewhere" / "g", other));
  {
    InstallRecords records(cache);
    for (const auto& s : specs) EXPECT_FALSE(records.in_place(s));
    for (const auto& s : specs) records.add(s);
    records.save();
  }
  EXPECT_EQ(files_in(cache / "installed"), 2u) << "one record per destination folder";

  InstallRecords later(cache);
  for (const auto& s : specs) EXPECT_TRUE(later.in_place(s)) << s.local_name;

  // Another request for the same destination is not in place.
  FileSpec other_request = specs[0];
  other_request.digest->hex = std::string(64, 'a');
  EXPECT_FALSE(later.in_place(other_request));
  // Nor is a file changed since (any write changes its ctime).
  af_test::write_file(specs[1].local_name, "edited");
  EXPECT_FALSE(InstallRecords(cache).in_place(specs[1]));
  // A torn record only loses the shortcut.
  for (const auto& e : fs::directory_iterator(cache / "installed")) af_test::write_file(e.path(), "{\"dir\": ");
  EXPECT_FALSE(InstallRecords(cache).in_place(specs[2]));
}

TEST(InstallRecords, SavesMergeWithWhatAnotherJobRecorded) {
  af_test::TempDir dir;
  const fs::path cache = dir / "cache", out = dir / "out";
  const std::string a = af_test::random_bytes(10, 1), b = af_test::random_bytes(10, 2);
  af_test::write_file(out / "a", a);
  af_test::write_file(out / "b", b);
  InstallRecords first(cache), second(cache);
  EXPECT_FALSE(second.in_place(spec_for(out / "b", b)));  // second has read the (empty) record
  first.add(spec_for(out / "a", a));
  first.save();
  second.add(spec_for(out / "b", b));
  second.save();
  InstallRecords later(cache);
  EXPECT_TRUE(later.in_place(spec_for(out / "a", a)));
  EXPECT_TRUE(later.in_place(spec_for(out / "b", b)));
}

}  // namespace
}  // namespace assetfetch
