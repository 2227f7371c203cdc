#include "writeback/upload.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "transfer/azure_blob.h"
#include "transfer/object_request.h"
#include "transfer/redact.h"
#include "transfer/s3_sigv4.h"
#include "writeback/write_back_object.h"

namespace assetfetch {

namespace {

// The object's descriptor, open for the whole upload: a concurrent
// `cache prune` cannot pull the bytes away mid-way.
class OpenObject {
 public:
  explicit OpenObject(const std::filesystem::path& p) : fd_(::open(p.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~OpenObject() {
    if (fd_ >= 0) ::close(fd_);
  }
  OpenObject(const OpenObject&) = delete;
  OpenObject& operator=(const OpenObject&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

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
  OpenObject object(task.object);
  struct stat st {};
  if (object.fd() < 0 || ::fstat(object.fd(), &st) != 0)
    return "cannot open the cached object " + task.object.string() + ": " + std::strerror(errno);
  const UploadBody body{object.fd(), static_cast<std::uint64_t>(st.st_size)};
  const UploadTarget target{&task.target, &task.retry, &task.tls};
  try {
    return task.target.store.kind == StoreKind::azure_blob ? upload_azure_blob(body, target, note)
                                                                : upload_s3(body, target, note);
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace assetfetch
