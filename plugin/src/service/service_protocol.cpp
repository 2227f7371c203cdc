#include "service/service_protocol.h"

#include <cstdlib>
#include <filesystem>

#include "base/digest.h"
#include "base/range.h"
#include "core/job_record.h"
#include "platform/environment.h"
#include "platform/path.h"
#include "platform/process.h"

namespace assetfetch::service {

namespace {

using Json = nlohmann::json;

Json digest_json(const std::optional<Digest>& d) {
  if (!d) return nullptr;
  return Json{{"algorithm", algorithm_name(d->algorithm)}, {"hex", d->hex}};
}

std::optional<Digest> digest_from(const Json& j) {
  if (j.is_null()) return std::nullopt;
  const auto alg = parse_algorithm(j.at("algorithm").get<std::string>());
  if (!alg) throw std::runtime_error("unknown hash algorithm in a service request");
  return parse_digest(*alg, j.at("hex").get<std::string>(), "a service request's digest");
}

template <class T>
Json optional_json(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

template <class T>
std::optional<T> optional_from(const Json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<T>();
}

Json options_json(const JobOptions& o) {
  const RetryPolicy& r = o.retry;
  return Json{
      {"cache_dir", platform::utf8_of(o.cache_dir)},
      {"offline", o.offline},
      {"block_origin", o.block_origin},
      {"require_verified_ranges", o.require_verified_ranges},
      {"install", static_cast<int>(o.install)},
      {"retry",
       {r.attempts, r.backoff.count(), r.no_progress_timeout.count(), r.min_rate_bytes_per_s,
        r.min_rate_window.count(), r.connect_timeout.count(), r.retry_after_cap.count(), r.max_redirects}},
      {"tls_verify", o.tls.verify},
      {"ca_file", o.tls.ca_file},
      {"max_parallel_files", o.max_parallel_files},
      {"max_connections_per_file", o.max_connections_per_file},
      {"segment", {o.segment_threshold, o.segment_min_split, o.segment_probe_after.count(), o.segment_local_capacity}},
      {"max_download_size", o.max_download_size},
      {"min_free_bytes", optional_json(o.min_free_space.bytes)},
      {"min_free_percent", optional_json(o.min_free_space.percent)},
      {"use_mirror_health", o.use_mirror_health},
      {"skip_in_place", o.skip_in_place},
      {"restore", o.restore},
      {"write_back_wait_s", o.write_back_wait.count()},
  };
}

JobOptions options_from(const Json& j) {
  JobOptions o;
  o.cache_dir = platform::path_from_utf8(j.at("cache_dir").get<std::string>());
  o.offline = j.at("offline").get<bool>();
  o.block_origin = j.at("block_origin").get<bool>();
  o.require_verified_ranges = j.at("require_verified_ranges").get<bool>();
  o.install = static_cast<InstallMode>(j.at("install").get<int>());
  const Json& r = j.at("retry");
  o.retry.attempts = r.at(0).get<int>();
  o.retry.backoff = std::chrono::milliseconds(r.at(1).get<long long>());
  o.retry.no_progress_timeout = std::chrono::seconds(r.at(2).get<long long>());
  o.retry.min_rate_bytes_per_s = r.at(3).get<std::uint64_t>();
  o.retry.min_rate_window = std::chrono::seconds(r.at(4).get<long long>());
  o.retry.connect_timeout = std::chrono::seconds(r.at(5).get<long long>());
  o.retry.retry_after_cap = std::chrono::seconds(r.at(6).get<long long>());
  o.retry.max_redirects = r.at(7).get<int>();
  o.tls.verify = j.at("tls_verify").get<bool>();
  o.tls.ca_file = j.at("ca_file").get<std::string>();
  o.max_parallel_files = j.at("max_parallel_files").get<int>();
  o.max_connections_per_file = j.at("max_connections_per_file").get<int>();
  const Json& s = j.at("segment");
  o.segment_threshold = s.at(0).get<std::uint64_t>();
  o.segment_min_split = s.at(1).get<std::uint64_t>();
  o.segment_probe_after = std::chrono::milliseconds(s.at(2).get<long long>());
  o.segment_local_capacity = s.at(3).get<double>();
  o.max_download_size = j.at("max_download_size").get<std::uint64_t>();
  o.min_free_space.bytes = optional_from<std::uint64_t>(j.at("min_free_bytes"));
  o.min_free_space.percent = optional_from<double>(j.at("min_free_percent"));
  o.use_mirror_health = j.at("use_mirror_health").get<bool>();
  o.skip_in_place = j.at("skip_in_place").get<bool>();
  o.restore = j.at("restore").get<bool>();
  o.write_back_wait = std::chrono::seconds(j.at("write_back_wait_s").get<long long>());
  return o;
}

Json file_json(const FileSpec& f) {
  Json candidates = Json::array();
  for (const auto& c : f.candidates)
    candidates.push_back(Json{{"url", c.url}, {"kind", static_cast<int>(c.kind)}, {"headers", c.headers}});
  Json ranges = Json::array();
  for (const auto& r : f.ranges) ranges.push_back(recorded_range_text(r));
  return Json{{"name", f.name},
              {"local_name", platform::utf8_of(f.local_name)},
              {"candidates", candidates},
              {"digest", digest_json(f.digest)},
              {"extra_digest", digest_json(f.extra_digest)},
              {"allow_unverified", f.allow_unverified},
              {"resume_key", digest_json(f.resume_key)},
              {"size", optional_json(f.size)},
              {"ranges", ranges},
              {"ranges_given", f.ranges_given},
              {"layout", static_cast<int>(f.layout)}};
}

FileSpec file_from(const Json& j) {
  FileSpec f;
  f.name = j.at("name").get<std::string>();
  f.local_name = platform::path_from_utf8(j.at("local_name").get<std::string>());
  for (const auto& c : j.at("candidates"))
    f.candidates.emplace_back(c.at("url").get<std::string>(), static_cast<CandidateKind>(c.at("kind").get<int>()),
                              c.at("headers").get<HeaderList>());
  f.digest = digest_from(j.at("digest"));
  f.extra_digest = digest_from(j.at("extra_digest"));
  f.allow_unverified = j.at("allow_unverified").get<bool>();
  f.resume_key = digest_from(j.at("resume_key"));
  f.size = optional_from<std::uint64_t>(j.at("size"));
  for (const auto& r : j.at("ranges")) f.ranges.push_back(parse_range_arg(r.get<std::string>(), "a service request's range"));
  f.ranges_given = j.at("ranges_given").get<bool>();
  f.layout = static_cast<Layout>(j.at("layout").get<int>());
  return f;
}

}  // namespace

const std::string& build_identity() {
  static const std::string identity = [] {
    std::string id = ASSETFETCH_VERSION_STRING;
    if (auto exe = platform::executable_path()) {
      std::error_code ec;
      const auto path = platform::path_from_utf8(exe.value());  // UTF-8, also on Windows
      const auto size = std::filesystem::file_size(path, ec);
      const auto time = std::filesystem::last_write_time(path, ec);
      if (!ec) id += " " + std::to_string(size) + "@" + std::to_string(time.time_since_epoch().count());
    }
    return id;
  }();
  return identity;
}

std::string request_identity(bool cache_only) {
  return cache_only ? std::string(ASSETFETCH_VERSION_STRING) : build_identity();
}

std::map<std::string, std::string> transfer_environment() {
  static const char* const kNames[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                                       "ALL_PROXY", "no_proxy", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR",
                                       "CURL_SSL_BACKEND"};
  std::map<std::string, std::string> env;
  for (const char* name : kNames)
    if (std::optional<std::string> v = platform::environment_value(name)) env[name] = *v;
  return env;
}

nlohmann::json to_json(const JobRequest& request) {
  Json files = Json::array();
  for (const auto& f : request.files) files.push_back(file_json(f));
  return Json{{"protocol", kProtocol},
              {"version", request_identity(request.cache_only)},
              {"env", request.env},
              {"name", request.name},
              {"options", options_json(request.options)},
              {"files", files},
              {"cache_only", request.cache_only}};
}

JobRequest parse_request(const nlohmann::json& j) {
  JobRequest r;
  r.name = j.at("name").get<std::string>();
  r.options = options_from(j.at("options"));
  for (const auto& f : j.at("files")) r.files.push_back(file_from(f));
  r.env = j.at("env").get<std::map<std::string, std::string>>();
  r.cache_only = j.at("cache_only").get<bool>();
  return r;
}

nlohmann::json to_json(const ErrorContext& e) {
  return Json{{"code", static_cast<int>(e.code)}, {"cause", static_cast<int>(e.cause)}, {"file", e.file},
              {"url", e.url}, {"http_status", e.http_status}, {"message", e.message}};
}

ErrorContext error_from_json(const nlohmann::json& j) {
  ErrorContext e;
  e.code = static_cast<ErrorCode>(j.at("code").get<int>());
  e.cause = static_cast<ErrorCause>(j.at("cause").get<int>());
  e.file = j.at("file").get<std::string>();
  e.url = j.at("url").get<std::string>();
  e.http_status = j.at("http_status").get<long>();
  e.message = j.at("message").get<std::string>();
  return e;
}

nlohmann::json to_json(const AttemptRecord& r) {
  return Json{{"asset", r.asset},   {"url", r.url},          {"range", r.range},
              {"status", r.http_status}, {"bytes", r.bytes}, {"duration_s", r.duration_s},
              {"outcome", static_cast<int>(r.outcome)}, {"cause", static_cast<int>(r.cause)},
              {"retry_reason", r.retry_reason}};
}

AttemptRecord attempt_from_json(const nlohmann::json& j) {
  AttemptRecord r;
  r.asset = j.at("asset").get<std::string>();
  r.url = j.at("url").get<std::string>();
  r.range = j.at("range").get<std::string>();
  r.http_status = j.at("status").get<long>();
  r.bytes = j.at("bytes").get<std::uint64_t>();
  r.duration_s = j.at("duration_s").get<double>();
  r.outcome = static_cast<AttemptOutcome>(j.at("outcome").get<int>());
  r.cause = static_cast<ErrorCause>(j.at("cause").get<int>());
  r.retry_reason = j.at("retry_reason").get<std::string>();
  return r;
}

nlohmann::json to_json(const FileResult& r) {
  return Json{{"source", r.source}, {"from_cache", r.from_cache}, {"verified", r.verified}, {"bytes", r.bytes}};
}

FileResult result_from_json(const nlohmann::json& j) {
  FileResult r;
  r.source = j.at("source").get<std::string>();
  r.from_cache = j.at("from_cache").get<bool>();
  r.verified = j.at("verified").get<bool>();
  r.bytes = j.at("bytes").get<std::uint64_t>();
  return r;
}

nlohmann::json to_json(const Progress& p) {
  return Json{{"total", p.bytes_total}, {"known", p.bytes_total_known}, {"bytes", p.bytes_transferred},
              {"files_total", p.files_total}, {"files_done", p.files_transferred}};
}

Progress progress_from_json(const nlohmann::json& j) {
  Progress p;
  p.bytes_total = j.at("total").get<std::uint64_t>();
  p.bytes_total_known = j.at("known").get<bool>();
  p.bytes_transferred = j.at("bytes").get<std::uint64_t>();
  p.files_total = j.at("files_total").get<std::uint32_t>();
  p.files_transferred = j.at("files_done").get<std::uint32_t>();
  return p;
}

}  // namespace assetfetch::service
