// FilledJournal and SpanSet: what a killed run recorded is what a rerun
// trusts, and nothing else (torn lines, other sizes, links are ignored).
#include <gtest/gtest.h>

#include <unistd.h>

#include "cache/filled_journal.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using assetfetch::FilledJournal;
using assetfetch::SpanSet;
using Span = SpanSet::Span;

TEST(SpanSet, MergesTouchingAndOverlappingSpans) {
  SpanSet s;
  s.add(10, 20);
  s.add(30, 40);
  s.add(20, 25);  // touches the first
  s.add(0, 0);    // empty: ignored
  EXPECT_EQ(s.spans(), (std::vector<Span>{{10, 25}, {30, 40}}));
  EXPECT_EQ(s.prefix(), 0u);
  s.add(0, 35);
  EXPECT_EQ(s.spans(), (std::vector<Span>{{0, 40}}));
  EXPECT_EQ(s.prefix(), 40u);
  s.add(50, 60);
  s.clip(55);
  EXPECT_EQ(s.spans(), (std::vector<Span>{{0, 40}, {50, 55}}));
  EXPECT_EQ(s.total(), 45u);
}

TEST(FilledJournal, RecordedSpansSurviveAndReload) {
  af_test::TempDir dir{"af-journal"};
  const fs::path file = dir / "x.filled";
  {
    FilledJournal j;
    j.open(file, 1000, SpanSet{});
    j.record(0, 100);
    j.record(500, 600);
    j.record(100, 200);
  }  // closed without any "clean shutdown" step, like a kill
  SpanSet got = FilledJournal::load(file, 1000);
  EXPECT_EQ(got.spans(), (std::vector<Span>{{0, 200}, {500, 600}}));
  EXPECT_EQ(got.prefix(), 200u);
  EXPECT_TRUE(FilledJournal::load(file, 999).empty()) << "a journal for another size was trusted";
}

TEST(FilledJournal, TornOrCorruptRecordsAreIgnoredFromThereOn) {
  af_test::TempDir dir{"af-journal"};
  const fs::path file = dir / "x.filled";
  {
    FilledJournal j;
    j.open(file, 1000, SpanSet{});
    j.record(0, 100);
    j.record(300, 400);
  }
  std::string text = af_test::read_file(file);
  // A torn last line (no newline) claims nothing.
  af_test::write_file(file, text + "400 9");
  EXPECT_EQ(FilledJournal::load(file, 1000).spans(), (std::vector<Span>{{0, 100}, {300, 400}}));
  // A record whose check does not match ends the journal there.
  const auto second = text.find('\n', text.find('\n') + 1) + 1;
  std::string forged = text.substr(0, second) + "0 999 0\n" + text.substr(second);
  af_test::write_file(file, forged);
  EXPECT_EQ(FilledJournal::load(file, 1000).spans(), (std::vector<Span>{{0, 100}}));
  af_test::write_file(file, "garbage\n0 100 1\n");
  EXPECT_TRUE(FilledJournal::load(file, 1000).empty());
}

TEST(FilledJournal, ResetForgetsAndCompactionKeepsEverySpan) {
  af_test::TempDir dir{"af-journal"};
  const fs::path file = dir / "x.filled";
  FilledJournal j;
  j.open(file, 1u << 30, SpanSet{});
  for (std::uint64_t i = 0; i < 10000; ++i) j.record(i * 20, i * 20 + 10);  // forces rewrites
  SpanSet got = FilledJournal::load(file, 1u << 30);
  EXPECT_EQ(got.spans().size(), 10000u);
  EXPECT_EQ(got.total(), 100000u);
  EXPECT_LT(fs::file_size(file), 400000u) << "the journal was never compacted";
  j.reset();
  EXPECT_TRUE(FilledJournal::load(file, 1u << 30).empty());
  j.record(0, 5);
  EXPECT_EQ(FilledJournal::load(file, 1u << 30).spans(), (std::vector<Span>{{0, 5}}));
}

TEST(FilledJournal, ALinkIsNeitherReadNorFollowed) {
  af_test::TempDir dir{"af-journal"};
  const fs::path real = dir / "elsewhere.filled";
  {
    FilledJournal j;
    j.open(real, 1000, SpanSet{});
    j.record(0, 1000);
  }
  const std::string before = af_test::read_file(real);
  const fs::path link = dir / "x.filled";
  fs::create_symlink(real, link);
  EXPECT_TRUE(FilledJournal::load(link, 1000).empty()) << "a planted link was trusted";
  FilledJournal j;
  j.open(link, 1000, SpanSet{});  // replaces the link by a file of its own
  j.record(0, 10);
  EXPECT_FALSE(fs::is_symlink(link));
  EXPECT_EQ(af_test::read_file(real), before) << "the link's target was written";
}

}  // namespace
