// Mirror health memory: a mirror whose server failed on the last run is
// tried last on the next one (DESIGN.md "Settled details" → Sources).
#include <gtest/gtest.h>

#include "integration_util.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using af_test::Fault;
using af_test::TempDir;
using af_test::TestServer;

TEST(MirrorHealth, AMirrorThatJustFailedIsTriedLastNextTime) {
  TempDir dir;
  const auto cache = dir / "cache";
  const auto cfg = af_it::write_config(dir / "c.json", 2);
  const std::string one = af_test::random_bytes(30000, 1), two = af_test::random_bytes(30000, 2);
  TestServer sick, healthy;
  for (auto* s : {&sick, &healthy}) {
    s->add_file("/one", one);
    s->add_file("/two", two);
  }
  sick.set_fault("/one", Fault{.status = 503});
  sick.set_fault("/two", Fault{.status = 503});

  auto r1 = af_it::run_cli({"fetch", sick.url("/one"), healthy.url("/one"), "--sha256", af_test::sha256_hex(one),
                            "-o", (dir / "one").string(), "--config", cfg.string()},
                           cache, dir.path());
  ASSERT_EQ(r1.exit_code, 0) << af_it::describe(r1);
  EXPECT_EQ(sick.requests_for("/one").size(), 2u) << "two attempts on the sick mirror first";

  // Another asset, same mirrors in the same order: the sick one goes last,
  // so the healthy one serves and the sick one is never asked.
  auto r2 = af_it::run_cli({"fetch", sick.url("/two"), healthy.url("/two"), "--sha256", af_test::sha256_hex(two),
                            "-o", (dir / "two").string(), "--config", cfg.string(), "-v"},
                           cache, dir.path());
  ASSERT_EQ(r2.exit_code, 0) << af_it::describe(r2);
  EXPECT_EQ(af_test::read_file(dir / "two"), two);
  EXPECT_TRUE(sick.requests_for("/two").empty());
  EXPECT_EQ(healthy.requests_for("/two").size(), 1u);
  EXPECT_NE(r2.err.find("last"), std::string::npos) << "-v should say why the order changed: " << r2.err;
  EXPECT_NE(r2.err.find("HTTP 503"), std::string::npos) << r2.err;
}

TEST(MirrorHealth, A404IsAboutOneFileNotTheServer) {
  TempDir dir;
  const auto cache = dir / "cache";
  const auto cfg = af_it::write_config(dir / "c.json", 2);
  const std::string one = af_test::random_bytes(30000, 3), two = af_test::random_bytes(30000, 4);
  TestServer first, second;
  first.add_file("/two", two);  // first lacks /one only
  second.add_file("/one", one);
  second.add_file("/two", two);
  auto r1 = af_it::run_cli({"fetch", first.url("/one"), second.url("/one"), "--sha256", af_test::sha256_hex(one),
                            "-o", (dir / "one").string(), "--config", cfg.string()},
                           cache, dir.path());
  ASSERT_EQ(r1.exit_code, 0) << af_it::describe(r1);
  auto r2 = af_it::run_cli({"fetch", first.url("/two"), second.url("/two"), "--sha256", af_test::sha256_hex(two),
                            "-o", (dir / "two").string(), "--config", cfg.string()},
                           cache, dir.path());
  ASSERT_EQ(r2.exit_code, 0) << af_it::describe(r2);
  EXPECT_EQ(first.requests_for("/two").size(), 1u) << "the declared order stays: a 404 is not ill health";
  EXPECT_TRUE(second.requests_for("/two").empty());
}

// What is saved is what changes the next run's order: a success on a healthy
// mirror writes nothing (a file created per process is most of what a small
// fetch costs), while a success on a mirror that failed clears the failure.
TEST(MirrorHealth, OnlyAChangeOfOrderIsSaved) {
  TempDir dir;
  const auto cache = dir / "cache";
  const auto cfg = af_it::write_config(dir / "c.json", 2);
  const std::string a = af_test::random_bytes(30000, 5), b = af_test::random_bytes(30000, 6),
                    c = af_test::random_bytes(30000, 7), d = af_test::random_bytes(30000, 8);
  TestServer flaky, healthy;
  for (auto* s : {&flaky, &healthy}) {
    s->add_file("/a", a);
    s->add_file("/b", b);
    s->add_file("/c", c);
    s->add_file("/d", d);
  }
  auto fetch = [&](const std::vector<std::string>& urls, const std::string& data, const char* out) {
    std::vector<std::string> args{"fetch"};
    args.insert(args.end(), urls.begin(), urls.end());
    for (const std::string& x : {std::string("--sha256"), af_test::sha256_hex(data), std::string("-o"),
                                 (dir / out).string(), std::string("--config"), cfg.string()})
      args.push_back(x);
    auto r = af_it::run_cli(args, cache, dir.path());
    EXPECT_EQ(r.exit_code, 0) << af_it::describe(r);
  };
  fetch({healthy.url("/a")}, a, "a");
  EXPECT_FALSE(fs::exists(cache / "health.json")) << "a success on a healthy mirror was written down";

  flaky.set_fault("/b", Fault{.status = 503, .times = 2});  // both attempts of the next run fail
  fetch({flaky.url("/b"), healthy.url("/b")}, b, "b");
  ASSERT_TRUE(fs::exists(cache / "health.json")) << "a failure must be remembered";
  // The flaky mirror alone, now well (another asset: /b is a cache hit now):
  // its success clears the failure...
  fetch({flaky.url("/d")}, d, "d");
  ASSERT_EQ(flaky.requests_for("/d").size(), 1u);
  // ...so it is asked first again.
  fetch({flaky.url("/c"), healthy.url("/c")}, c, "c");
  EXPECT_EQ(flaky.requests_for("/c").size(), 1u) << "the recovered mirror was still tried last";
  EXPECT_TRUE(healthy.requests_for("/c").empty());
}

}  // namespace
