// One HTTP(S) request on a libcurl easy handle (move-only RAII), driven by the
// job's multi handle. Redirects are followed by the caller, one hop per
// Transfer, so that headers and credentials only go to the origin they were
// configured for and an HTTPS→HTTP hop can be refused.
#pragma once

#include "transfer/curl_api.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "assetfetch/job.h"

namespace assetfetch {

struct TransferRequest {
  std::string url;
  HeaderList headers;  // already filtered for this URL's origin
  std::string range;   // "FIRST-LAST" or "FIRST-"; empty: no Range header
  const RetryPolicy* retry = nullptr;
  const TlsPolicy* tls = nullptr;
  // PUT of a local file (write-back) instead of a GET.
  std::string put_file;
  // Which segment of a segmented fetch this is (SegmentedFetch id); -1: none.
  long segment = -1;
};

struct ContentRange {
  bool present = false;
  bool unsatisfied = false;  // "bytes */TOTAL"
  std::uint64_t first = 0, last = 0, total = 0;
  bool total_known = false;
};

struct TransferResult {
  CURLcode curl_code = CURLE_OK;
  std::string curl_error;
  long status = 0;
  std::optional<std::uint64_t> content_length;
  ContentRange content_range;
  std::string etag, last_modified, retry_after, redirect_url;
  std::uint64_t body_bytes = 0;  // bytes accepted by the sink
  double seconds = 0;
  bool aborted = false;        // the sink or header check stopped the transfer
  std::string abort_reason;    // why, when aborted
};

class Transfer {
 public:
  // Called once, before the first body byte of a 2xx response; returning
  // false aborts the transfer (the reason goes into abort_reason).
  using HeaderCheck = std::function<bool(const TransferResult& so_far, std::string* reason)>;
  // Called with body bytes of a 2xx response; false aborts (disk error).
  using BodySink = std::function<bool(const char* data, std::size_t size, std::string* reason)>;

  Transfer(TransferRequest request, HeaderCheck check, BodySink sink);
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  CURL* handle() const { return easy_; }
  const TransferRequest& request() const { return request_; }
  // Collects the result once the multi handle reports the transfer done.
  TransferResult finish(CURLcode code);
  std::uint64_t body_bytes() const { return result_.body_bytes; }

 private:
  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* self);
  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* self);
  static std::size_t on_read(char* data, std::size_t size, std::size_t n, void* self);
  static int on_progress(void* self, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                         curl_off_t ulnow);
  void parse_header_line(std::string_view line);

  TransferRequest request_;
  HeaderCheck check_;
  BodySink sink_;
  CURL* easy_ = nullptr;
  curl_slist* header_list_ = nullptr;
  FILE* put_stream_ = nullptr;
  char error_buffer_[CURL_ERROR_SIZE] = {};
  bool headers_checked_ = false;
  bool discard_body_ = false;
  TransferResult result_;
  std::chrono::steady_clock::time_point started_;
  // No-progress timeout: time since bytes last moved (curl's own low-speed
  // check averages over ~5 s, so a stall after a burst went unnoticed for
  // several seconds longer than configured).
  std::chrono::milliseconds no_progress_limit_{0};
  std::chrono::steady_clock::time_point last_moved_at_;
  curl_off_t last_moved_ = -1;
  bool stalled_ = false;
};

// True for curl results that a retry may cure (connect, reset, timeout...).
bool is_transient_curl_error(CURLcode code);
// True for HTTP statuses DESIGN.md calls transient: 408, 429, 5xx.
bool is_transient_status(long status);
// Seconds from a Retry-After header (delta-seconds or HTTP-date), if any.
std::optional<std::chrono::seconds> parse_retry_after(const std::string& value);

}  // namespace assetfetch
