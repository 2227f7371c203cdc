#include "transfer/azure_blob.h"

#include "base/base64.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "base/percent_encode.h"
#include "transfer/azure_token.h"
#include "transfer/object_request.h"

namespace assetfetch {

namespace {

// Block ids must all have the same length; base64 of a fixed-width number,
// percent-encoded for the query.
std::string block_id(std::size_t n) {
  char raw[16];
  std::snprintf(raw, sizeof raw, "blk%09zu", n);  // 12 bytes: base64 without padding
  return base64(reinterpret_cast<const unsigned char*>(raw), 12);
}

ObjectRequest base_request(const UploadTarget& t) {
  ObjectRequest r;
  r.url = t.target->url;
  r.headers = t.target->headers;
  r.store = &t.target->store;
  r.retry = t.retry;
  r.tls = t.tls;
  return r;
}

}  // namespace

std::string upload_azure_blob(const UploadBody& body, const UploadTarget& t, UploadNote* note) {
  const StoreAccess& store = t.target->store;
  std::string why;
  if (store.azure_token && !store.azure_token->current(&why)) return "no credentials: " + why;
  if (auto settled = settled_before_upload(base_request(t), body.size, note)) return *settled;
  const auto created_by_another = [&](const ObjectResponse& answer) {
    if (already_created(answer) && note) note->already_there = true;
    return already_created(answer);
  };
  const std::uint64_t single_max = store.single_upload_max ? store.single_upload_max : kAzureDefaultSingleMax;
  if (body.size <= single_max) {
    ObjectRequest r = base_request(t);
    r.headers.emplace_back("x-ms-blob-type", "BlockBlob");
    r.headers.emplace_back("If-None-Match", "*");  // a 409/412: another writer was first
    r.body_fd = body.fd;
    r.body_length = body.size;
    r.content_md5 = true;  // Azure refuses a body that does not match (400 Md5Mismatch)
    ObjectResponse answer = perform_with_retry(r);
    if (created_by_another(answer)) return {};
    return answer.ok() ? std::string() : describe_failure(answer);
  }
  std::uint64_t block = store.block_size ? store.block_size : kAzureMaxBlock;
  if (block > kAzureMaxBlock) block = kAzureMaxBlock;
  std::vector<std::string> ids;
  for (std::uint64_t offset = 0; offset < body.size; offset += block) {
    // Another machine may have finished the same blob meanwhile: one HEAD per
    // block (up to 100 MiB each) stops sending the rest.
    if (offset > 0 && head_object(base_request(t), body.size) == ObjectPresence::present) {
      if (note) note->already_there = true;
      return {};  // Azure drops the uncommitted blocks by itself
    }
    ids.push_back(block_id(ids.size()));
    ObjectRequest r = base_request(t);
    r.url = with_query(t.target->url, "comp=block&blockid=" + percent_encode(ids.back()));
    r.body_fd = body.fd;
    r.body_offset = offset;
    r.body_length = std::min(block, body.size - offset);
    r.content_md5 = true;
    ObjectResponse answer = perform_with_retry(r);
    if (!answer.ok()) return "Put Block " + std::to_string(ids.size()) + ": " + describe_failure(answer);
  }
  ObjectRequest list = base_request(t);
  list.url = with_query(t.target->url, "comp=blocklist");
  list.content_type = "application/xml";
  list.headers.emplace_back("x-ms-blob-content-type", "application/octet-stream");
  list.headers.emplace_back("If-None-Match", "*");
  list.body_text = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
  for (const auto& id : ids) list.body_text += "<Latest>" + id + "</Latest>";
  list.body_text += "</BlockList>";
  ObjectResponse answer = perform_with_retry(list);
  if (created_by_another(answer)) return {};
  return answer.ok() ? std::string() : "Put Block List: " + describe_failure(answer);
}

}  // namespace assetfetch
