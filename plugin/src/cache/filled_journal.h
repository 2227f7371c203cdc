// FilledJournal: which byte spans of a cache partial are really on disk
// (BITS' GetFilledFileRanges), kept beside it as partial/<algo>-<hex>.filled.
//
// Why a journal and not the file's length: segments are written out of
// order, so a partial's length says nothing about holes below it. A span is
// recorded only after its bytes were written (pwrite returned), so after a
// kill at any moment every recorded span holds the bytes the server sent.
// (A power loss can still lose page-cache data the journal survived: the
// final hash catches that, and the engine then fetches again from byte 0.)
//
// Format: text, one record a line, appended with a single write(2):
//   "assetfetch-filled 1 <size>\n"        header (size 0: not known)
//   "<start> <end> <check>\n"             a filled span [start, end)
// where <check> is a hex mix of start and end: a torn or corrupt line (and
// everything after it) is ignored on load, so a partial write never claims
// bytes. The journal is compacted (rewritten, merged) when it grows long.
//
// Thread safety: one owner (the file's worker on the transfer thread) opens,
// resets and closes it; record() may also come from the owner's WriteStage
// thread while the owner reads filled(), so every call takes an internal lock
// (never held while calling out).
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <vector>

#include "cache/unique_fd.h"

namespace assetfetch {

// A set of disjoint, sorted, merged byte spans [start, end).
class SpanSet {
 public:
  struct Span {
    std::uint64_t start = 0, end = 0;
    bool operator==(const Span&) const = default;
  };
  void add(std::uint64_t start, std::uint64_t end);
  void clear() { spans_.clear(); }
  // Drops everything at or past `size`.
  void clip(std::uint64_t size);
  // End of the span that starts at 0 (0 when there is none).
  std::uint64_t prefix() const;
  std::uint64_t total() const;
  bool empty() const { return spans_.empty(); }
  const std::vector<Span>& spans() const { return spans_; }

 private:
  std::vector<Span> spans_;
};

class FilledJournal {
 public:
  FilledJournal() = default;
  ~FilledJournal();
  FilledJournal(const FilledJournal&) = delete;
  FilledJournal& operator=(const FilledJournal&) = delete;

  // Reads what an earlier run recorded (nothing if the file is missing,
  // unreadable, a link, or for another size). Does not open for writing.
  static SpanSet load(const std::filesystem::path& file, std::uint64_t size);

  // Opens `file` for appending, keeping `kept` (rewritten, compacted) as the
  // starting content; throws std::system_error. `size` 0: unknown.
  void open(const std::filesystem::path& file, std::uint64_t size, const SpanSet& kept);
  bool is_open() const;
  std::uint64_t size() const;
  // Records [start, end) as written. Errors are not fatal to the download:
  // a span that is not recorded is just fetched again after a kill.
  void record(std::uint64_t start, std::uint64_t end);
  // Forgets every span (the partial was truncated).
  void reset();
  // A copy: the stage thread may record more meanwhile.
  SpanSet filled() const;
  void close();

 private:
  void rewrite();  // with mu_ held
  mutable std::mutex mu_;
  std::filesystem::path file_;
  std::uint64_t size_ = 0;
  UniqueFd fd_;  // appended to (the only writer: sequential writes)
  SpanSet filled_;
  std::size_t records_ = 0;  // lines appended since the last rewrite
};

}  // namespace assetfetch
