// The CLI and the C ABI are equally thin clients of one core: the same
// scenario through `assetfetch fetch` and through libassetfetch (linked, the
// af_* functions only) must end the same way — same outcome, same bytes at
// the destination, same requests seen by the servers.
//
// Scenarios: failover to a second URL, a destination already in place (no
// request at all the second time), ASSETFETCH_OFFLINE=true with an empty
// cache, and mirror health (an origin that failed on the last run is tried
// last on the next one).
#include <gtest/gtest.h>

#include <cstdlib>

#include "assetfetch/assetfetch.h"
#include "assetfetch/types.h"
#include "integration_util.h"
#include "test_server.h"

namespace {

namespace fs = std::filesystem;
using af_test::Fault;
using af_test::TestServer;

class ProxyFree : public ::testing::Environment {
 public:
  void SetUp() override { af_test::remove_proxy_env(); }
};
const auto* const proxy_free = ::testing::AddGlobalTestEnvironment(new ProxyFree);

// How a run ended, in the terms both clients share.
enum class Outcome { ok, bad_input, hash_mismatch, unavailable, offline_miss, internal };

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::ok: return "ok";
    case Outcome::bad_input: return "bad_input";
    case Outcome::hash_mismatch: return "hash_mismatch";
    case Outcome::unavailable: return "unavailable";
    case Outcome::offline_miss: return "offline_miss";
    case Outcome::internal: return "internal";
  }
  return "?";
}

Outcome from_exit(int code) {
  switch (code) {
    case 0: return Outcome::ok;
    case 2: return Outcome::bad_input;
    case 3: return Outcome::hash_mismatch;
    case 4: return Outcome::unavailable;
    case 5: return Outcome::offline_miss;
    default: return Outcome::internal;
  }
}

Outcome from_af(af_code code) {
  switch (code) {
    case AF_OK: return Outcome::ok;
    case AF_E_INVALID_ARG: return Outcome::bad_input;
    case AF_E_HASH_MISMATCH: return Outcome::hash_mismatch;
    case AF_E_UNAVAILABLE: return Outcome::unavailable;
    case AF_E_OFFLINE_MISS: return Outcome::offline_miss;
    default: return Outcome::internal;
  }
}

// One fetch request, as either client makes it.
struct Fetch {
  std::vector<std::string> urls;
  fs::path dest;
  std::string sha256;
  fs::path cache;
  fs::path config;
  af_test::EnvList env;  // ASSETFETCH_* set for the run (others cleared)
};

struct Result {
  Outcome outcome = Outcome::internal;
  std::string detail;  // for failure messages
};

Result fetch_cli(const Fetch& f) {
  std::vector<std::string> argv{af_it::cli_path(), "fetch"};
  argv.insert(argv.end(), f.urls.begin(), f.urls.end());
  for (const std::string& a : {std::string("--sha256"), f.sha256, std::string("-o"), f.dest.string(),
                               std::string("--cache-dir"), f.cache.string(), std::string("--config"),
                               f.config.string()})
    argv.push_back(a);
  // Each variable once: the scenario's value, else empty (none of the caller's).
  af_test::EnvList env;
  for (const char* name : {"ASSETFETCH_CONFIG", "ASSETFETCH_OFFLINE", "ASSETFETCH_CACHE_DIR"}) {
    std::string value;
    for (const auto& [k, v] : f.env)
      if (k == name) value = v;
    env.emplace_back(name, value);
  }
  auto r = af_test::run_process(argv, env, std::chrono::seconds(60));
  return {from_exit(r.exit_code), af_it::describe(r)};
}

// Sets the ASSETFETCH_* variables for one in-process run, and restores them.
class ScopedEnv {
 public:
  explicit ScopedEnv(const af_test::EnvList& env) {
    for (const char* name : {"ASSETFETCH_CONFIG", "ASSETFETCH_OFFLINE", "ASSETFETCH_CACHE_DIR"}) {
      const char* v = std::getenv(name);
      saved_.push_back({name, v ? std::optional<std::string>(v) : std::nullopt});
      ::unsetenv(name);
    }
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
  }
  ~ScopedEnv() {
    for (const auto& [k, v] : saved_) {
      if (v) ::setenv(k.c_str(), v->c_str(), 1);
      else ::unsetenv(k.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

Result fetch_c_abi(const Fetch& f) {
  ScopedEnv env(f.env);
  af_job_options o;
  af_job_options_init(&o);
  const std::string cache = f.cache.string(), config = f.config.string();
  o.cache_dir = cache.c_str();
  o.config_file = config.c_str();
  af_job* job = nullptr;
  if (af_code rc = af_job_create("parity", &o, &job); rc != AF_OK)
    return {from_af(rc), std::string("af_job_create: ") + af_job_last_error_message(nullptr)};
  std::vector<const char*> urls;
  for (const auto& u : f.urls) urls.push_back(u.c_str());
  const std::string dest = f.dest.string();
  Result out;
  af_file* file = nullptr;
  af_code rc = af_job_add_file(job, urls.data(), urls.size(), dest.c_str(), "sha256", f.sha256.c_str(), &file);
  if (rc == AF_OK) rc = af_job_resume(job);
  af_job_state state = AF_STATE_ERROR;
  if (rc == AF_OK) rc = af_job_wait(job, 60000, &state);
  if (rc == AF_OK && state == AF_STATE_ERROR) {
    af_error_info* e = nullptr;
    if (af_job_get_error(job, &e) == AF_OK && e != nullptr) {
      rc = e->code;
      out.detail = e->message ? e->message : "";
      af_free(e);
    }
  }
  if (rc == AF_OK) rc = af_job_complete(job);
  if (rc != AF_OK && out.detail.empty()) out.detail = af_job_last_error_message(job);
  if (rc != AF_OK && state != AF_STATE_ERROR) af_job_cancel(job);
  af_job_destroy(job);
  out.outcome = from_af(rc);
  return out;
}

class Parity : public ::testing::Test {
 protected:
  af_test::TempDir tmp{"af-parity"};
  TestServer a, b;
  fs::path config = af_it::write_config(tmp / "config.json", 1);

  // Runs `f` through both clients (each with its own cache and destination
  // directory) and returns {cli, c_abi}; `between` runs before each client's
  // run (to reset the servers' logs).
  struct Both {
    Result cli, abi;
  };
  Fetch for_client(Fetch f, const std::string& client) {
    f.cache = tmp / client / "cache";
    f.dest = tmp / client / "out" / f.dest.filename();
    f.config = config;
    return f;
  }

  std::size_t gets(const TestServer& s, const std::string& path) {
    std::size_t n = 0;
    for (const auto& r : s.requests_for(path))
      if (r.method == "GET") ++n;
    return n;
  }
};

#define EXPECT_SAME_OUTCOME(cli, abi, want)                                                       \
  do {                                                                                            \
    EXPECT_EQ(outcome_name((cli).outcome), std::string(outcome_name(want))) << "CLI: " << (cli).detail; \
    EXPECT_EQ(outcome_name((abi).outcome), std::string(outcome_name(want))) << "C ABI: " << (abi).detail; \
  } while (0)

TEST_F(Parity, FailoverToTheSecondUrl) {
  const std::string data = af_test::random_bytes(50000, 81);
  a.add_file("/f", data);
  a.set_fault("/f", Fault{.status = 404});
  b.add_file("/f", data);
  Fetch base{{a.url("/f"), b.url("/f")}, "f.bin", af_test::sha256_hex(data), {}, {}, {}};
  std::map<std::string, std::pair<std::size_t, std::size_t>> requests;
  std::map<std::string, Result> results;
  for (const std::string client : {"cli", "abi"}) {
    a.clear_log();
    b.clear_log();
    Fetch f = for_client(base, client);
    results[client] = client == "cli" ? fetch_cli(f) : fetch_c_abi(f);
    requests[client] = {gets(a, "/f"), gets(b, "/f")};
    EXPECT_TRUE(af_test::read_file(f.dest) == data) << client;
  }
  EXPECT_SAME_OUTCOME(results["cli"], results["abi"], Outcome::ok);
  EXPECT_EQ(requests["cli"], (std::pair<std::size_t, std::size_t>{1, 1}));
  EXPECT_EQ(requests["abi"], requests["cli"]);
}

TEST_F(Parity, AlreadyInPlaceMakesNoRequest) {
  const std::string data = af_test::random_bytes(40000, 82);
  a.add_file("/f", data);
  Fetch base{{a.url("/f")}, "f.bin", af_test::sha256_hex(data), {}, {}, {}};
  std::map<std::string, Result> first, second;
  std::map<std::string, std::size_t> second_requests;
  for (const std::string client : {"cli", "abi"}) {
    Fetch f = for_client(base, client);
    first[client] = client == "cli" ? fetch_cli(f) : fetch_c_abi(f);
    ASSERT_TRUE(af_test::read_file(f.dest) == data) << client;
    const auto inode_before = fs::last_write_time(f.dest);
    a.clear_log();
    second[client] = client == "cli" ? fetch_cli(f) : fetch_c_abi(f);
    second_requests[client] = a.request_count();
    EXPECT_TRUE(af_test::read_file(f.dest) == data) << client;
    EXPECT_EQ(fs::last_write_time(f.dest), inode_before) << client << ": the file in place was rewritten";
  }
  EXPECT_SAME_OUTCOME(first["cli"], first["abi"], Outcome::ok);
  EXPECT_SAME_OUTCOME(second["cli"], second["abi"], Outcome::ok);
  EXPECT_EQ(second_requests["cli"], 0u);
  EXPECT_EQ(second_requests["abi"], 0u);
}

// ASSETFETCH_OFFLINE=true made the CLI offline but not the library.
TEST_F(Parity, OfflineFromTheEnvironment) {
  const std::string data = af_test::random_bytes(30000, 83);
  a.add_file("/f", data);
  Fetch base{{a.url("/f")}, "f.bin", af_test::sha256_hex(data), {}, {}, {{"ASSETFETCH_OFFLINE", "true"}}};
  std::map<std::string, Result> results;
  for (const std::string client : {"cli", "abi"}) {
    Fetch f = for_client(base, client);
    results[client] = client == "cli" ? fetch_cli(f) : fetch_c_abi(f);
    EXPECT_FALSE(fs::exists(f.dest)) << client;
  }
  EXPECT_SAME_OUTCOME(results["cli"], results["abi"], Outcome::offline_miss);
  EXPECT_EQ(a.request_count(), 0u);
}

TEST_F(Parity, BadOfflineValueIsBadInputForBoth) {
  const std::string data = af_test::random_bytes(1000, 84);
  a.add_file("/f", data);
  Fetch base{{a.url("/f")}, "f.bin", af_test::sha256_hex(data), {}, {}, {{"ASSETFETCH_OFFLINE", "perhaps"}}};
  std::map<std::string, Result> results;
  for (const std::string client : {"cli", "abi"}) {
    Fetch f = for_client(base, client);
    results[client] = client == "cli" ? fetch_cli(f) : fetch_c_abi(f);
    EXPECT_NE(results[client].detail.find("ASSETFETCH_OFFLINE"), std::string::npos) << results[client].detail;
    EXPECT_FALSE(fs::exists(f.dest)) << client;
  }
  EXPECT_SAME_OUTCOME(results["cli"], results["abi"], Outcome::bad_input);
  EXPECT_EQ(a.request_count(), 0u);
}

// A run in which the first origin answered 503 leaves it unwell in
// <cache>/health.json: the next run (another file, so no cache hit) asks the
// second origin first and never the first.
TEST_F(Parity, MirrorHealthTriesTheFailedOriginLast) {
  const std::string one = af_test::random_bytes(20000, 85), two = af_test::random_bytes(20000, 86);
  for (TestServer* s : {&a, &b}) {
    s->add_file("/one", one);
    s->add_file("/two", two);
  }
  a.set_fault("/one", Fault{.status = 503});
  a.set_fault("/two", Fault{.status = 503});
  std::map<std::string, Result> first, second;
  std::map<std::string, std::pair<std::size_t, std::size_t>> second_requests;
  for (const std::string client : {"cli", "abi"}) {
    Fetch f1 = for_client(Fetch{{a.url("/one"), b.url("/one")}, "one.bin", af_test::sha256_hex(one), {}, {}, {}}, client);
    first[client] = client == "cli" ? fetch_cli(f1) : fetch_c_abi(f1);
    EXPECT_TRUE(fs::exists(f1.cache / "health.json")) << client;
    a.clear_log();
    b.clear_log();
    Fetch f2 = for_client(Fetch{{a.url("/two"), b.url("/two")}, "two.bin", af_test::sha256_hex(two), {}, {}, {}}, client);
    second[client] = client == "cli" ? fetch_cli(f2) : fetch_c_abi(f2);
    second_requests[client] = {gets(a, "/two"), gets(b, "/two")};
    EXPECT_TRUE(af_test::read_file(f2.dest) == two) << client;
  }
  EXPECT_SAME_OUTCOME(first["cli"], first["abi"], Outcome::ok);
  EXPECT_SAME_OUTCOME(second["cli"], second["abi"], Outcome::ok);
  EXPECT_EQ(second_requests["cli"], (std::pair<std::size_t, std::size_t>{0, 1}));
  EXPECT_EQ(second_requests["abi"], second_requests["cli"]);
}

}  // namespace
