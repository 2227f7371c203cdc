// WriteStage: what reaches the disk is what was fed, the journal never
// claims a byte that was not written, the digest is the one-shot digest, the
// pool bound holds, and a failed write comes back as a typed Failure.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "cache/filled_journal.h"
#include "cache/unique_fd.h"
#include "test_util.h"
#include "verify/hasher.h"
#include "verify/stream_hasher.h"
#include "worker/write_stage.h"

namespace {

namespace fs = std::filesystem;
using assetfetch::FilledJournal;
using assetfetch::HashAlgorithm;
using assetfetch::SpanSet;
using assetfetch::StreamHasher;
using assetfetch::UniqueFd;
using assetfetch::WriteStage;
using Span = SpanSet::Span;

// Feeds `data` in uneven chunks, as libcurl hands a body over.
std::optional<WriteStage::Failure> feed(WriteStage& stage, const WriteStage::Target& target, std::uint64_t at,
                                        const std::string& data) {
  std::size_t done = 0, chunk = 7;
  while (done < data.size()) {
    const std::size_t take = std::min(chunk, data.size() - done);
    if (auto f = stage.append(target, at + done, data.data() + done, take)) return f;
    done += take;
    chunk = chunk * 5 % 40000 + 1;
  }
  return std::nullopt;
}

UniqueFd open_rw(const fs::path& p) { return UniqueFd(::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)); }

TEST(WriteStage, BytesOnDiskJournalAndDigestMatchWhatWasFed) {
  af_test::TempDir dir{"af-stage"};
  // Sizes around the buffer: empty, inside one (no thread), exact, many.
  const std::size_t buffer = 64u << 10;
  for (std::size_t size : {std::size_t{0}, std::size_t{1000}, buffer, buffer + 1, 37 * buffer + 123}) {
    const std::string data = af_test::random_bytes(size, static_cast<std::uint32_t>(size));
    const fs::path file = dir / ("out" + std::to_string(size));
    UniqueFd fd = open_rw(file);
    ASSERT_TRUE(fd);
    FilledJournal journal;
    journal.open(dir / ("out" + std::to_string(size) + ".filled"), size, SpanSet{});
    StreamHasher hasher(HashAlgorithm::sha256);
    {
      WriteStage stage(3, buffer);
      WriteStage::Target t{&fd, &journal, &hasher};
      ASSERT_FALSE(feed(stage, t, 0, data));
      ASSERT_FALSE(stage.drain());
      EXPECT_LE(stage.pool().stats().allocated, 3u);
      EXPECT_LE(stage.pool().stats().peak_in_use, 3u);
    }
    EXPECT_EQ(af_test::read_file(file), data) << "size " << size;
    EXPECT_EQ(hasher.finish_hex(), af_test::sha256_hex(data)) << "size " << size;
    const SpanSet reloaded = FilledJournal::load(dir / ("out" + std::to_string(size) + ".filled"), size);
    if (size == 0) EXPECT_TRUE(reloaded.empty());
    else EXPECT_EQ(reloaded.spans(), (std::vector<Span>{{0, size}})) << "size " << size;
  }
}

TEST(WriteStage, OneBufferPoolStillDeliversEverythingInOrder) {
  af_test::TempDir dir{"af-stage"};
  const std::string data = af_test::random_bytes((5u << 20) + 17, 5);
  UniqueFd fd = open_rw(dir / "out");
  StreamHasher hasher(HashAlgorithm::sha512);
  WriteStage stage(1, 256u << 10);
  ASSERT_FALSE(feed(stage, {&fd, nullptr, &hasher}, 0, data));
  ASSERT_FALSE(stage.drain());
  EXPECT_EQ(stage.pool().stats().allocated, 1u);
  EXPECT_EQ(stage.pool().stats().peak_in_use, 1u);
  EXPECT_GT(stage.pool().stats().waits, 0u) << "a pool of one never made the feeder wait";
  EXPECT_EQ(af_test::read_file(dir / "out"), data);
  EXPECT_EQ(hasher.finish_hex(), af_test::sha512_hex(data));
}

TEST(WriteStage, RunsAtOtherOffsetsAreWrittenAndJournaledButHashedOnlyWhenAsked) {
  af_test::TempDir dir{"af-stage"};
  const std::size_t size = 3u << 20;
  const std::string data = af_test::random_bytes(size, 9);
  UniqueFd fd = open_rw(dir / "out");
  FilledJournal journal;
  journal.open(dir / "out.filled", size, SpanSet{});
  StreamHasher hasher(HashAlgorithm::sha256);
  WriteStage stage(4, 100000);
  const std::uint64_t cut = 1234567;
  // The tail first (ahead of the prefix: not hashed), then the head.
  ASSERT_FALSE(feed(stage, {&fd, &journal, nullptr}, cut, data.substr(cut)));
  ASSERT_FALSE(stage.drain());
  EXPECT_EQ(journal.filled().spans(), (std::vector<Span>{{cut, size}}));
  ASSERT_FALSE(feed(stage, {&fd, &journal, &hasher}, 0, data.substr(0, cut)));
  ASSERT_FALSE(stage.drain());
  EXPECT_EQ(af_test::read_file(dir / "out"), data);
  EXPECT_EQ(journal.filled().spans(), (std::vector<Span>{{0, size}}));
  EXPECT_EQ(hasher.finish_hex(), af_test::sha256_hex(data.substr(0, cut)));
}

TEST(WriteStage, FullDeviceIsATypedNoSpaceFailureAndNothingIsJournaled) {
  af_test::TempDir dir{"af-stage"};
  UniqueFd full(::open("/dev/full", O_WRONLY | O_CLOEXEC));
  if (!full) GTEST_SKIP() << "no /dev/full here";
  FilledJournal journal;
  journal.open(dir / "out.filled", 10u << 20, SpanSet{});
  StreamHasher hasher(HashAlgorithm::sha256);
  WriteStage stage(2, 64u << 10);
  const std::string data = af_test::random_bytes(1u << 20, 3);
  auto f = feed(stage, {&full, &journal, &hasher}, 0, data);
  if (!f) f = stage.drain();
  ASSERT_TRUE(f) << "a write to /dev/full succeeded";
  EXPECT_EQ(f->fault, WriteStage::Fault::no_space);
  EXPECT_EQ(f->error, ENOSPC);
  EXPECT_EQ(f->offset, 0u);
  // Sticky: later calls report it too, and nothing was journaled or hashed.
  ASSERT_TRUE(stage.append({&full, &journal, &hasher}, 1u << 20, "x", 1));
  ASSERT_TRUE(stage.drain());
  EXPECT_TRUE(journal.filled().empty());
  EXPECT_TRUE(FilledJournal::load(dir / "out.filled", 10u << 20).empty());
  EXPECT_EQ(hasher.finish_hex(), af_test::sha256_hex(""));
}

TEST(WriteStage, WriteToAReadOnlyFileIsATypedIoFailureAtTheRightOffset) {
  af_test::TempDir dir{"af-stage"};
  af_test::write_file(dir / "ro", "");
  UniqueFd ro(::open((dir / "ro").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(ro);
  FilledJournal journal;
  journal.open(dir / "ro.filled", 0, SpanSet{});
  WriteStage stage(2, 4096);
  const std::string data = af_test::random_bytes(3 * 4096, 4);
  auto f = feed(stage, {&ro, &journal, nullptr}, 8192, data);
  if (!f) f = stage.drain();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->fault, WriteStage::Fault::io);
  EXPECT_EQ(f->error, EBADF);
  EXPECT_EQ(f->offset, 8192u);
  EXPECT_NE(f->describe().find("8192"), std::string::npos) << f->describe();
  EXPECT_TRUE(journal.filled().empty());
  EXPECT_EQ(fs::file_size(dir / "ro"), 0u);
}

TEST(WriteStage, DiscardDropsWhatIsNotWrittenAndTheStageGoesOn) {
  af_test::TempDir dir{"af-stage"};
  UniqueFd fd = open_rw(dir / "out");
  FilledJournal journal;
  journal.open(dir / "out.filled", 0, SpanSet{});
  WriteStage stage(2, 4096);
  const std::string junk(1000, 'j');
  ASSERT_FALSE(stage.append({&fd, &journal, nullptr}, 0, junk.data(), junk.size()));  // gathered only
  stage.discard();
  EXPECT_EQ(fs::file_size(dir / "out"), 0u) << "discarded bytes reached the disk";
  EXPECT_TRUE(journal.filled().empty());
  const std::string data = af_test::random_bytes(10000, 6);
  ASSERT_FALSE(feed(stage, {&fd, &journal, nullptr}, 0, data));
  ASSERT_FALSE(stage.drain());
  EXPECT_EQ(af_test::read_file(dir / "out"), data);
  EXPECT_EQ(journal.filled().spans(), (std::vector<Span>{{0, data.size()}}));
}

}  // namespace
