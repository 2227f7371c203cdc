#include "worker/finisher.h"


#include "cache/install.h"
#include "cache/unique_fd.h"
#include "base/range.h"
#include "transfer/redact.h"
#include "verify/hasher.h"
#include "writeback/write_back_object.h"
#include "writeback/writeback_queue.h"
#include "platform/path.h"

namespace assetfetch {

namespace fs = std::filesystem;

std::uint64_t install_whole(const fs::path& object, const fs::path& temporary, InstallMode mode) {
  if (mode == InstallMode::hardlink) {
    hardlink_readonly(object, temporary);
    return fs::file_size(temporary);
  }
  std::uint64_t size = 0;
  clone_or_copy(object, temporary, &size);  // no stat of the copy: one system call per asset less
  return size;
}

std::variant<std::uint64_t, Failure> cut_ranges(const FileSpec& spec, const fs::path& whole,
                                                const fs::path& temporary) {
  const std::uint64_t size = fs::file_size(whole);
  std::vector<PlacedRange> placed;
  std::string why;
  if (!place_ranges(spec.ranges, size, spec.layout, &placed, &why))
    return Failure{ErrorCode::bad_input, ErrorCause::range_invalid, why};
  UniqueFd in = open_regular_readonly(whole);
  UniqueFd out = open_new_temporary(temporary, true);
  if (spec.layout == Layout::sparse && !platform::truncate(out, size))
    return Failure{ErrorCode::internal, ErrorCause::local_file, "cannot size " + platform::utf8_of(temporary)};
  std::uint64_t total = 0;
  for (const auto& p : placed) {
    copy_fd_range(in.get(), p.offset, out.get(), p.output_offset, p.length);
    total += p.length;
  }
  // A range with its own digest must match it even when cut from a file.
  for (std::size_t i = 0; i < placed.size(); ++i) {
    const auto& d = spec.ranges[i].digest;
    if (d && hash_file(whole, d->algorithm, placed[i].offset, placed[i].length) != d->hex)
      return Failure{ErrorCode::hash_mismatch, ErrorCause::hash_mismatch,
                     "range " + format_range(spec.ranges[i]) + " does not match its sha256 " + d->hex};
  }
  return spec.layout == Layout::sparse ? size : total;
}

void write_back(const FileSpec& spec, const std::string& asset, const fs::path& object, const std::string& served_by,
                const JobOptions& options, const StoreMarks& marks, WriteBackAfter after,
                const std::function<void(const std::string&)>& warning) {
  const bool cache_hit = after == WriteBackAfter::cache_hit;
  // Marks name the object as the cache does (spec.digest); without one, none.
  const auto mark_of = [&](const Candidate& target) {
    return spec.digest ? marks.path_of(target.url, *spec.digest, spec.extra_digest) : fs::path();
  };
  for (const auto& target : spec.write_back) {
    if (target.url == served_by) {
      StoreMarks::add(mark_of(target));  // it has the object: no hit needs to ask it
      continue;
    }
    // Offline opens no connection, an upload included.
    if (options.offline && uploads_in_background(target)) continue;
    if (cache_hit && StoreMarks::has(mark_of(target))) continue;
    WriteBackTask task{asset, target, object, options.retry, options.tls, mark_of(target)};
    if (uploads_in_background(target)) {
      WriteBackQueue::instance().submit(std::move(task));
      continue;
    }
    std::string err = run_write_back(task);
    if (err.empty()) StoreMarks::add(task.mark);
    else if (warning) warning("write-back to " + redact_url(target.url) + " failed: " + err);
  }
}

}  // namespace assetfetch
