#include "transfer/s3_sigv4.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "base/url.h"
#include "transfer/aws_credentials.h"
#include "transfer/curl_url.h"
#include "transfer/object_request.h"

namespace assetfetch {

namespace {

// The create-only precondition: S3's If-None-Match: *, GCS's generation 0
// (its XML API documents If-None-Match for reads only).
void create_only(ObjectRequest& r, const StoreAccess& store) {
  if (store.s3_gcs) r.headers.emplace_back("x-goog-if-generation-match", "0");
  else r.headers.emplace_back("If-None-Match", "*");
}

ObjectRequest base_request(const UploadTarget& t, std::string url) {
  ObjectRequest r;
  r.url = std::move(url);
  r.headers = t.target->headers;
  r.store = &t.target->store;
  r.retry = t.retry;
  r.tls = t.tls;
  return r;
}

// Query parameters go in sorted order: libcurl 7.88 signs the query as written.
std::string multipart(const UploadBody& body, const UploadTarget& t, std::uint64_t part, UploadNote* note) {
  const std::string& url = t.target->url;
  ObjectRequest start = base_request(t, with_query(url, "uploads="));
  start.method = "POST";  // its Content-Type becomes the object's
  ObjectResponse started = perform_with_retry(start);
  const std::string id = xml_element(started.body, "UploadId");
  if (!started.ok() || id.empty()) return "starting a multipart upload: " + describe_failure(started);
  std::string complete = "<CompleteMultipartUpload>";
  std::string failure;
  int number = 1;
  bool beaten = false;
  for (std::uint64_t offset = 0; offset < body.size; offset += part, ++number) {
    // Another machine may have completed the same object meanwhile: one HEAD
    // per part (64 MiB by default) stops sending the rest.
    if (offset > 0 && head_object(base_request(t, url), body.size) == ObjectPresence::present) {
      beaten = true;
      if (note) note->already_there = true;
      break;
    }
    ObjectRequest r =
        base_request(t, with_query(url, "partNumber=" + std::to_string(number) + "&uploadId=" + id));
    r.body_fd = body.fd;
    r.body_offset = offset;
    r.body_length = std::min(part, body.size - offset);
    r.content_md5 = true;
    ObjectResponse answer = perform_with_retry(r);
    if (!answer.ok() || answer.etag.empty()) {
      failure = "part " + std::to_string(number) + ": " + describe_failure(answer);
      break;
    }
    complete += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + answer.etag +
                "</ETag></Part>";
  }
  if (failure.empty() && !beaten) {
    complete += "</CompleteMultipartUpload>";
    ObjectRequest done = base_request(t, with_query(url, "uploadId=" + id));
    done.method = "POST";
    done.content_type = "application/xml";
    create_only(done, t.target->store);
    done.body_text = complete;
    ObjectResponse answer = perform_with_retry(done);
    // S3 may answer 200 with an <Error> body when completing fails late.
    if (answer.ok() && xml_element(answer.body, "Code").empty()) return {};
    if (!already_created(answer)) failure = "completing the multipart upload: " + describe_failure(answer);
    else if (note) note->already_there = true;
  }
  // Parts of an abandoned upload cost storage until aborted; so do those of
  // an upload another writer beat (412: the object is there, success).
  ObjectRequest abort = base_request(t, with_query(url, "uploadId=" + id));
  abort.method = "DELETE";
  perform_object_request(abort);
  return failure;
}

}  // namespace

std::optional<S3Location> parse_s3_url(const std::string& url, std::string* why, const std::string& scheme) {
  const std::string form = scheme + "://BUCKET/PREFIX/{sha256}";
  const auto parts = split_url(url);
  if (!parts || parts->scheme != scheme) {
    *why = "a" + std::string(scheme == "s3" ? "n s3" : " gcs") + " source's url starts with " + scheme + ":// (" + form +
           ")";
    return std::nullopt;
  }
  const std::string rest(parts->after_scheme);
  const auto slash = rest.find('/');
  S3Location where;
  where.bucket = rest.substr(0, slash);
  if (where.bucket.empty()) {
    *why = "no bucket: write " + form;
    return std::nullopt;
  }
  const bool gcs = scheme == "gs";  // GCS bucket names may also hold '_'
  for (char c : where.bucket) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' ||
          c == '.' || (gcs && c == '_'))) {
      *why = "bucket \"" + where.bucket + "\" is not a valid " + (gcs ? "GCS" : "S3") +
             " bucket name (lowercase letters, digits, '-'" + (gcs ? ", '_'" : "") + " and '.')";
      return std::nullopt;
    }
  }
  where.key = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (where.key.empty()) {
    *why = "no object key after the bucket: write " + scheme + "://" + where.bucket + "/PREFIX/{sha256}";
    return std::nullopt;
  }
  if (where.key.find('?') != std::string::npos) {
    *why = "a" + std::string(scheme == "s3" ? "n " : " ") + scheme + ":// URL takes no query; credentials go in \"credentials\"";
    return std::nullopt;
  }
  return where;
}

std::string s3_encode_key(const std::string& key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    if (c == '{') {  // a placeholder expands to hex digits or a plain asset name
      const auto close = key.find('}', i);
      if (close != std::string::npos) {
        out.append(key, i, close - i + 1);
        i = close;
        continue;
      }
    }
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string s3_http_url(const S3Location& where, const std::string& endpoint, bool virtual_hosted) {
  std::string base = endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string key = s3_encode_key(where.key);
  if (!virtual_hosted) return base + "/" + where.bucket + "/" + key;
  // The endpoint's host as libcurl reads it (transfer/curl_url.h), the bucket in front.
  const std::string host = curl_host(base);
  const std::string hosted = host.empty() ? std::string() : curl_with_host(base, where.bucket + "." + host);
  return hosted.empty() ? std::string() : hosted + "/" + key;
}

std::string upload_s3(const UploadBody& body, const UploadTarget& t, UploadNote* note) {
  const StoreAccess& store = t.target->store;
  std::string why;
  if (store.s3_credentials && !store.s3_credentials->current(&why)) return "no credentials: " + why;
  if (auto settled = settled_before_upload(base_request(t, t.target->url), body.size, note)) return *settled;
  const std::uint64_t single_max = store.single_upload_max ? store.single_upload_max : kS3DefaultSingleMax;
  if (body.size > single_max)
    return multipart(body, t, store.block_size ? store.block_size : kS3DefaultPartSize, note);
  ObjectRequest r = base_request(t, t.target->url);
  // Another machine may create it between the HEAD and this PUT: then S3
  // answers 412 and the object is already what this upload would write.
  create_only(r, store);
  r.body_fd = body.fd;
  r.body_length = body.size;
  r.content_md5 = true;  // S3 refuses a body that does not match (400 BadDigest)
  ObjectResponse answer = perform_with_retry(r);
  if (already_created(answer)) {
    if (note) note->already_there = true;
    return {};
  }
  return answer.ok() ? std::string() : describe_failure(answer);
}

}  // namespace assetfetch
