// `cache prune` and the records of what each writable store holds
// (<cache>/stores/, writeback/store_marks.h): the records of objects the
// cache no longer holds go, and so does the folder of a store that neither
// the prune's config names nor anything used for 30 days; a store another
// config still uses (a hit refreshed it) stays. The stores are writable
// file:// sources (written back inline), the origin a TestServer.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_fixture.h"
#include "integration_util.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// Bytes allocated on disk under `root`, the folders included (a record is an
// empty file: what it costs is its folder's blocks and an inode).
std::uintmax_t allocated(const fs::path& root) {
  std::uintmax_t total = 0;
  std::error_code ec;
  if (!fs::exists(root, ec)) return 0;
  struct stat st {};
  if (::lstat(root.c_str(), &st) == 0) total += static_cast<std::uintmax_t>(st.st_blocks) * 512;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
    if (::lstat(it->path().c_str(), &st) == 0) total += static_cast<std::uintmax_t>(st.st_blocks) * 512;
  return total;
}

struct StoreRecords : af_test::CliTest {
  void SetUp() override {
    CliTest::SetUp();
    Json assets = Json::array();
    for (int i = 0; i < 3; ++i) {
      const std::string bytes = af_test::random_bytes(10000 * (i + 1), 70 + i);
      origin.add_file("/a" + std::to_string(i), bytes);
      assets.push_back({{"name", "a" + std::to_string(i)}, {"urls", {origin.url("/a" + std::to_string(i))}},
                        {"sha256", af_test::sha256_hex(bytes)}});
    }
    af_test::write_file(dir / "m.json", Json{{"assets", assets}}.dump());
    for (const char* store : {"A", "B"}) {
      fs::create_directories(dir / ("store" + std::string(store)));
      Json source{{"url", "file://" + (dir / ("store" + std::string(store))).string() + "/{sha256}"},
                  {"access", "readwrite"}};
      af_test::write_file(config(store), Json{{"sources", Json::array({source})}}.dump());
    }
  }
  fs::path config(const std::string& store) const { return dir / ("config" + store + ".json"); }
  fs::path stores() const { return cache() / "stores"; }
  // Into a new folder each time: a destination already in place is no cache hit.
  af_test::ProcessResult sync(const std::string& store) {
    return cli({"sync", (dir / "m.json").string(), "--dest", (dir / ("out" + std::to_string(++syncs))).string(),
                "--config", config(store).string()});
  }
  af_test::ProcessResult cli(std::vector<std::string> args) const { return cli_cached(std::move(args)); }
  af_test::ProcessResult prune(const std::string& store, std::vector<std::string> more = {}) const {
    std::vector<std::string> args{"cache", "prune", "--json", "--config", config(store).string()};
    args.insert(args.end(), more.begin(), more.end());
    return cli(args);
  }
  // Store folder -> its records.
  std::map<std::string, int> folders() const {
    std::map<std::string, int> out;
    std::error_code ec;
    for (fs::directory_iterator it(stores(), ec), end; !ec && it != end; it.increment(ec)) {
      int n = 0;
      for (fs::directory_iterator m(it->path(), ec), mend; !ec && m != mend; m.increment(ec)) ++n;
      out[it->path().filename().string()] = n;
    }
    return out;
  }
  // The folder whose records name store `store`'s objects: the one that
  // appeared with that store's first sync.
  static std::string only_new(const std::map<std::string, int>& before, const std::map<std::string, int>& after) {
    for (const auto& [name, n] : after)
      if (!before.count(name)) return name;
    return "";
  }
  void age(const std::string& folder, int days) {
    const auto then = fs::file_time_type::clock::now() - std::chrono::hours(24 * days);
    for (const auto& m : fs::directory_iterator(stores() / folder)) fs::last_write_time(m.path(), then);
    fs::last_write_time(stores() / folder, then);
  }
  static Json summary(const af_test::ProcessResult& r) {
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);)
      if (!line.empty() && line.front() == '{' && Json::parse(line).value("event", "") == "prune") return Json::parse(line);
    return Json::object();
  }

  af_test::TestServer origin;
  int syncs = 0;
};

TEST_F(StoreRecords, PruneDropsRecordsOfObjectsGoneAndOfStoresUnusedAndUnconfigured) {
  ASSERT_EQ(sync("A").exit_code, 0);
  const auto after_a = folders();
  ASSERT_EQ(after_a.size(), 1u) << "one folder per store";
  const std::string folder_a = after_a.begin()->first;
  EXPECT_EQ(after_a.at(folder_a), 3);
  // Machine's second config: the hits write the objects to store B (and record it).
  ASSERT_EQ(sync("B").exit_code, 0);
  const std::string folder_b = only_new(after_a, folders());
  ASSERT_FALSE(folder_b.empty());
  EXPECT_EQ(folders().at(folder_b), 3);
  EXPECT_EQ(fs::directory_iterator(dir / "storeB") == fs::directory_iterator(), false) << "B was not written to";
  // An earlier version's layout, <2 hex>/<62 hex>, which names no object.
  const std::string old(64, 'c');
  af_test::write_file(stores() / old.substr(0, 2) / old.substr(2), "");
  const std::uintmax_t bytes_before = allocated(stores());

  // B unconfigured but used today: kept (another config sharing the cache).
  auto r = prune("A");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(folders().count(folder_b), 1u) << "a store used today was dropped";
  EXPECT_EQ(folders().count(old.substr(0, 2)), 0u) << "the earlier layout is kept";
  EXPECT_EQ(summary(r).value("removed_store_folders", -1), 1) << r.out;

  // Both unused for 31 days: B (not in the prune's config) goes, A (in it) stays.
  age(folder_a, 31);
  age(folder_b, 31);
  r = prune("A");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(folders(), (std::map<std::string, int>{{folder_a, 3}}));
  EXPECT_EQ(summary(r).value("removed_store_folders", -1), 1) << r.out;
  const std::uintmax_t bytes_one_store = allocated(stores());
  EXPECT_LT(bytes_one_store, bytes_before);

  // Objects pruned: their records go; the folder left empty too.
  r = prune("A", {"--max-size", "0"});
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(summary(r).value("removed_store_marks", -1), 3) << r.out;
  EXPECT_TRUE(folders().empty());
  const std::uintmax_t bytes_after = allocated(stores());
  EXPECT_LT(bytes_after, bytes_one_store);
  std::printf("records folder on disk: %ju bytes (2 stores x 3 records + an earlier layout's), %ju (1 store), "
              "%ju (none)\n", bytes_before, bytes_one_store, bytes_after);
}

// A store another config uses only through hits stays: each hit refreshes
// an old record and its folder, so a prune under a config that does not name
// it keeps it. Control: without that hit, the same prune drops it.
TEST_F(StoreRecords, AHitKeepsAStoreInUseForAnotherConfig) {
  ASSERT_EQ(sync("A").exit_code, 0);
  const std::string folder_a = folders().begin()->first;
  age(folder_a, 31);
  ASSERT_EQ(sync("A").exit_code, 0);  // all hits, all recorded: no write, but in use
  auto r = prune("B");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_EQ(folders(), (std::map<std::string, int>{{folder_a, 3}}));

  age(folder_a, 31);
  r = prune("B");
  ASSERT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_TRUE(folders().empty()) << "an unused, unconfigured store's records were kept";
}

}  // namespace
