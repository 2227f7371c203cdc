// main() of platform_test: gtest, or with --helper a child process that the
// lock and command tests start (a second process, also under Wine).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "platform/file.h"
#include "platform/local_socket.h"
#include "platform/lock.h"
#include "platform/path.h"
#include "platform/process.h"
#include "platform_test_support.h"

namespace af_platform_test {

namespace p = assetfetch::platform;

namespace {

int dial(const std::string& socket) {
  auto s = p::LocalSocket::connect(p::path_from_utf8(socket));
  if (!s) return 5;
  std::error_code ec;
  if (!s->send_all("cwd " + p::utf8_of(std::filesystem::current_path(ec)) + "\n")) return 4;
  std::string ignored;
  for (int i = 0; i < 100; ++i) {  // bounded: 10 s
    auto got = s->receive(ignored, std::chrono::milliseconds(100));
    if (got && got.value() == 0) return 0;
    if (!got && got.error().code != p::Errc::interrupted) return 0;
  }
  return 4;
}

}  // namespace

// hold <file> <offset> <ready> <release>: locks one byte, creates <ready>,
// waits (at most 30 s) for <release> to exist, exits 0. Exit 3: the byte was
// held elsewhere; 4: an error.
// try <file> <offset>: exit 0 when it could take the byte, 1 when held.
// dial <socket>: connects to the local socket, sends "cwd <working folder>\n"
// and waits (at most 10 s) for the other end to close; 5: could not connect.
// For run_command(): json (credential_process JSON on stdout, a complaint on
// stderr, exit 0); args <words...> (each argument on a line of its own);
// exit <n> (exits n, printing nothing); sleep <file> (3 s, then creates
// <file>: it exists only if the helper outlived a timeout).
int run_helper(int argc, char** argv) {
  const std::string mode = argc > 2 ? argv[2] : "";
  if (mode == "json") {
    std::fputs("a complaint on stderr\n", stderr);
    std::fputs(R"({"Version": 1, "AccessKeyId": "AKIDHELPER", "SecretAccessKey": "s"})", stdout);
    return 0;
  }
  if (mode == "args") {
    for (int i = 3; i < argc; ++i) std::printf("%s\n", argv[i]);
    return 0;
  }
  if (mode == "exit" && argc > 3) return std::atoi(argv[3]);
  if (mode == "sleep" && argc > 3) {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    return p::create_exclusive(argv[3]) ? 0 : 4;
  }
  if (argc < 4) return 4;
  if (mode == "dial") return dial(argv[3]);
  auto f = p::open_regular(argv[3], {.write = true, .create = true});
  if (!f || argc < 5) return 4;
  const std::uint64_t offset = std::stoull(argv[4]);
  auto taken = p::try_lock_range(f.value(), offset, 1);
  if (!taken) return 4;
  if (mode == "try") return taken.value() ? 0 : 1;
  if (mode != "hold" || argc < 7) return 4;
  if (!taken.value()) return 3;
  if (!p::create_exclusive(argv[5])) return 4;
  for (int i = 0; i < 3000; ++i) {
    if (p::identity_of_path(argv[6])) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 4;
}

namespace {
std::string g_argv0;  // absolute, set by main()
}  // namespace

std::vector<std::string> helper_command(std::vector<std::string> args) {
  p::Result<std::string> self = p::executable_path();
  const std::string program = self ? self.value() : g_argv0;
  if (program.empty()) return {};
  args.insert(args.begin(), {program, "--helper"});
  return args;
}

}  // namespace af_platform_test

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--helper") == 0) return af_platform_test::run_helper(argc, argv);
  if (argc > 0) {
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(assetfetch::platform::path_from_utf8(argv[0]), ec);
    if (!ec) af_platform_test::g_argv0 = assetfetch::platform::utf8_of(absolute);
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
