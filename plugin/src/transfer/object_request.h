// One blocking request to an object store (or a plain HTTP cache) for
// write-back: PUT or POST of a text body or of a slice of an open file, with
// the store's signing, the retry policy's timeouts and TLS settings. Used from
// the write-back threads, never from the job's transfer thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "assetfetch/job.h"
#include "transfer/upload_target.h"

namespace assetfetch {

struct ObjectRequest {
  std::string method = "PUT";  // PUT, POST (both with the body), GET, HEAD or DELETE
  std::string url;
  HeaderList headers;
  const StoreAccess* store = nullptr;
  const RetryPolicy* retry = nullptr;
  const TlsPolicy* tls = nullptr;
  // Sent with PUT and POST (libcurl would label a POST a form otherwise); it
  // becomes the stored object's type.
  std::string content_type = "application/octet-stream";
  // The body: body_text, or body_length bytes of body_fd from body_offset.
  std::string body_text;
  platform::NativeHandle body_fd = platform::kNoHandle;
  std::uint64_t body_offset = 0;
  std::uint64_t body_length = 0;
  // For credential services: a limit on the whole exchange (0: none) and no
  // proxy (their answers are secrets; IMDS and container endpoints are local).
  std::chrono::milliseconds total_timeout{0};
  bool no_proxy = false;
  // Send Content-MD5 of the body (transfer/body_md5.h), computed per attempt
  // from the bytes that attempt reads.
  bool content_md5 = false;
};

struct ObjectResponse {
  bool transport_failed = false;  // no HTTP answer: connect, reset, timeout, local read
  bool transient = false;         // worth another try (transport or 408/429/5xx)
  long status = 0;
  std::string etag;
  std::optional<std::uint64_t> content_length;  // of the answer (HEAD: the object's size)
  std::string body;               // the answer's first 64 KiB (error XML, upload ids)
  std::string error;              // transport error text, when transport_failed

  bool ok() const { return !transport_failed && status >= 200 && status < 300; }
};

ObjectResponse perform_object_request(const ObjectRequest& request);

// perform_object_request, again after a backoff while the failure is
// transient, up to the retry policy's attempts.
ObjectResponse perform_with_retry(const ObjectRequest& request);

// Whether the object at `url` (signed as `store`) exists with `size` bytes:
// one HEAD, not retried. `absent` for 404 or another size; `unknown` when the
// store did not say (403 without read permission, 5xx), so the caller uploads
// as if absent; `unreachable` for a transport failure (connect, timeout), with
// the reason in `why`.
enum class ObjectPresence { present, absent, unknown, unreachable };
ObjectPresence head_object(const ObjectRequest& base, std::uint64_t size, std::string* why = nullptr);

// Before an upload: one HEAD (head_object). The upload's result when that
// settles it: "" when the object is there (note->already_there), the reason
// when the store did not answer (note->store_unreachable); nullopt to upload.
std::optional<std::string> settled_before_upload(const ObjectRequest& base, std::uint64_t size, UploadNote* note);

// True for the answers of a conditional create (If-None-Match: *) that mean
// another writer created the object first: 412, and Azure's 409.
bool already_created(const ObjectResponse& response);

// "Code: first line of Message" from an S3 or Azure XML error body, or
// "HTTP <status>" without one; a transport error as it is. Never contains
// the URL (a SAS is a credential).
std::string describe_failure(const ObjectResponse& response);

// The text of the first <tag>...</tag> in xml ("" when absent).
std::string xml_element(const std::string& xml, const std::string& tag);

}  // namespace assetfetch
