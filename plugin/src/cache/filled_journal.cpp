#include "cache/filled_journal.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>

#include "platform/fs_ops.h"
#include "platform/path.h"

namespace assetfetch {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "assetfetch-filled 1 ";
constexpr std::size_t kCompactAfter = 4096;  // records before a rewrite
constexpr std::size_t kMaxJournal = 4u << 20;

std::uint64_t check_of(std::uint64_t start, std::uint64_t end) {
  std::uint64_t h = 0x9e3779b97f4a7c15ull ^ start;
  h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ull;
  h ^= end + 0x94d049bb133111ebull + (h << 6) + (h >> 2);
  return h ^ (h >> 29);
}

std::string record_line(std::uint64_t start, std::uint64_t end) {
  char buf[80];
  int n = std::snprintf(buf, sizeof buf, "%llu %llu %llx\n", static_cast<unsigned long long>(start),
                        static_cast<unsigned long long>(end),
                        static_cast<unsigned long long>(check_of(start, end)));
  return std::string(buf, static_cast<std::size_t>(n));
}

bool parse_u64(std::string_view s, int base, std::uint64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

void SpanSet::add(std::uint64_t start, std::uint64_t end) {
  if (end <= start) return;
  auto it = std::lower_bound(spans_.begin(), spans_.end(), start,
                             [](const Span& s, std::uint64_t v) { return s.end < v; });
  // `it` is the first span that ends at or after `start`: merge every span
  // that touches [start, end).
  auto last = it;
  while (last != spans_.end() && last->start <= end) {
    start = std::min(start, last->start);
    end = std::max(end, last->end);
    ++last;
  }
  it = spans_.erase(it, last);
  spans_.insert(it, Span{start, end});
}

void SpanSet::clip(std::uint64_t size) {
  std::erase_if(spans_, [size](const Span& s) { return s.start >= size; });
  if (!spans_.empty() && spans_.back().end > size) spans_.back().end = size;
}

std::uint64_t SpanSet::prefix() const { return !spans_.empty() && spans_.front().start == 0 ? spans_.front().end : 0; }

std::uint64_t SpanSet::total() const {
  std::uint64_t n = 0;
  for (const auto& s : spans_) n += s.end - s.start;
  return n;
}

FilledJournal::~FilledJournal() { close(); }

void FilledJournal::close() {
  std::lock_guard lock(mu_);
  fd_.reset();
}

bool FilledJournal::is_open() const {
  std::lock_guard lock(mu_);
  return static_cast<bool>(fd_);
}

std::uint64_t FilledJournal::size() const {
  std::lock_guard lock(mu_);
  return size_;
}

SpanSet FilledJournal::filled() const {
  std::lock_guard lock(mu_);
  return filled_;
}

SpanSet FilledJournal::load(const fs::path& file, std::uint64_t size) {
  SpanSet out;
  UniqueFd fd;
  try {
    fd = open_regular_readonly(file);  // never through a link
  } catch (const std::system_error&) {
    return out;
  }
  std::string text;
  platform::Result<platform::FileIdentity> id = platform::identity(fd);
  if (id && id.value().size > 0 && id.value().size <= kMaxJournal) {
    text.resize(static_cast<std::size_t>(id.value().size));
    std::size_t got = 0;
    while (got < text.size()) {
      platform::Result<std::size_t> r = platform::read_some(fd, text.data() + got, text.size() - got);
      if (!r || r.value() == 0) break;
      got += r.value();
    }
    text.resize(got);
  }
  std::string_view rest = text;
  auto next_line = [&rest](std::string_view* line) {
    auto nl = rest.find('\n');
    if (nl == std::string_view::npos) return false;  // torn last line
    *line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    return true;
  };
  std::string_view line;
  std::uint64_t recorded_size = 0;
  if (!next_line(&line) || line.substr(0, kMagic.size()) != kMagic ||
      !parse_u64(line.substr(kMagic.size()), 10, &recorded_size) || recorded_size != size)
    return out;
  while (next_line(&line)) {
    auto a = line.find(' ');
    auto b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    std::uint64_t start = 0, end = 0, check = 0;
    if (b == std::string_view::npos || !parse_u64(line.substr(0, a), 10, &start) ||
        !parse_u64(line.substr(a + 1, b - a - 1), 10, &end) || !parse_u64(line.substr(b + 1), 16, &check) ||
        check != check_of(start, end) || end <= start || (size > 0 && end > size))
      break;  // everything from a bad record on is ignored
    out.add(start, end);
  }
  return out;
}

void FilledJournal::open(const fs::path& file, std::uint64_t size, const SpanSet& kept) {
  std::lock_guard lock(mu_);
  fd_.reset();
  file_ = file;
  size_ = size;
  filled_ = kept;
  rewrite();
}

void FilledJournal::rewrite() {
  // A fresh file renamed over the old one: a kill leaves either journal whole.
  NewTemporary tmp = create_temporary_in(file_.parent_path(), platform::utf8_of(file_.filename()), "");
  std::string text = std::string(kMagic) + std::to_string(size_) + "\n";
  for (const auto& s : filled_.spans()) text += record_line(s.start, s.end);
  // The old journal's handle goes first: Windows cannot always replace a
  // file that is still open (docs/windows.md).
  fd_.reset();
  const std::string tmp_path = platform::utf8_of(tmp.path);
  platform::Status s = platform::write_all(tmp.fd, text.data(), text.size());
  if (s) s = platform::replace_file(tmp_path, platform::utf8_of(file_));
  if (!s) {
    (void)platform::remove_file(tmp_path);
    throw std::system_error(s.error().error_code(), platform::utf8_of(file_));
  }
  fd_ = std::move(tmp.fd);
  records_ = 0;
}

void FilledJournal::record(std::uint64_t start, std::uint64_t end) {
  if (end <= start) return;
  std::lock_guard lock(mu_);
  filled_.add(start, end);
  if (!fd_) return;
  try {
    if (++records_ >= kCompactAfter) {
      rewrite();
      return;
    }
  } catch (const std::system_error&) {
    fd_.reset();  // no more records: those spans are fetched again after a kill
    return;
  }
  const std::string line = record_line(start, end);
  if (!platform::write_all(fd_, line.data(), line.size())) fd_.reset();
}

void FilledJournal::reset() {
  std::lock_guard lock(mu_);
  filled_.clear();
  if (!fd_) return;
  try {
    rewrite();
  } catch (const std::system_error&) {
    // Unrecorded spans only cost a re-fetch; but a stale journal must not
    // claim bytes of a truncated partial: remove it.
    fd_.reset();
    std::error_code ec;
    fs::remove(file_, ec);
  }
}

}  // namespace assetfetch
