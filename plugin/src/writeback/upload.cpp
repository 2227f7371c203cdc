#include "writeback/upload.h"

#include "platform/file.h"
#include "platform/path.h"
#include "transfer/azure_blob.h"
#include "transfer/object_request.h"
#include "transfer/redact.h"
#include "transfer/s3_sigv4.h"
#include "writeback/write_back_object.h"

namespace assetfetch {

bool store_has_object(const Candidate& target, std::uint64_t size, const RetryPolicy& retry, const TlsPolicy& tls) {
  if (target.store.kind == StoreKind::http) return false;
  ObjectRequest head;
  head.url = target.url;
  head.headers = target.headers;
  head.store = &target.store;
  head.retry = &retry;
  head.tls = &tls;
  return head_object(head, size) == ObjectPresence::present;
}

bool uploads_in_background(const Candidate& target) { return url_scheme(target.url) != "file"; }

std::string run_write_back(const WriteBackTask& task, UploadNote* note) {
  if (task.target.store.kind == StoreKind::http) {
    JobOptions options;
    options.retry = task.retry;
    options.tls = task.tls;
    return write_back_object(task.object, task.target, options);
  }
  // The object stays open for the whole upload: a concurrent `cache prune`
  // cannot pull the bytes away mid-way.
  platform::Result<platform::File> object = platform::open_regular(platform::utf8_of(task.object));
  if (!object) return object.error().message();
  platform::Result<platform::FileIdentity> id = platform::identity(object.value());
  if (!id) return id.error().message();
  const UploadBody body{object.value().get(), id.value().size};
  const UploadTarget target{&task.target, &task.retry, &task.tls};
  try {
    return task.target.store.kind == StoreKind::azure_blob ? upload_azure_blob(body, target, note)
                                                                : upload_s3(body, target, note);
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace assetfetch
