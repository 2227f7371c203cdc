// A user's limit on connections per file (JobOptions::max_connections_per_file,
// config "max_connections", CLI --max-connections), seen from the servers:
// with a throttled mirror first and a fast one second (where the automatic
// choice adds a probe and steals from the slow mirror), a limit of 1 makes
// exactly one request in all, and a limit of 2 never has more than two
// answers running at once; range fetches keep to the limit too. Each has its
// control without the limit, which must do more (so the test can fail).
// Bad values are usage or config errors (exit 2) that write nothing.
#include <gtest/gtest.h>

#include <chrono>

#include "assetfetch/job.h"
#include "integration_util.h"
#include "job_fetch.h"
#include "test_server.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using namespace assetfetch;
using namespace std::chrono_literals;

// A server notices a dropped (split-off) answer at its next paced write,
// within about 50 ms; spans closer than this do not count as overlapping.
constexpr auto kDropSlack = 200ms;

af_it::FetchRun fetch(const fs::path& cache, const std::vector<std::string>& urls, const std::string& data,
                     const fs::path& dest, int max_connections) {
  JobOptions o;  // the defaults, as a user gets them
  o.cache_dir = cache;
  o.retry.attempts = 2;
  o.retry.backoff = 10ms;
  o.max_connections_per_file = max_connections;
  return af_it::fetch_one(o, urls, data, dest);
}

std::size_t gets(const af_test::TestServer& s) {
  std::size_t n = 0;
  for (const auto& r : s.requests()) n += r.method == "GET";
  return n;
}

// Two mirrors serving `data` at /f: a throttled one and a faster one.
struct Mirrors {
  Mirrors(const std::string& data, std::size_t slow_rate, std::size_t fast_rate) {
    slow.add_file("/f", data);
    fast.add_file("/f", data);
    slow.set_fault("/f", af_test::Fault{.throttle_bytes_per_s = slow_rate});
    if (fast_rate) fast.set_fault("/f", af_test::Fault{.throttle_bytes_per_s = fast_rate});
  }
  std::vector<std::string> urls() const { return {slow.url("/f"), fast.url("/f")}; }
  std::size_t requests() const { return gets(slow) + gets(fast); }
  // The most answers of both servers running at one instant.
  std::size_t most_at_once() const {
    auto spans = slow.answer_spans();
    for (auto& s : fast.answer_spans()) spans.push_back(s);
    return af_test::max_concurrent(spans, kDropSlack);
  }
  af_test::TestServer slow, fast;
};

TEST(MaxConnections, OneMeansOneRequestEvenWithAThrottledMirrorFirst) {
  af_test::remove_proxy_env();
  af_test::TempDir tmp{"af-maxconn"};
  const std::string data = af_test::random_bytes(64u << 20, 11);  // over the 32 MiB segment threshold
  {
    Mirrors m(data, 32u << 20, 0);  // the slow one alone: about 2 s
    af_it::FetchRun r = fetch(tmp / "cache-1", m.urls(), data, tmp / "one.bin", 1);
    ASSERT_EQ(r.state, JobState::transferred) << r.error.message;
    EXPECT_TRUE(af_test::read_file(tmp / "one.bin") == data);
    EXPECT_EQ(m.requests(), 1u) << "max_connections_per_file = 1 made more than one request";
    EXPECT_EQ(gets(m.fast), 0u);
  }
  {
    // The control: the automatic choice probes the second mirror.
    Mirrors m(data, 32u << 20, 0);
    af_it::FetchRun r = fetch(tmp / "cache-auto", m.urls(), data, tmp / "auto.bin", 0);
    ASSERT_EQ(r.state, JobState::transferred) << r.error.message;
    EXPECT_TRUE(af_test::read_file(tmp / "auto.bin") == data);
    EXPECT_GT(m.requests(), 1u) << "the control made one request: this setup cannot show the limit";
  }
}

TEST(MaxConnections, TwoAreNeverExceededWhileTheFastMirrorSteals) {
  af_test::remove_proxy_env();
  af_test::TempDir tmp{"af-maxconn"};
  const std::string data = af_test::random_bytes(64u << 20, 12);
  // Throttled per answer (4 and 16 MiB/s): each extra answer adds bandwidth,
  // so the automatic choice grows to 4 and they overlap for long.
  {
    Mirrors m(data, 4u << 20, 16u << 20);
    af_it::FetchRun r = fetch(tmp / "cache-2", m.urls(), data, tmp / "two.bin", 2);
    ASSERT_EQ(r.state, JobState::transferred) << r.error.message;
    EXPECT_TRUE(af_test::read_file(tmp / "two.bin") == data);
    EXPECT_GT(m.requests(), 1u) << "a second connection is allowed and pays here";
    EXPECT_LE(m.most_at_once(), 2u) << "more than 2 answers at once with max_connections_per_file = 2";
  }
  {
    Mirrors m(data, 4u << 20, 16u << 20);
    af_it::FetchRun r = fetch(tmp / "cache-auto", m.urls(), data, tmp / "auto.bin", 0);
    ASSERT_EQ(r.state, JobState::transferred) << r.error.message;
    EXPECT_TRUE(af_test::read_file(tmp / "auto.bin") == data);
    EXPECT_GT(m.most_at_once(), 2u) << "the control never ran 3 at once: this setup cannot show the limit";
  }
}

// AddFileWithRanges: ranges that cannot be coalesced go out as several
// requests at once, unless the limit says one.
std::size_t ranges_at_once(const fs::path& dir, int max_connections) {
  const std::string data = af_test::random_bytes(8u << 20, 13);
  af_test::TestServer server;
  server.add_file("/f", data);
  server.set_fault("/f", af_test::Fault{.throttle_bytes_per_s = 2u << 20});  // 512 KiB: 0.25 s
  JobOptions o;
  o.cache_dir = dir / ("cache-" + std::to_string(max_connections));
  o.max_connections_per_file = max_connections;
  auto job = create_job("ranges", o);
  FileSpec spec;
  spec.name = "f";
  spec.candidates.push_back({server.url("/f"), CandidateKind::origin, {}});
  spec.local_name = dir / ("ranges-" + std::to_string(max_connections) + ".bin");
  spec.digest = Digest{HashAlgorithm::sha256, af_test::sha256_hex(data)};
  std::string expected;
  for (std::uint64_t i = 0; i < 6; ++i) {
    const std::uint64_t offset = i * (1u << 20);  // 512 KiB apart: never coalesced
    spec.ranges.push_back({offset, 512u << 10, std::nullopt});
    expected += data.substr(offset, 512u << 10);
  }
  spec.ranges_given = true;
  ErrorContext err;
  EXPECT_NE(job->add_file(spec, &err), nullptr) << err.message;
  job->resume();
  EXPECT_EQ(job->wait(std::chrono::seconds(60)), JobState::transferred);
  EXPECT_TRUE(job->complete(&err)) << err.message;
  EXPECT_TRUE(af_test::read_file(spec.local_name) == expected);
  EXPECT_EQ(server.requests_for("/f").size(), 6u);
  return af_test::max_concurrent(server.answer_spans(), 50ms);
}

TEST(MaxConnections, RangeFetchesKeepToTheLimit) {
  af_test::remove_proxy_env();
  af_test::TempDir tmp{"af-maxconn"};
  EXPECT_EQ(ranges_at_once(tmp.path(), 1), 1u) << "range requests overlapped with max_connections_per_file = 1";
  EXPECT_GT(ranges_at_once(tmp.path(), 0), 1u) << "the control sent one range at a time: it cannot show the limit";
}

// The CLI: the flag and the config key reach the engine, the flag wins.
TEST(MaxConnectionsCli, ConfigKeyLimitsAFetchAndTheFlagOverridesIt) {
  af_test::remove_proxy_env();
  af_test::TempDir tmp{"af-maxconn"};
  const std::string data = af_test::random_bytes(40u << 20, 14);
  const fs::path config = af_it::write_config(tmp / "af.json", 2, "\"max_connections\": 1");
  auto run = [&](const std::string& tag, std::vector<std::string> extra) {
    Mirrors m(data, 20u << 20, 0);  // the slow one alone: about 2 s
    std::vector<std::string> args{"fetch", m.slow.url("/f"), m.fast.url("/f"), "--sha256", af_test::sha256_hex(data),
                                  "-o", (tmp / (tag + ".bin")).string(), "--config", config.string(), "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    const af_test::ProcessResult r = af_it::run_cli(args, tmp / ("cache-" + tag), tmp.path());
    EXPECT_EQ(r.exit_code, 0) << af_it::describe(r);
    EXPECT_TRUE(af_test::read_file(tmp / (tag + ".bin")) == data) << tag;
    return m.requests();
  };
  EXPECT_EQ(run("config", {}), 1u) << "config max_connections 1 made more than one request";
  EXPECT_GT(run("flag", {"--max-connections", "2"}), 1u) << "--max-connections 2 did not override the config's 1";
}

struct MaxConnectionsUsage : ::testing::Test {
  af_test::ProcessResult fetch(const std::vector<std::string>& extra) {
    std::vector<std::string> args{"fetch", "http://127.0.0.1:1/f.bin", "--sha256", std::string(64, 'a'),
                                  "-o", (dir / "out" / "f.bin").string(), "--cache-dir", (dir / "cache").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return af_it::run_cli(args, dir / "cache", dir.path());
  }
  void expect_nothing_written() {
    EXPECT_FALSE(fs::exists(dir / "out")) << "destination directory created";
    EXPECT_FALSE(fs::exists(dir / "cache")) << "cache created";
  }
  af_test::TempDir dir{"af-maxconn"};
};

TEST_F(MaxConnectionsUsage, ZeroNegativeAndNonNumericAreUsageErrors) {
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"--max-connections", "0"}, {"--max-connections", "abc"}, {"--max-connections", "-1"},
           {"--max-connections=-3"}, {"--max-connections", "65"}, {"--max-connections", "1.5"}}) {
    const af_test::ProcessResult r = fetch(bad);
    const std::string label = bad.size() > 1 ? bad[1] : bad[0];
    EXPECT_EQ(r.exit_code, 2) << label << "\n" << af_it::describe(r);
    EXPECT_NE(r.err.find("--max-connections: "), std::string::npos) << label << ": the flag is not named\n" << r.err;
    EXPECT_NE(r.err.find("give a whole number from 1 to 64"), std::string::npos) << label << ": no fix\n" << r.err;
    expect_nothing_written();
  }
  EXPECT_NE(fetch({"--max-connections", "0"}).err.find("--max-connections: 0 is out of range;"), std::string::npos);
  EXPECT_NE(fetch({"--max-connections", "abc"}).err.find("--max-connections: \"abc\" is not a whole number;"),
            std::string::npos);
  expect_nothing_written();
  // sync takes it too (every fetching command does).
  const af_test::ProcessResult s =
      af_it::run_cli({"sync", (dir / "m.json").string(), "--max-connections", "0"}, dir / "cache", dir.path());
  EXPECT_EQ(s.exit_code, 2) << af_it::describe(s);
  EXPECT_NE(s.err.find("--max-connections"), std::string::npos) << s.err;
  expect_nothing_written();
  // A good value is taken: the refusals above are not those of an unknown flag.
  const af_test::ProcessResult ok = fetch({"--max-connections", "1", "--offline"});
  EXPECT_EQ(ok.exit_code, 5) << af_it::describe(ok);
}

TEST_F(MaxConnectionsUsage, ABadConfigValueNamesTheKey) {
  const fs::path config = dir / "af.json";
  af_test::write_file(config, "{\"max_connections\": 0}\n");
  const af_test::ProcessResult r = fetch({"--config", config.string()});
  EXPECT_EQ(r.exit_code, 2) << af_it::describe(r);
  EXPECT_NE(r.err.find(config.string() + ":1:21: /max_connections: must be an integer from 1 to 64, got 0"),
            std::string::npos)
      << r.err;
  expect_nothing_written();
  // `check` says the same.
  const af_test::ProcessResult c = af_it::run_cli({"check", config.string()}, dir / "cache", dir.path());
  EXPECT_EQ(c.exit_code, 2) << af_it::describe(c);
  EXPECT_NE(c.err.find("/max_connections"), std::string::npos) << c.err;
  expect_nothing_written();
}

TEST_F(MaxConnectionsUsage, HelpNamesTheFlag) {
  const af_test::ProcessResult r = af_it::run_cli({"fetch", "--help"}, dir / "cache", dir.path());
  EXPECT_EQ(r.exit_code, 0) << af_it::describe(r);
  EXPECT_NE(r.out.find("--max-connections"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1: one stream"), std::string::npos) << r.out;
}

}  // namespace
