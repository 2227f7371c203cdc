// Bad input through the CLI: `check` and `sync` give the same verdict and
// the same lines, exit 2, and write nothing (no destination, no cache); the
// inputs that used to hang, crash or pass (a device, a FIFO, a NUL and
// garbage, 1e400, ranges past 2^63, a range past the end of a file://
// source, -o "", a catastrophic rewrite pattern) are bounded and refused.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "integration_util.h"
#include "process.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using af_it::kCleanEnv;
using af_test::ProcessResult;
using af_test::TempDir;

const std::string kHash(64, 'a');

struct Validation : af_test::CliTest {
  ProcessResult cli(std::vector<std::string> args) const { return CliTest::cli(std::move(args), std::chrono::seconds(20)); }
  ProcessResult check(const fs::path& file) { return cli({"check", file.string()}); }
  ProcessResult sync(const fs::path& manifest, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"sync", manifest.string(), "--offline", "--dest", (dir / "out").string(),
                                  "--cache-dir", (dir / "cache").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return cli(args);
  }
  // Nothing a refused run may leave behind.
  void expect_nothing_written() {
    EXPECT_FALSE(fs::exists(dir / "out")) << "destination directory created";
    EXPECT_FALSE(fs::exists(dir / "cache")) << "cache created";
  }
  std::string asset(const std::string& name, const std::string& extra = "") {
    return "{\"name\": \"" + name + "\", \"urls\": [\"https://x.example/" + name + ".bin\"], \"sha256\": \"" +
           kHash + "\"" + (extra.empty() ? "" : ", " + extra) + "}";
  }
};

// The issue's cases: what `sync` refused only at run time, `check` refuses
// too, with every error at once; both print the very same lines.
TEST_F(Validation, CheckAndSyncRefuseTheSameWithTheSameLines) {
  const fs::path m = dir / "m.json";
  af_test::write_file(m, "{\"assets\": [\n  " + asset("dot", "\"destination\": \".\"") + ",\n  " +
                             asset("outer", "\"destination\": \"sub/a.bin\"") + ",\n  " +
                             asset("inner", "\"destination\": \"sub/a.bin/inner\"") + ",\n  " +
                             "{\"name\": \"long\", \"urls\": [\"https://x.example/" + std::string(2200, 'u') +
                             "\"], \"sha256\": \"" + kHash + "\"}\n]}\n");
  const ProcessResult c = check(m);
  EXPECT_EQ(c.exit_code, 2) << c.err;
  EXPECT_EQ(c.out, "");
  EXPECT_EQ(c.err, "assetfetch: error: " + m.string() +
                       ":2:151: asset \"dot\" (/assets/0/destination): names a directory, not a file; add the "
                       "file name\n"
                       "assetfetch: error: " + m.string() +
                       ":4:155: asset \"inner\" (/assets/2/destination): destination \"sub/a.bin/inner\" lies "
                       "inside \"sub/a.bin\", the file of asset \"outer\" (/assets/1); a path cannot be both a "
                       "file and a directory (set a distinct \"destination\")\n"
                       "assetfetch: error: " + m.string() +
                       ":5:29: asset \"long\" (/assets/3/urls/0): URL is 2218 characters long; at most 2200 are "
                       "allowed\n");
  const ProcessResult s = sync(m);
  EXPECT_EQ(s.exit_code, 2) << s.err;
  EXPECT_EQ(s.err, c.err) << "sync and check (and so the CMake module) print the same text";
  expect_nothing_written();
}

// An empty "assets" list: sync has nothing to do, so check refuses it too;
// both name the file and the place.
TEST_F(Validation, EmptyAssetsAreRefusedByCheckAndSyncNamingTheFile) {
  const fs::path m = dir / "input.json";
  af_test::write_file(m, "{\"assets\": []}\n");
  const ProcessResult c = check(m);
  EXPECT_EQ(c.exit_code, 2) << c.err;
  EXPECT_EQ(c.err, "assetfetch: error: " + m.string() +
                       ":1:12: /assets: the list is empty; add at least one asset: {\"name\": ..., \"urls\": "
                       "[...], \"sha256\": ...}\n");
  const ProcessResult s = sync(m);
  EXPECT_EQ(s.exit_code, 2) << s.err;
  EXPECT_EQ(s.err, c.err);
  expect_nothing_written();
}

// Inputs that are not small regular JSON files: refused at once.
TEST_F(Validation, UnreadableInputsAreExit2AndNeverHang) {
  const fs::path fifo = dir / "fifo.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const fs::path nul = dir / "nul.json";
  af_test::write_file(nul, std::string("{\"assets\": []}\0garbage", 22));
  const fs::path huge_number = dir / "huge.json";
  af_test::write_file(huge_number, "{\"assets\": [" + asset("a", "\"size\": 1e400") + "]}");
  const fs::path big = dir / "big.json";
  af_test::write_file(big, "{\"assets\": []}" + std::string((16u << 20) + 1, ' '));
  const std::vector<std::pair<fs::path, std::string>> table = {
      {"/dev/zero", "/dev/zero: cannot read "},
      {fifo, ": it is not a regular file"},
      {nul, "nul.json:1:15: a NUL byte (byte 14)"},
      // Before the document is parsed, the place has no asset name yet.
      {huge_number, "huge.json:1:150: /assets/0/size: the number \"1e400\" is out of range"},
      {big, "big.json: is 16777231 bytes; a manifest or config may be at most 16 MiB"},
  };
  for (const auto& [file, part] : table) {
    SCOPED_TRACE(file.string());
    const ProcessResult c = check(file);
    EXPECT_FALSE(c.timed_out);
    EXPECT_EQ(c.exit_code, 2) << c.err;
    EXPECT_NE(c.err.find(part), std::string::npos) << c.err;
    const ProcessResult s = sync(file);
    EXPECT_FALSE(s.timed_out);
    EXPECT_EQ(s.exit_code, 2) << s.err;
    EXPECT_NE(s.err.find(part), std::string::npos) << s.err;
    // A config is read the same way.
    const ProcessResult cfg = sync(dir / "m.json", {"--config", file.string()});
    EXPECT_EQ(cfg.exit_code, 2) << cfg.err;
    EXPECT_NE(cfg.err.find(part), std::string::npos) << cfg.err;
    expect_nothing_written();
  }
}

TEST_F(Validation, FetchArgumentsOutOfRangeAreExit2) {
  const fs::path src = dir / "src.bin";
  const std::string data = af_test::random_bytes(10000, 7);
  af_test::write_file(src, data);
  const std::string url = "file://" + src.string();
  const std::string hash = af_test::sha256_hex(data);
  const std::string out = (dir / "out" / "f.bin").string();
  const std::string cache = (dir / "cache").string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> table = {
      {{"--range", "4000:18446744073709551615"}, "'18446744073709551615' is too large"},
      {{"--range", "9223372036854775807:1"}, "offset + length is past 2^63 - 1"},
      {{"--range", "1e400:1"}, "'1e400' is not a non-negative integer"},
      {{"-o", ""}, "-o/--output \"\" does not name a file"},
      {{"-o", (dir / "out").string() + "/"}, "does not name a file"},
  };
  for (const auto& [extra, part] : table) {
    SCOPED_TRACE(extra.front() + " " + extra.back());
    std::vector<std::string> args{"fetch", url, "--sha256", hash, "--cache-dir", cache};
    args.insert(args.end(), extra.begin(), extra.end());
    if (extra.front() != "-o") args.insert(args.end(), {"-o", out});
    const ProcessResult r = cli(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(part), std::string::npos) << r.err;
    expect_nothing_written();
  }
}

// A range past the end of a file:// source is the caller's mistake (exit 2),
// online and offline, not a failed source (4) or an offline miss (5).
TEST_F(Validation, RangePastTheEndOfAFileSourceIsExit2) {
  const fs::path src = dir / "src.bin";
  const std::string data = af_test::random_bytes(10000, 8);
  af_test::write_file(src, data);
  for (const bool offline : {false, true}) {
    SCOPED_TRACE(offline ? "offline" : "online");
    std::vector<std::string> args{"fetch", "file://" + src.string(), "--sha256", af_test::sha256_hex(data),
                                  "-o", (dir / "dest" / "r.bin").string(), "--range", "4000:9000000",
                                  "--cache-dir", (dir / "cache").string()};
    if (offline) args.push_back("--offline");
    const ProcessResult r = cli(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("range 4000:9000000 lies past the end of the remote file (remote size 10000 bytes)"),
              std::string::npos)
        << r.err;
    EXPECT_FALSE(fs::exists(dir / "dest" / "r.bin"));
    for (const auto& e : fs::directory_iterator(dir / "dest")) ADD_FAILURE() << "left behind: " << e.path();
  }
}

// RE2 matches in linear time: a pattern that backtracks exponentially under
// std::regex does not hang sync (the 20 s process timeout would catch it);
// backreferences are refused naming the rule.
TEST_F(Validation, RewritePatternsCannotHangSync) {
  const fs::path m = dir / "m.json";
  af_test::write_file(m, "{\"assets\": [{\"name\": \"a\", \"urls\": [\"https://x.example/" + std::string(2000, 'a') +
                             "c\"], \"sha256\": \"" + kHash + "\", \"destination\": \"a.bin\"}]}");
  const fs::path cfg = dir / "cfg.json";
  af_test::write_file(cfg, R"({"rewrites": [{"match": "https://x\\.example/(a*)*b", "replace": "https://m.example/$1"},
                                            {"match": "(a|aa)+$", "replace": "https://n.example/"}]})");
  const ProcessResult r = sync(m, {"--config", cfg.string()});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 5) << r.err;  // offline, nothing cached: the run itself went through

  af_test::write_file(cfg, "{\"rewrites\": [{\"match\": \"https://(x)\\\\1/(.*)\", \"replace\": \"https://m/$2\"}]}");
  const ProcessResult bad = sync(m, {"--config", cfg.string()});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find(cfg.string() + ":1:25: /rewrites/0/match: backreferences such as \\1 are not supported"),
            std::string::npos)
      << bad.err;
  const ProcessResult checked = check(cfg);
  EXPECT_EQ(checked.exit_code, 2);
  EXPECT_EQ(checked.err, bad.err);
}

}  // namespace
