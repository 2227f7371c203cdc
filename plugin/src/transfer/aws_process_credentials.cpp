// AWS credential_process: a command that prints temporary keys as JSON
// (aws_credentials.h, make_process_provider).
#include <cctype>

#include "platform/child_process_output.h"
#include "transfer/aws_credentials.h"

namespace assetfetch {

namespace {

constexpr std::chrono::seconds kProcessTimeout{30};
constexpr std::size_t kMaxOutput = 64 * 1024;

class ProcessProvider final : public AwsCredentialProvider {
 public:
  ProcessProvider(std::string command, std::string profile)
      : command_(std::move(command)), profile_(std::move(profile)) {}
  std::string name() const override { return "credential_process of profile \"" + profile_ + "\""; }

 protected:
  std::optional<AwsCredentials> fetch(std::string& why) override {
    auto ran = platform::run_command(command_, kProcessTimeout, kMaxOutput);
    if (!ran) {
      why = ran.error().code == platform::Errc::interrupted ? "the command ran longer than 30 s and was stopped"
                                                            : ran.error().message();
      return std::nullopt;
    }
    const platform::CommandOutput& out = ran.value();
    if (out.exit_code != 0) {
      why = "the command exited with status " + std::to_string(out.exit_code);
      return std::nullopt;
    }
    // "Version": 1 is a number; nothing else is accepted (the format may change).
    const auto version = out.out.find("\"Version\"");
    const auto colon = version == std::string::npos ? version : out.out.find(':', version);
    std::size_t digit = colon == std::string::npos ? colon : colon + 1;
    while (digit < out.out.size() && std::isspace(static_cast<unsigned char>(out.out[digit]))) ++digit;
    if (digit >= out.out.size() || out.out[digit] != '1' ||
        (digit + 1 < out.out.size() && std::isdigit(static_cast<unsigned char>(out.out[digit + 1])))) {
      why = "the command's output is not JSON with \"Version\": 1";
      return std::nullopt;
    }
    AwsCredentials c;
    c.access_key_id = json_string_field(out.out, "AccessKeyId");
    c.secret_access_key = json_string_field(out.out, "SecretAccessKey");
    c.session_token = json_string_field(out.out, "SessionToken");
    if (c.access_key_id.empty() || c.secret_access_key.empty()) {
      why = "the command's output has no AccessKeyId and SecretAccessKey";
      return std::nullopt;
    }
    const std::string expiration = json_string_field(out.out, "Expiration");
    if (!expiration.empty()) {
      c.expiration = parse_aws_time(expiration);
      if (!c.expiration) {
        why = "the command's Expiration is not an ISO 8601 time";
        return std::nullopt;
      }
    }
    return c;
  }

 private:
  std::string command_, profile_;
};

}  // namespace

std::shared_ptr<AwsCredentialProvider> make_process_provider(std::string command, std::string profile) {
  return std::make_shared<ProcessProvider>(std::move(command), std::move(profile));
}

}  // namespace assetfetch
