#include "transfer/object_request.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <thread>

#include "base/url.h"
#include "transfer/body_md5.h"
#include "platform/file.h"
#include "transfer/curl_api.h"
#include "transfer/store_auth.h"
#include "transfer/transfer.h"
#include "transfer/upload_target.h"

namespace assetfetch {

namespace {

constexpr std::size_t kMaxAnswerBody = 64 * 1024;

// The state libcurl's callbacks reach through their void* argument.
struct Exchange {
  const ObjectRequest* request = nullptr;
  std::uint64_t sent = 0;
  bool read_failed = false;
  ObjectResponse response;
};

std::size_t on_read(char* data, std::size_t size, std::size_t n, void* p) {
  auto* x = static_cast<Exchange*>(p);
  const ObjectRequest& r = *x->request;
  const std::uint64_t total = r.body_fd != platform::kNoHandle ? r.body_length : r.body_text.size();
  std::size_t want = size * n;
  if (total - x->sent < want) want = static_cast<std::size_t>(total - x->sent);
  if (want == 0) return 0;
  if (r.body_fd == platform::kNoHandle) {
    r.body_text.copy(data, want, static_cast<std::size_t>(x->sent));
    x->sent += want;
    return want;
  }
  const platform::BorrowedFile body(r.body_fd);
  platform::Result<std::size_t> got = platform::read_at(body, data, want, r.body_offset + x->sent);
  if (!got || got.value() == 0) {
    x->read_failed = true;
    return CURL_READFUNC_ABORT;
  }
  x->sent += got.value();
  return got.value();
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* p) {
  auto* x = static_cast<Exchange*>(p);
  const std::size_t bytes = size * n;
  std::string& body = x->response.body;
  if (body.size() < kMaxAnswerBody) body.append(data, std::min(bytes, kMaxAnswerBody - body.size()));
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* p) {
  auto* x = static_cast<Exchange*>(p);
  std::string_view line(data, size * n);
  std::string name(line.substr(0, line.find(':') == std::string_view::npos ? 0 : line.find(':') + 1));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name == "content-length:") {
    std::uint64_t v = 0;
    bool digits = false;
    for (char c : line.substr(15)) {
      if (c >= '0' && c <= '9') {
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
        digits = true;
      } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        digits = false;
        break;
      }
    }
    if (digits) x->response.content_length = v;
  } else if (name == "etag:") {
    line.remove_prefix(5);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ')) line.remove_suffix(1);
    x->response.etag = std::string(line);
  }
  return size * n;
}

// Move-only owner of the easy handle and its header list.
class EasyRequest {
 public:
  EasyRequest() : easy_(curl_api().easy_init()) {
    if (!easy_) throw std::bad_alloc();
  }
  ~EasyRequest() {
    curl_api().easy_cleanup(easy_);
    if (headers_) curl_api().slist_free_all(headers_);
  }
  EasyRequest(const EasyRequest&) = delete;
  EasyRequest& operator=(const EasyRequest&) = delete;
  CURL* get() const { return easy_; }
  curl_slist*& headers() { return headers_; }

 private:
  CURL* easy_;
  curl_slist* headers_ = nullptr;
};

}  // namespace

ObjectResponse perform_object_request(const ObjectRequest& r) {
  const CurlApi& curl = curl_api();
  const RetryPolicy defaults;
  const RetryPolicy& retry = r.retry ? *r.retry : defaults;
  EasyRequest easy;
  CURL* e = easy.get();
  Exchange x;
  x.request = &r;
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl.easy_setopt(e, CURLOPT_URL, r.url.c_str());
  curl.easy_setopt(e, CURLOPT_ERRORBUFFER, error_buffer);
  curl.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl.easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);  // credentials never follow a redirect
  curl.easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::chrono::milliseconds(retry.connect_timeout).count()));
  curl.easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl.easy_setopt(e, CURLOPT_LOW_SPEED_TIME, static_cast<long>(retry.no_progress_timeout.count()));
  curl.easy_setopt(e, CURLOPT_USERAGENT, "assetfetch/" ASSETFETCH_VERSION_STRING);
  if (r.total_timeout.count() > 0) curl.easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(r.total_timeout.count()));
  if (r.no_proxy) curl.easy_setopt(e, CURLOPT_NOPROXY, "*");
  if (r.tls) {
    curl.easy_setopt(e, CURLOPT_SSL_VERIFYPEER, r.tls->verify ? 1L : 0L);
    curl.easy_setopt(e, CURLOPT_SSL_VERIFYHOST, r.tls->verify ? 2L : 0L);
    if (!r.tls->ca_file.empty()) curl.easy_setopt(e, CURLOPT_CAINFO, r.tls->ca_file.c_str());
  }
  curl_slist*& headers = easy.headers();
  if (r.content_md5) {
    const auto md5 = content_md5(r.body_fd, r.body_offset, r.body_length, r.body_text);
    if (!md5) {
      ObjectResponse failed;
      failed.transport_failed = true;
      failed.error = "cannot read the cached object";
      return failed;
    }
    headers = curl.slist_append(headers, ("Content-MD5: " + *md5).c_str());
  }
  for (const auto& [name, value] : r.headers) headers = curl.slist_append(headers, (name + ": " + value).c_str());
  const bool with_body = r.method == "PUT" || r.method == "POST";
  if (with_body && !r.content_type.empty())
    headers = curl.slist_append(headers, ("Content-Type: " + r.content_type).c_str());
  if (r.store) headers = apply_store_auth(e, *r.store, r.url, headers);
  curl.easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  const auto length = static_cast<curl_off_t>(r.body_fd != platform::kNoHandle ? r.body_length : r.body_text.size());
  curl.easy_setopt(e, CURLOPT_READFUNCTION, &on_read);
  curl.easy_setopt(e, CURLOPT_READDATA, &x);
  if (r.method == "DELETE") {
    curl.easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
  } else if (r.method == "HEAD") {
    curl.easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (r.method == "GET") {
    curl.easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else if (r.method == "POST") {
    curl.easy_setopt(e, CURLOPT_POST, 1L);
    curl.easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, length);
  } else {
    curl.easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl.easy_setopt(e, CURLOPT_INFILESIZE_LARGE, length);
  }
  curl.easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_body);
  curl.easy_setopt(e, CURLOPT_WRITEDATA, &x);
  curl.easy_setopt(e, CURLOPT_HEADERFUNCTION, &on_header);
  curl.easy_setopt(e, CURLOPT_HEADERDATA, &x);
  const CURLcode code = curl.easy_perform(e);
  ObjectResponse& out = x.response;
  curl.easy_getinfo(e, CURLINFO_RESPONSE_CODE, &out.status);
  if (code != CURLE_OK) {
    out.transport_failed = true;
    out.transient = !x.read_failed && is_transient_curl_error(code);
    out.error = x.read_failed ? "cannot read the cached object" : (error_buffer[0] ? error_buffer : curl.easy_strerror(code));
  } else {
    out.transient = is_transient_status(out.status);
  }
  return std::move(out);
}

ObjectResponse perform_with_retry(const ObjectRequest& r) {
  const RetryPolicy defaults;
  const RetryPolicy& retry = r.retry ? *r.retry : defaults;
  auto backoff = retry.backoff;
  ObjectResponse response;
  for (int attempt = 1;; ++attempt) {
    response = perform_object_request(r);
    if (response.ok() || !response.transient || attempt >= retry.attempts) return response;
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
}

ObjectPresence head_object(const ObjectRequest& base, std::uint64_t size, std::string* why) {
  ObjectRequest r = base;
  r.method = "HEAD";
  r.body_fd = platform::kNoHandle;
  r.body_text.clear();
  r.headers.erase(std::remove_if(r.headers.begin(), r.headers.end(),
                                 [](const auto& h) { return h.first == "If-None-Match" || h.first == "x-goog-if-generation-match"; }),
                  r.headers.end());
  const ObjectResponse answer = perform_object_request(r);
  if (answer.transport_failed) {
    if (why) *why = answer.error;
    return ObjectPresence::unreachable;
  }
  if (answer.status == 404) return ObjectPresence::absent;
  if (!answer.ok()) return ObjectPresence::unknown;
  return answer.content_length == size ? ObjectPresence::present : ObjectPresence::absent;
}

std::optional<std::string> settled_before_upload(const ObjectRequest& base, std::uint64_t size, UploadNote* note) {
  std::string why;
  switch (head_object(base, size, &why)) {
    case ObjectPresence::present:
      if (note) note->already_there = true;
      return std::string();
    case ObjectPresence::unreachable:
      if (note) note->store_unreachable = true;
      return "the store did not answer: " + why;
    case ObjectPresence::absent:
    case ObjectPresence::unknown:
      break;
  }
  return std::nullopt;
}

bool already_created(const ObjectResponse& response) {
  if (response.transport_failed) return false;
  if (response.status == 412) return true;
  const std::string code = xml_element(response.body, "Code");
  return response.status == 409 && (code == "BlobAlreadyExists" || code == "ConditionalRequestConflict");
}

std::string with_query(const std::string& url, const std::string& params) {
  const auto parts = split_url(url);
  std::string base = parts && parts->fragment ? url.substr(0, url.size() - parts->fragment->size() - 1) : url;
  base += parts && parts->query ? '&' : '?';
  base += params;
  return base;
}

std::string xml_element(const std::string& xml, const std::string& tag) {
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  const auto start = xml.find(open);
  if (start == std::string::npos) return {};
  const auto from = start + open.size();
  const auto end = xml.find(close, from);
  if (end == std::string::npos) return {};
  return xml.substr(from, end - from);
}

std::string describe_failure(const ObjectResponse& response) {
  if (response.transport_failed) return response.error;
  std::string text = "HTTP " + std::to_string(response.status);
  const std::string code = xml_element(response.body, "Code");
  if (code.empty()) return text;
  text += " " + code;
  // Azure's Message carries RequestId and Time on further lines; S3's may
  // carry the string to sign in other elements, which are left out.
  std::string message = xml_element(response.body, "Message");
  message = message.substr(0, message.find_first_of("\r\n"));
  if (!message.empty()) text += ": " + message;
  return text;
}

}  // namespace assetfetch
