// run_command() (platform/child_process_output.h), the AWS credential_process
// runner: natively (through /bin/sh) and under Wine (CreateProcessW, the line
// split as the AWS CLI splits it). The command is this test program started
// as a helper (platform_test_main.cpp) that prints JSON, echoes its
// arguments, exits with a code or sleeps.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "platform/child_process_output.h"
#include "platform/file.h"
#include "platform_test_support.h"

namespace assetfetch::platform {
namespace {

using af_platform_test::helper_command;
using af_platform_test::Scratch;
using std::chrono::milliseconds;

// One word of a command line as the platform's runner reads it back.
std::string shell_word(const std::string& word) {
#ifdef _WIN32
  std::string out = "\"";
  for (char c : word) out += c == '"' ? std::string("\\\"") : std::string(1, c);
  return out + "\"";
#else
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
#endif
}

// The helper's command line, every word quoted, then `raw` as written.
std::string helper_line(const std::vector<std::string>& args, const std::string& raw = "") {
  const std::vector<std::string> words = helper_command(args);
  std::string line;
  for (const std::string& w : words) line += (line.empty() ? "" : " ") + shell_word(w);
  return raw.empty() || line.empty() ? line : line + " " + raw;
}

std::string without_cr(std::string s) {
  std::erase(s, '\r');
  return s;
}

TEST(PlatformCommand, CapturesStdoutOnlyAndTheExitCode) {
  const std::string line = helper_line({"json"});
  ASSERT_FALSE(line.empty());
  Result<CommandOutput> ran = run_command(line, std::chrono::seconds(30), 64 * 1024);
  ASSERT_TRUE(ran) << ran.error().message();
  EXPECT_EQ(ran->exit_code, 0);
  // The helper's stderr line stays out of what we parse.
  EXPECT_EQ(ran->out, R"({"Version": 1, "AccessKeyId": "AKIDHELPER", "SecretAccessKey": "s"})");

  ran = run_command(helper_line({"exit", "7"}), std::chrono::seconds(30), 1024);
  ASSERT_TRUE(ran) << ran.error().message();
  EXPECT_EQ(ran->exit_code, 7);
  EXPECT_EQ(ran->out, "");
}

// Quoted words with spaces, an escaped quote and backslashes reach the
// program as the AWS CLI's split gives them (on POSIX: as the shell's).
TEST(PlatformCommand, ArgumentsArriveAsQuoted) {
#ifdef _WIN32
  const std::string raw = R"(plain "with space" say\"hi C:\dir\ "tail\\")";
  const std::string expected = "plain\nwith space\nsay\"hi\nC:\\dir\\\ntail\\\n";
#else
  const std::string raw = R"(plain "with space" 'say"hi' /dir/)";
  const std::string expected = "plain\nwith space\nsay\"hi\n/dir/\n";
#endif
  Result<CommandOutput> ran = run_command(helper_line({"args"}, raw), std::chrono::seconds(30), 1024);
  ASSERT_TRUE(ran) << ran.error().message();
  EXPECT_EQ(ran->exit_code, 0);
  EXPECT_EQ(without_cr(ran->out), expected);
}

TEST(PlatformCommand, OutputIsCappedAtTheLimit) {
  Result<CommandOutput> ran = run_command(helper_line({"json"}), std::chrono::seconds(30), 10);
  ASSERT_TRUE(ran) << ran.error().message();
  EXPECT_EQ(ran->out, R"({"Version")");
}

// A command that runs too long is stopped at the deadline, not at its end,
// and so is what it started: on POSIX the helper is the shell's child; the
// helper would create a file 3 s in.
TEST(PlatformCommand, ATimeoutStopsTheCommand) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  const auto started = std::chrono::steady_clock::now();
  Result<CommandOutput> ran = run_command(helper_line({"sleep", dir / "outlived"}), milliseconds(500), 1024);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(ran);
  EXPECT_EQ(ran.error().code, Errc::interrupted) << ran.error().message();
  EXPECT_LT(took, std::chrono::milliseconds(2500)) << "the helper sleeps 3 s";
  std::this_thread::sleep_for(std::chrono::seconds(4));
  EXPECT_FALSE(identity_of_path(dir / "outlived")) << "the helper outlived the timeout";
}

TEST(PlatformCommand, AMissingProgramOrAnEmptyLineIsAnError) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  Result<CommandOutput> ran = run_command("   ", std::chrono::seconds(5), 1024);
  ASSERT_FALSE(ran);
  EXPECT_EQ(ran.error().code, Errc::invalid_argument);
  ran = run_command(shell_word(dir / "no such program") + " --flag", std::chrono::seconds(5), 1024);
#ifdef _WIN32
  ASSERT_FALSE(ran);
  EXPECT_EQ(ran.error().code, Errc::not_found) << ran.error().message();
  EXPECT_EQ(ran.error().message().find("--flag"), std::string::npos) << "the command is never printed";
#else
  ASSERT_TRUE(ran) << ran.error().message();
  EXPECT_EQ(ran->exit_code, 127);  // the shell's "not found"
#endif
}

#ifdef _WIN32
// A .cmd file as the AWS docs show it ("C:\Path\To\credentials.cmd" args):
// CreateProcessW runs it through cmd.exe.
TEST(PlatformCommand, ABatchFileRunsThroughCmd) {
  Scratch dir;
  ASSERT_TRUE(dir.ok());
  std::string script = dir / "creds.cmd";
  for (char& c : script) c = c == '/' ? '\\' : c;
  Result<File> f = create_exclusive(script);
  ASSERT_TRUE(f) << f.error().message();
  const std::string text = "@echo {\"Version\": 1, \"AccessKeyId\": \"AKIDBATCH\", \"SecretAccessKey\": \"s\"}\r\n";
  ASSERT_TRUE(write_all(f.value(), text.data(), text.size()));
  f.value() = File();
  Result<CommandOutput> ran = run_command(shell_word(script) + " ignored", std::chrono::seconds(30), 1024);
  ASSERT_TRUE(ran) << ran.error().message();
  EXPECT_EQ(ran->exit_code, 0);
  EXPECT_EQ(without_cr(ran->out), "{\"Version\": 1, \"AccessKeyId\": \"AKIDBATCH\", \"SecretAccessKey\": \"s\"}\n");
}
#endif

}  // namespace
}  // namespace assetfetch::platform
