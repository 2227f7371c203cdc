#include "cache/unique_fd.h"
#include "worker/local_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "cache/install.h"
#include "transfer/curl_url.h"
#include "transfer/redact.h"
#include "transfer/transfer.h"

namespace assetfetch {

namespace fs = std::filesystem;

fs::path local_path_from_url(const std::string& url) {
  // Parsed as libcurl parses it (transfer/curl_url.h); an unparsable URL names no file.
  return curl_file_path(url).value_or(fs::path());
}

namespace {

LocalRead stream(int fd, std::uint64_t offset, std::uint64_t length, const LocalSink& sink,
                 const fs::path& src) {
  LocalRead r;
  std::vector<char> buf(1 << 20);
  while (length > 0) {
    std::size_t want = length < buf.size() ? static_cast<std::size_t>(length) : buf.size();
    ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      r.error = "reading " + src.string() + ": " + (n < 0 ? std::strerror(errno) : "file shrank");
      return r;
    }
    if (!sink(buf.data(), static_cast<std::size_t>(n))) {
      r.error = "cannot write the local file";
      return r;
    }
    offset += static_cast<std::uint64_t>(n);
    length -= static_cast<std::uint64_t>(n);
  }
  r.ok = true;
  return r;
}

}  // namespace

LocalRead read_local(const fs::path& src, std::uint64_t from_offset, const LocalSink& sink,
                     std::optional<std::uint64_t> declared_size, std::optional<std::uint64_t> expected_size) {
  LocalRead r;
  int fd = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    r.error = "cannot open " + src.string() + ": " + std::strerror(errno);
    return r;
  }
  struct stat st {};
  ::fstat(fd, &st);
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    r.error = src.string() + " is not a regular file";
    return r;
  }
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (declared_size && size != *declared_size) {
    ::close(fd);
    r.error = src.string() + " has " + std::to_string(size) + " bytes but the declared size is " +
              std::to_string(*declared_size);
    return r;
  }
  if ((expected_size && size != *expected_size) || from_offset > size) {
    ::close(fd);
    r.restart = true;
    return r;
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  r = stream(fd, from_offset, size - from_offset, sink, src);
  r.size = size;
  ::close(fd);
  return r;
}

LocalRead read_local_range(const fs::path& src, std::uint64_t offset, std::uint64_t length,
                           const LocalSink& sink) {
  int fd = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    LocalRead r;
    r.error = "cannot open " + src.string() + ": " + std::strerror(errno);
    return r;
  }
  LocalRead r = stream(fd, offset, length, sink, src);
  ::close(fd);
  return r;
}

std::string write_back_object(const fs::path& object, const Candidate& target, const JobOptions& options) {
  try {
    if (url_scheme(target.url) == "file") {
      fs::path dest = local_path_from_url(target.url);
      std::error_code ec;
      if (fs::exists(dest, ec)) return {};  // content-addressed: already there
      fs::create_directories(dest.parent_path());
      fs::path tmp = dest;
      tmp += "." + std::to_string(::getpid()) + "." + random_suffix() + ".tmp";
      clone_or_copy(object, tmp);
      fs::rename(tmp, dest);
      return {};
    }
    TransferRequest req;
    req.url = target.url;
    req.headers = target.headers;
    req.retry = &options.retry;
    req.tls = &options.tls;
    req.put_file = object.string();
    Transfer t(std::move(req), nullptr, nullptr);
    CURLcode code = curl_api().easy_perform(t.handle());
    TransferResult r = t.finish(code);
    if (code != CURLE_OK) return r.curl_error;
    if (r.status < 200 || r.status >= 300) return "HTTP " + std::to_string(r.status);
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace assetfetch
