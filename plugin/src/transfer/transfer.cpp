#include "transfer/transfer.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "transfer/free_space.h"
#include "transfer/redact.h"
#include "transfer/store_auth.h"
#include "platform/path.h"

namespace assetfetch {
namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return std::string(s);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

bool parse_u64(std::string_view s, std::uint64_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

// "bytes FIRST-LAST/TOTAL", "bytes FIRST-LAST/*" or "bytes */TOTAL".
ContentRange parse_content_range(std::string_view v) {
  ContentRange cr;
  if (v.substr(0, 6) != "bytes ") return cr;
  v.remove_prefix(6);
  auto slash = v.find('/');
  if (slash == std::string_view::npos) return cr;
  std::string_view span = v.substr(0, slash), total = v.substr(slash + 1);
  if (total != "*") {
    if (!parse_u64(total, &cr.total)) return cr;
    cr.total_known = true;
  }
  if (span == "*") {
    cr.present = cr.unsatisfied = cr.total_known;
    return cr;
  }
  auto dash = span.find('-');
  if (dash == std::string_view::npos) return cr;
  if (!parse_u64(span.substr(0, dash), &cr.first) || !parse_u64(span.substr(dash + 1), &cr.last))
    return cr;
  cr.present = cr.first <= cr.last;
  return cr;
}

std::string human_size(std::uint64_t bytes) {
  char text[32];
  if (bytes >= (std::uint64_t{1} << 30))
    std::snprintf(text, sizeof text, "%.2f GiB", static_cast<double>(bytes) / (1u << 30));
  else
    std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1u << 20));
  return text;
}

}  // namespace

const char* fault_name(TransferFault fault) {
  switch (fault) {
    case TransferFault::none: return "none";
    case TransferFault::over_bound: return "over_bound";
    case TransferFault::content_encoding: return "content_encoding";
    case TransferFault::too_slow: return "too_slow";
    case TransferFault::range_unsupported: return "range_unsupported";
    case TransferFault::range_invalid: return "range_invalid";
    case TransferFault::size_mismatch: return "size_mismatch";
    case TransferFault::restart: return "restart";
    case TransferFault::segment_done: return "segment_done";
    case TransferFault::local_write: return "local_write";
    case TransferFault::disk_floor: return "disk_floor";
    case TransferFault::released: return "released";
  }
  return "none";
}

bool is_transient_curl_error(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
      return true;
    default:
      return false;
  }
}

bool is_transient_status(long status) { return status == 408 || status == 429 || status >= 500; }

std::optional<std::chrono::seconds> parse_retry_after(const std::string& value) {
  if (value.empty()) return std::nullopt;
  std::uint64_t secs = 0;
  if (parse_u64(value, &secs)) return std::chrono::seconds(static_cast<long long>(secs));
  time_t when = curl_api().getdate(value.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  time_t now = std::time(nullptr);
  return std::chrono::seconds(when > now ? when - now : 0);
}

Transfer::Transfer(TransferRequest request, HeaderCheck check, BodySink sink)
    : request_(std::move(request)), check_(std::move(check)), sink_(std::move(sink)) {
  easy_ = curl_api().easy_init();
  if (!easy_) throw std::bad_alloc();
  started_ = std::chrono::steady_clock::now();
  const RetryPolicy defaults;
  const RetryPolicy& retry = request_.retry ? *request_.retry : defaults;
  curl_api().easy_setopt(easy_, CURLOPT_URL, request_.url.c_str());
  curl_api().easy_setopt(easy_, CURLOPT_PRIVATE, this);
  curl_api().easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_buffer_);
  curl_api().easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
  curl_api().easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_api().easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, 0L);  // one hop per Transfer (see header)
  curl_api().easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::chrono::milliseconds(retry.connect_timeout).count()));
  // No progress for N seconds is a transient error (BITS' no-progress
  // timeout), timed by on_progress from when the request goes out. Not
  // libcurl's CURLOPT_LOW_SPEED_*: its speed samples start when the handle is
  // added, so a file that waited in libcurl's queue for a connection was
  // taken for a stall a second after it started (issue 19's queue test,
  // under load: "Less than 1 bytes/sec" after 12 KiB arrived in 1 s).
  no_progress_limit_ = retry.no_progress_timeout;
  last_moved_at_ = started_;
  min_rate_ = retry.min_rate_bytes_per_s;
  // The window defaults to the no-progress timeout (DESIGN.md "Bounds").
  min_rate_window_ = retry.min_rate_window.count() > 0
                         ? retry.min_rate_window
                         : std::chrono::duration_cast<std::chrono::seconds>(retry.no_progress_timeout);
  window_started_at_ = started_;
  curl_api().easy_setopt(easy_, CURLOPT_NOPROGRESS, 0L);
  curl_api().easy_setopt(easy_, CURLOPT_XFERINFOFUNCTION, &Transfer::on_progress);
  curl_api().easy_setopt(easy_, CURLOPT_XFERINFODATA, this);
  curl_api().easy_setopt(easy_, CURLOPT_BUFFERSIZE, 512L * 1024L);
  // PIPEWAIT only where the connection may multiplex (HTTP/2 is negotiated
  // over TLS only, CURL_HTTP_VERSION_2TLS). Over plain http libcurl 7.88 holds
  // a waiting transfer until the first connection's transfer ends, so one
  // stalled file held every other file of the job (issue 19).
  if (request_.own_connection) curl_api().easy_setopt(easy_, CURLOPT_FRESH_CONNECT, 1L);
  else if (request_.url.starts_with("https:")) curl_api().easy_setopt(easy_, CURLOPT_PIPEWAIT, 1L);
  curl_api().easy_setopt(easy_, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_api().easy_setopt(easy_, CURLOPT_USERAGENT, "assetfetch/" ASSETFETCH_VERSION_STRING);
  if (request_.tls) {
    curl_api().easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, request_.tls->verify ? 1L : 0L);
    curl_api().easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, request_.tls->verify ? 2L : 0L);
    if (!request_.tls->ca_file.empty())
      curl_api().easy_setopt(easy_, CURLOPT_CAINFO, request_.tls->ca_file.c_str());
  }
  // Hashes and ranges apply to the real bytes, never to a compressed encoding.
  header_list_ = curl_api().slist_append(header_list_, "Accept-Encoding: identity");
  for (const auto& [name, value] : request_.headers)
    header_list_ = curl_api().slist_append(header_list_, (name + ": " + value).c_str());
  if (request_.store) header_list_ = apply_store_auth(easy_, *request_.store, request_.url, header_list_);
  curl_api().easy_setopt(easy_, CURLOPT_HTTPHEADER, header_list_);
  if (!request_.range.empty()) curl_api().easy_setopt(easy_, CURLOPT_RANGE, request_.range.c_str());
  curl_api().easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  curl_api().easy_setopt(easy_, CURLOPT_HEADERDATA, this);
  curl_api().easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
  curl_api().easy_setopt(easy_, CURLOPT_WRITEDATA, this);
  if (!request_.put_file.empty()) {
    put_stream_ = std::fopen(request_.put_file.c_str(), "rb");
    if (!put_stream_) throw std::runtime_error("cannot open " + request_.put_file);
    curl_api().easy_setopt(easy_, CURLOPT_UPLOAD, 1L);
    curl_api().easy_setopt(easy_, CURLOPT_READFUNCTION, &Transfer::on_read);
    curl_api().easy_setopt(easy_, CURLOPT_READDATA, this);
    curl_api().easy_setopt(easy_, CURLOPT_INFILESIZE_LARGE,
                     static_cast<curl_off_t>(std::filesystem::file_size(request_.put_file)));
  }
}

Transfer::~Transfer() {
  if (easy_) curl_api().easy_cleanup(easy_);
  if (header_list_) curl_api().slist_free_all(header_list_);
  if (put_stream_) std::fclose(put_stream_);
}

void Transfer::parse_header_line(std::string_view line) {
  if (line.substr(0, 5) == "HTTP/") {
    // A new response (after a 100 Continue, say): forget the previous headers.
    std::uint64_t body = result_.body_bytes;
    result_ = TransferResult{};
    result_.body_bytes = body;
    return;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return;
  std::string_view name = line.substr(0, colon);
  std::string value = trim(line.substr(colon + 1));
  if (iequals(name, "content-length")) {
    std::uint64_t n = 0;
    if (parse_u64(value, &n)) result_.content_length = n;
  } else if (iequals(name, "content-range")) {
    result_.content_range = parse_content_range(value);
  } else if (iequals(name, "etag")) {
    result_.etag = value;
  } else if (iequals(name, "last-modified")) {
    result_.last_modified = value;
  } else if (iequals(name, "retry-after")) {
    result_.retry_after = value;
  } else if (iequals(name, "content-encoding")) {
    result_.content_encoding = value;
  }
}

std::size_t Transfer::on_header(char* data, std::size_t size, std::size_t n, void* self) {
  static_cast<Transfer*>(self)->parse_header_line(std::string_view(data, size * n));
  return size * n;
}

bool Transfer::refuse(TransferFault fault, std::string reason) {
  result_.aborted = true;
  result_.fault = fault;
  result_.abort_reason = std::move(reason);
  return false;
}

bool Transfer::room_for(std::uint64_t coming, std::uint64_t received, const std::optional<FreeSpace>& known) {
  const auto space = known ? known : free_space(request_.space_dir);
  if (!space || space->available >= space_floor_ + kSpaceHeadroom + coming) return true;
  const std::string where = "the filesystem of " + platform::utf8_of(request_.space_dir) + " has " + human_size(space->available) +
                            " free and its floor is " + human_size(space_floor_) + " (min_free_space)";
  const std::string fix =
      "; nothing declares this file's size: declare it (the manifest's \"size\"), free some space, or lower "
      "min_free_space in the config";
  if (coming > 0)
    return refuse(TransferFault::disk_floor, redact_url(request_.url) + " announces " + std::to_string(coming) +
                                                 " bytes, more than fit above the free-space floor: " + where + fix);
  return refuse(TransferFault::disk_floor, "stopped after receiving " + std::to_string(received) + " bytes from " +
                                               redact_url(request_.url) + ": " + where + fix);
}

bool Transfer::check_first_body_byte() {
  const TransferResult& r = result_;
  // Hashes and ranges are over the real bytes: a compressed body is not them.
  if (!r.content_encoding.empty() && !iequals(r.content_encoding, "identity"))
    return refuse(TransferFault::content_encoding,
                  "the server sent Content-Encoding: " + r.content_encoding + " although identity was asked for");
  const bool partial = r.status == 206 && r.content_range.present;
  auto tighten = [this](std::uint64_t n) { body_limit_ = body_limit_ ? std::min(*body_limit_, n) : n; };
  if (request_.max_file_size) {
    const std::uint64_t most = *request_.max_file_size, first = partial ? r.content_range.first : 0;
    const std::optional<std::uint64_t> announced =
        r.status == 206 ? (r.content_range.total_known ? std::optional(r.content_range.total) : std::nullopt)
                        : r.content_length;
    if (announced && *announced > most)
      return refuse(TransferFault::over_bound, "the server announces " + std::to_string(*announced) +
                                                   " bytes, more than the " + std::to_string(most) + " expected");
    tighten(first < most ? most - first : 0);
  }
  if (r.content_length) tighten(*r.content_length);
  if (partial) tighten(r.content_range.last - r.content_range.first + 1);
  if (!request_.space_dir.empty()) {
    // One statfs for both the floor and the check (a small file pays it once).
    const auto space = free_space(request_.space_dir);
    if (space) space_floor_ = request_.min_free_space.for_filesystem(space->total);
    // What the answer announces must fit above the floor: refused before a byte is written.
    const std::optional<std::uint64_t> announced =
        partial ? std::optional(r.content_range.last - r.content_range.first + 1) : r.content_length;
    if (space_floor_ > 0 && !room_for(announced.value_or(0), 0, space)) return false;
  }
  Refusal refusal;
  if (check_ && !check_(result_, &refusal)) return refuse(refusal.fault, std::move(refusal.detail));
  return true;
}

std::size_t Transfer::on_body(char* data, std::size_t size, std::size_t n, void* selfp) {
  auto* self = static_cast<Transfer*>(selfp);
  const std::size_t bytes = size * n;
  if (!self->headers_checked_) {
    self->headers_checked_ = true;
    curl_api().easy_getinfo(self->easy_, CURLINFO_RESPONSE_CODE, &self->result_.status);
    // Error pages and redirect bodies are not the asset: drop them.
    self->discard_body_ = self->result_.status < 200 || self->result_.status >= 300;
    if (!self->discard_body_ && !self->check_first_body_byte()) return 0;
  }
  if (self->discard_body_) return bytes;
  // Never one byte past what is known (or the cap): the sink never sees it.
  if (self->body_limit_ && self->result_.body_bytes + bytes > *self->body_limit_) {
    self->refuse(TransferFault::over_bound, "the server sent more than the " + std::to_string(*self->body_limit_) +
                                                " bytes known for this answer");
    return 0;
  }
  // A body of unknown size must not fill the disk: a cheap look every few MiB.
  if (self->space_floor_ > 0 && (self->unchecked_bytes_ += bytes) >= kSpaceCheckEvery) {
    self->unchecked_bytes_ = 0;
    if (!self->room_for(0, self->result_.body_bytes)) return 0;
  }
  Refusal refusal;
  if (self->sink_ && !self->sink_(data, bytes, &refusal)) {
    self->refuse(refusal.fault, std::move(refusal.detail));
    return 0;
  }
  self->result_.body_bytes += bytes;
  return bytes;
}

std::size_t Transfer::on_read(char* data, std::size_t size, std::size_t n, void* self) {
  return std::fread(data, size, n, static_cast<Transfer*>(self)->put_stream_);
}

int Transfer::on_progress(void* selfp, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow) {
  auto* self = static_cast<Transfer*>(selfp);
  auto now = std::chrono::steady_clock::now();
  if (!self->requested_) {
    // Queued in libcurl (8 connections per HTTP/1.1 host, PIPEWAIT for the
    // first HTTP/2 connection) or still connecting, which the connect timeout
    // bounds: the no-progress and minimum-rate clocks start when the request
    // goes out, so a file that waited its turn is not taken for a stall.
    curl_off_t pretransfer_us = 0;
    if (curl_api().easy_getinfo(self->easy_, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us) != CURLE_OK ||
        pretransfer_us <= 0)
      return 0;
    self->requested_ = true;
    self->last_moved_at_ = now;
    self->window_started_at_ = now;
    self->window_start_bytes_ = dlnow + ulnow;
  }
  const bool moving = dlnow + ulnow != self->last_moved_;
  if (self->min_rate_ > 0 && self->min_rate_window_.count() > 0 &&
      now - self->window_started_at_ >= self->min_rate_window_) {
    auto moved = static_cast<std::uint64_t>(dlnow + ulnow - self->window_start_bytes_);
    if (moved >= self->min_rate_ * static_cast<std::uint64_t>(self->min_rate_window_.count())) {
      self->window_started_at_ = now;
      self->window_start_bytes_ = dlnow + ulnow;
    } else if (moving) {
      self->too_slow_ = true;
      return 1;  // reported as a timeout with TransferFault::too_slow by finish()
    }
    // Slow but not moving right now: a stall, which the no-progress timeout
    // names (a transient error, retried) when the window is that timeout.
  }
  if (moving) {
    self->last_moved_ = dlnow + ulnow;
    self->last_moved_at_ = now;
    return 0;
  }
  if (self->no_progress_limit_.count() > 0 && now - self->last_moved_at_ >= self->no_progress_limit_) {
    self->stalled_ = true;
    return 1;  // CURLE_ABORTED_BY_CALLBACK, reported as a timeout by finish()
  }
  return 0;
}

TransferResult Transfer::finish(CURLcode code) {
  if (too_slow_ && code == CURLE_ABORTED_BY_CALLBACK) {
    code = CURLE_OPERATION_TIMEDOUT;
    result_.fault = TransferFault::too_slow;
    std::snprintf(error_buffer_, sizeof error_buffer_, "slower than %llu bytes/s over %lld s",
                  static_cast<unsigned long long>(min_rate_), static_cast<long long>(min_rate_window_.count()));
  } else if (stalled_ && code == CURLE_ABORTED_BY_CALLBACK) {
    code = CURLE_OPERATION_TIMEDOUT;
    std::snprintf(error_buffer_, sizeof error_buffer_, "no bytes for %lld s",
                  static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(no_progress_limit_).count()));
  }
  result_.curl_code = code;
  curl_api().easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &result_.status);
  if (code != CURLE_OK) result_.curl_error = error_buffer_[0] ? error_buffer_ : curl_api().easy_strerror(code);
  if (result_.status >= 300 && result_.status < 400) {
    char* location = nullptr;
    if (curl_api().easy_getinfo(easy_, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location)
      result_.redirect_url = location;
  }
  // A 2xx with an empty body never reaches on_body: run the header check now.
  if (code == CURLE_OK && !headers_checked_ && result_.status >= 200 && result_.status < 300) {
    headers_checked_ = true;
    check_first_body_byte();
  }
  result_.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return result_;
}

}  // namespace assetfetch
