#include "transfer/aws_credentials.h"

#include <ctime>
#include <fstream>
#include <sstream>

#include "assetfetch/job.h"
#include "base/percent_encode.h"
#include "transfer/object_request.h"

namespace assetfetch {

namespace {

// Bounded so that a machine without the service never waits long: one
// connect second, a few seconds in all, no retries (the next request, after
// kSecretRetryAfterFailure, asks again).
ObjectResponse ask(ObjectRequest r, std::chrono::milliseconds total) {
  static const RetryPolicy quick = [] {
    RetryPolicy p;
    p.connect_timeout = std::chrono::seconds(1);
    p.no_progress_timeout = std::chrono::seconds(5);
    return p;
  }();
  r.retry = &quick;
  r.store = nullptr;
  r.total_timeout = total;
  return perform_object_request(r);
}

std::string failure_of(const ObjectResponse& a) {
  return a.transport_failed ? a.error : "HTTP " + std::to_string(a.status);
}

std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}: the answer of
// the container endpoint and of IMDS.
std::optional<AwsCredentials> from_json(const std::string& body, std::string& why) {
  AwsCredentials c;
  c.access_key_id = json_string_field(body, "AccessKeyId");
  c.secret_access_key = json_string_field(body, "SecretAccessKey");
  c.session_token = json_string_field(body, "Token");
  const std::string expiration = json_string_field(body, "Expiration");
  if (!expiration.empty()) c.expiration = parse_aws_time(expiration);
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    why = "the answer has no AccessKeyId and SecretAccessKey";
    return std::nullopt;
  }
  return c;
}

class WebIdentityProvider final : public AwsCredentialProvider {
 public:
  WebIdentityProvider(std::string token_file, std::string role_arn, std::string session, std::string endpoint)
      : token_file_(std::move(token_file)), role_arn_(std::move(role_arn)), session_(std::move(session)),
        endpoint_(std::move(endpoint)) {}
  std::string name() const override { return "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)"; }

 protected:
  std::optional<AwsCredentials> fetch(std::string& why) override {
    const auto token = read_small_file(token_file_);
    if (!token || token->empty()) {
      why = "cannot read the web identity token file " + token_file_;
      return std::nullopt;
    }
    ObjectRequest r;
    r.method = "POST";
    r.url = endpoint_;
    if (r.url.empty() || r.url.back() != '/') r.url += '/';
    r.content_type = "application/x-www-form-urlencoded";
    // AssumeRoleWithWebIdentity is not signed: the token is the proof.
    r.body_text = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + percent_encode(role_arn_) +
                  "&RoleSessionName=" + percent_encode(session_) +
                  "&WebIdentityToken=" + percent_encode(*token);
    const ObjectResponse a = ask(r, std::chrono::seconds(10));
    if (!a.ok()) {
      why = "STS AssumeRoleWithWebIdentity: " + describe_failure(a);
      return std::nullopt;
    }
    AwsCredentials c;
    const std::string creds = xml_element(a.body, "Credentials");
    c.access_key_id = xml_element(creds, "AccessKeyId");
    c.secret_access_key = xml_element(creds, "SecretAccessKey");
    c.session_token = xml_element(creds, "SessionToken");
    c.expiration = parse_aws_time(xml_element(creds, "Expiration"));
    if (c.access_key_id.empty() || c.secret_access_key.empty()) {
      why = "STS answered without Credentials";
      return std::nullopt;
    }
    return c;
  }

 private:
  std::string token_file_, role_arn_, session_, endpoint_;
};

class ContainerProvider final : public AwsCredentialProvider {
 public:
  ContainerProvider(std::string url, std::string token, std::string token_file)
      : url_(std::move(url)), token_(std::move(token)), token_file_(std::move(token_file)) {}
  std::string name() const override { return "container credentials (AWS_CONTAINER_CREDENTIALS_*_URI)"; }

 protected:
  std::optional<AwsCredentials> fetch(std::string& why) override {
    ObjectRequest r;
    r.method = "GET";
    r.url = url_;
    r.no_proxy = true;
    std::string token = token_;
    if (token.empty() && !token_file_.empty()) {
      const auto read = read_small_file(token_file_);
      if (!read) {
        why = "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + token_file_;
        return std::nullopt;
      }
      token = *read;
    }
    if (!token.empty()) r.headers.emplace_back("Authorization", token);
    const ObjectResponse a = ask(r, std::chrono::seconds(5));
    if (!a.ok()) {
      why = "container credentials endpoint: " + failure_of(a);
      return std::nullopt;
    }
    return from_json(a.body, why);
  }

 private:
  std::string url_, token_, token_file_;
};

class ImdsProvider final : public AwsCredentialProvider {
 public:
  explicit ImdsProvider(std::string endpoint) : endpoint_(std::move(endpoint)) {
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  }
  std::string name() const override { return "instance metadata (IMDSv2)"; }

 protected:
  std::optional<AwsCredentials> fetch(std::string& why) override {
    constexpr auto kTimeout = std::chrono::seconds(2);
    ObjectRequest put;
    put.method = "PUT";
    put.url = endpoint_ + "/latest/api/token";
    put.no_proxy = true;
    put.content_type.clear();
    put.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", "21600");
    const ObjectResponse session = ask(put, kTimeout);
    if (!session.ok() || session.body.empty()) {
      why = "IMDSv2 token: " + failure_of(session);
      return std::nullopt;
    }
    ObjectRequest get;
    get.method = "GET";
    get.no_proxy = true;
    get.headers.emplace_back("X-aws-ec2-metadata-token", session.body);
    get.url = endpoint_ + "/latest/meta-data/iam/security-credentials/";
    const ObjectResponse role = ask(get, kTimeout);
    const std::string name = role.body.substr(0, role.body.find_first_of("\r\n"));
    if (!role.ok() || name.empty() || name.find('/') != std::string::npos) {
      why = role.ok() ? "the instance has no IAM role" : "IMDS role: " + failure_of(role);
      return std::nullopt;
    }
    get.url += percent_encode(name);
    const ObjectResponse creds = ask(get, kTimeout);
    if (!creds.ok()) {
      why = "IMDS credentials: " + failure_of(creds);
      return std::nullopt;
    }
    return from_json(creds.body, why);
  }

 private:
  std::string endpoint_;
};

}  // namespace

std::shared_ptr<AwsCredentialProvider> make_web_identity_provider(std::string token_file, std::string role_arn,
                                                                  std::string session_name,
                                                                  std::string sts_endpoint) {
  return std::make_shared<WebIdentityProvider>(std::move(token_file), std::move(role_arn), std::move(session_name),
                                               std::move(sts_endpoint));
}

std::shared_ptr<AwsCredentialProvider> make_container_provider(std::string url, std::string auth_token,
                                                               std::string auth_token_file) {
  return std::make_shared<ContainerProvider>(std::move(url), std::move(auth_token), std::move(auth_token_file));
}

std::shared_ptr<AwsCredentialProvider> make_imds_provider(std::string endpoint) {
  return std::make_shared<ImdsProvider>(std::move(endpoint));
}

std::optional<std::chrono::system_clock::time_point> parse_aws_time(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6)
    return std::nullopt;
  std::string rest = text.substr(static_cast<std::size_t>(consumed));
  if (!rest.empty() && rest.front() == '.') {
    std::size_t i = 1;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    rest.erase(0, i);
  }
  if (rest != "Z" && rest != "+00:00" && rest != "") return std::nullopt;
  // UTC by the calendar (timegm is not in the C or C++ standard, nor on Windows).
  using namespace std::chrono;
  const year_month_day date{year{tm.tm_year}, month{static_cast<unsigned>(tm.tm_mon)},
                            day{static_cast<unsigned>(tm.tm_mday)}};
  if (!date.ok() || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) return std::nullopt;
  return time_point_cast<system_clock::duration>(sys_days{date} + hours{tm.tm_hour} + minutes{tm.tm_min} +
                                                 seconds{tm.tm_sec});
}

std::string json_string_field(const std::string& json, const std::string& key) {
  const std::string quoted = "\"" + key + "\"";
  for (auto at = json.find(quoted); at != std::string::npos; at = json.find(quoted, at + 1)) {
    std::size_t i = at + quoted.size();
    while (i < json.size() && (json[i] == ' ' || json[i] == '\t' || json[i] == '\r' || json[i] == '\n')) ++i;
    if (i >= json.size() || json[i] != ':') continue;  // the key's text was a value
    ++i;
    while (i < json.size() && (json[i] == ' ' || json[i] == '\t' || json[i] == '\r' || json[i] == '\n')) ++i;
    if (i >= json.size() || json[i] != '"') return {};
    std::string value;
    for (++i; i < json.size() && json[i] != '"'; ++i) {
      if (json[i] == '\\' && i + 1 < json.size()) ++i;  // \" \\ \/ as themselves; keys hold no other escapes
      value += json[i];
    }
    return value;
  }
  return {};
}

}  // namespace assetfetch
