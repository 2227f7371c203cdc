// One HTTP(S) request on a libcurl easy handle (move-only RAII), driven by the
// job's multi handle. Redirects are followed by the caller, one hop per
// Transfer, so that headers and credentials only go to the origin they were
// configured for and an HTTPS→HTTP hop can be refused.
#pragma once

#include "transfer/curl_api.h"
#include "transfer/free_space.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "assetfetch/job.h"

namespace assetfetch {

struct TransferRequest {
  std::string url;
  HeaderList headers;  // already filtered for this URL's origin
  const StoreAccess* store = nullptr;  // object-store signing (store_for()); outlives the Transfer
  std::string range;   // "FIRST-LAST" or "FIRST-"; empty: no Range header
  const RetryPolicy* retry = nullptr;
  const TlsPolicy* tls = nullptr;
  // PUT of a local file (write-back) instead of a GET.
  std::string put_file;
  // Which segment of a segmented fetch this is (SegmentedFetch id); -1: none.
  long segment = -1;
  // On a connection of its own (CURLOPT_FRESH_CONNECT, no PIPEWAIT), never
  // a stream of one already open: a segment added to raise a file's rate
  // gains nothing as a second stream of a connection the server caps.
  // HTTP/2 stays allowed on it; after the answer it may serve later files.
  bool own_connection = false;
  // Most bytes the remote file may have (its declared size, else the
  // max_download_size cap): a body may not reach past it from where it
  // starts (0 for a 200, the Content-Range start for a 206). Every body is
  // also held to its Content-Length and Content-Range span. One byte more
  // aborts the transfer in the write callback: TransferFault::over_bound.
  std::optional<std::uint64_t> max_file_size;
  // With no declared size: the folder the body is written into. The body
  // stops (TransferFault::disk_floor) before that filesystem's free space
  // would go under min_free_space (checked at the first byte, against the
  // announced length, then every kSpaceCheckEvery bytes). Empty: no floor.
  std::filesystem::path space_dir;
  FreeSpaceFloor min_free_space;
};

// How often a body with a free-space floor looks at the filesystem, and the
// room it keeps above the floor for what arrives between two looks and what
// the write stage still holds (8 buffers of 1 MiB).
inline constexpr std::uint64_t kSpaceCheckEvery = std::uint64_t{4} << 20;
inline constexpr std::uint64_t kSpaceHeadroom = std::uint64_t{16} << 20;

// Why a response was stopped before its end: a value, never text to parse.
enum class TransferFault {
  none,
  // The Transfer's own rules.
  over_bound,        // past max_file_size, the Content-Length or the Content-Range span
  content_encoding,  // Content-Encoding other than identity, which was asked for
  too_slow,          // below retry.min_rate_bytes_per_s over a whole window
  // The caller's header check or body sink.
  range_unsupported,  // no 206, or a Content-Range that does not answer the request
  range_invalid,      // the requested ranges do not fit the remote file (the caller's mistake)
  size_mismatch,      // the remote size differs from the declared one
  restart,            // this source disagrees with the kept bytes: start again from byte 0
  segment_done,       // a segment reached its end (another took over the rest): not an error
  local_write,        // the bytes could not be written locally
  disk_floor,         // the local filesystem would go under the free-space floor
  released,           // the range or segment this answer was for is gone
};
const char* fault_name(TransferFault fault);

// What a header check or body sink says when it stops a response.
struct Refusal {
  TransferFault fault = TransferFault::none;
  std::string detail;
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
  bool aborted = false;        // the Transfer, the sink or the header check stopped it
  TransferFault fault = TransferFault::none;  // set with aborted (too_slow: with a curl error)
  std::string abort_reason;    // the human-readable detail of `fault`
  std::string content_encoding;
};

class Transfer {
 public:
  // Called once, before the first body byte of a 2xx response; returning
  // false aborts the transfer (the refusal becomes fault and abort_reason).
  using HeaderCheck = std::function<bool(const TransferResult& so_far, Refusal* refusal)>;
  // Called with body bytes of a 2xx response; false aborts (disk error, ...).
  using BodySink = std::function<bool(const char* data, std::size_t size, Refusal* refusal)>;

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
  // Runs once before the first body byte of a 2xx: encoding, bound, caller's check.
  bool check_first_body_byte();
  bool refuse(TransferFault fault, std::string reason);
  // False (and refused) when `coming` more bytes would take the space_dir's
  // filesystem under the floor; `received` is for the message.
  // `known`: the free space just read, else it is read now.
  bool room_for(std::uint64_t coming, std::uint64_t received, const std::optional<FreeSpace>& known = std::nullopt);

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
  bool requested_ = false;  // the request has gone out (see on_progress)
  // No-progress timeout: time since bytes last moved (curl's own low-speed
  // check averages over ~5 s, so a stall after a burst went unnoticed for
  // several seconds longer than configured).
  std::chrono::milliseconds no_progress_limit_{0};
  std::chrono::steady_clock::time_point last_moved_at_;
  curl_off_t last_moved_ = -1;
  bool stalled_ = false;
  // Minimum rate (curl's low-speed limit, over whole windows): a trickle that
  // keeps the no-progress timer happy is still abandoned.
  std::uint64_t min_rate_ = 0;
  std::chrono::seconds min_rate_window_{0};
  std::chrono::steady_clock::time_point window_started_at_;
  curl_off_t window_start_bytes_ = 0;
  bool too_slow_ = false;
  std::optional<std::uint64_t> body_limit_;  // set at the first body byte
  std::uint64_t space_floor_ = 0;      // bytes; 0: no free-space floor
  std::uint64_t unchecked_bytes_ = 0;  // body bytes since the last look at the free space
};

// True for curl results that a retry may cure (connect, reset, timeout...).
bool is_transient_curl_error(CURLcode code);
// True for HTTP statuses DESIGN.md calls transient: 408, 429, 5xx.
bool is_transient_status(long status);
// Seconds from a Retry-After header (delta-seconds or HTTP-date), if any.
std::optional<std::chrono::seconds> parse_retry_after(const std::string& value);

}  // namespace assetfetch
