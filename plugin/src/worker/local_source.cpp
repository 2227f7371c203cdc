#include "worker/local_source.h"

#include <vector>

#include "platform/file.h"
#include "platform/path.h"

namespace assetfetch {

namespace fs = std::filesystem;

platform::Result<fs::path> local_path_from_url(const std::string& url) {
  platform::Result<std::string> path = platform::file_url_to_path(url);
  if (!path) return path.error();
  return platform::path_from_utf8(path.value());
}

namespace {

// A file:// source is named by the user (a mirror folder, a network mount):
// its links are followed, but only a regular file is read.
platform::Result<platform::File> open_source(const fs::path& src) {
  platform::OpenOptions options;
  options.follow_links = true;
  return platform::open_regular(platform::utf8_of(src), options);
}

std::string cannot_open(const fs::path& src, const platform::PlatformError& e) {
  if (e.code == platform::Errc::not_regular || e.code == platform::Errc::is_directory)
    return platform::utf8_of(src) + " is not a regular file";
  return "cannot open " + platform::utf8_of(src) + ": " + platform::native_error_text(e.native);
}

LocalRead stream(const platform::File& f, std::uint64_t offset, std::uint64_t length, const LocalSink& sink,
                 const fs::path& src) {
  LocalRead r;
  std::vector<char> buf(1 << 20);
  while (length > 0) {
    const std::size_t want = length < buf.size() ? static_cast<std::size_t>(length) : buf.size();
    auto n = platform::read_at(f, buf.data(), want, offset);
    if (!n || n.value() == 0) {
      r.error = "reading " + platform::utf8_of(src) + ": " + (n ? std::string("file shrank") : platform::native_error_text(n.error().native));
      return r;
    }
    if (!sink(buf.data(), n.value())) {
      r.error = "cannot write the local file";
      return r;
    }
    offset += n.value();
    length -= n.value();
  }
  r.ok = true;
  return r;
}

}  // namespace

LocalRead read_local(const fs::path& src, std::uint64_t from_offset, const LocalSink& sink,
                     std::optional<std::uint64_t> declared_size, std::optional<std::uint64_t> expected_size) {
  LocalRead r;
  auto f = open_source(src);
  if (!f) {
    r.error = cannot_open(src, f.error());
    return r;
  }
  auto id = platform::identity(f.value());
  if (!id || id->kind != platform::FileKind::regular) {
    r.error = platform::utf8_of(src) + " is not a regular file";
    return r;
  }
  const std::uint64_t size = id->size;
  if (declared_size && size != *declared_size) {
    r.error = platform::utf8_of(src) + " has " + std::to_string(size) + " bytes but the declared size is " +
              std::to_string(*declared_size);
    return r;
  }
  if ((expected_size && size != *expected_size) || from_offset > size) {
    r.restart = true;
    return r;
  }
  r = stream(f.value(), from_offset, size - from_offset, sink, src);
  r.size = size;
  return r;
}

LocalRead read_local_range(const fs::path& src, std::uint64_t offset, std::uint64_t length,
                           const LocalSink& sink) {
  auto f = open_source(src);
  if (!f) {
    LocalRead r;
    r.error = cannot_open(src, f.error());
    return r;
  }
  return stream(f.value(), offset, length, sink, src);
}

}  // namespace assetfetch
