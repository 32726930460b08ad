// WalCheckpointer: background passes copy the WAL into the database so that SQLite can restart it.
// Observed through the WAL size the writer's commits report (wants_checkpoint): after a complete
// pass, the next commit starts the WAL again from its beginning. Real SQLite files in a temp dir.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "storage/sqlite_connection.h"
#include "storage/wal_checkpointer.h"
#include "temp_dir.h"

namespace fhirgw::storage {
namespace {

class WalCheckpointerTest : public ::testing::Test {
 protected:
  WalCheckpointerTest() : dir_("fhirgw-ckpt-"), path_(dir_.file("db.sqlite")) {
    writer_ = std::make_unique<Connection>(path_, false);
    writer_->exec("PRAGMA journal_mode = WAL");
    writer_->exec("PRAGMA wal_autocheckpoint = 0");
    writer_->exec("CREATE TABLE t (x BLOB)");
  }
  ~WalCheckpointerTest() override { writer_.reset(); }  // closed before the directory goes

  // One commit of ~4 pages.
  void commit_some() { writer_->exec("INSERT INTO t VALUES (randomblob(16000))"); }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<Connection> writer_;
};

// Passes spaced as under heavy writes: the tail of a burst (fewer frames than step_pages since the last
// requested pass) is still copied once the WAL has been quiet, so the next commit restarts the WAL and it no longer
// waits for a checkpoint.
TEST_F(WalCheckpointerTest, QuietPassCopiesTheTailSoTheWalRestarts) {
  CheckpointOptions options;
  options.soft_pages = 40;
  options.step_pages = 1'000'000;  // only the first pass past soft_pages is requested by commits
  options.hard_pages = 3'000'000;
  options.eager_passes = 0;  // passes are spaced as under heavy writes
  options.quiet_pass_after = std::chrono::milliseconds(50);
  WalCheckpointer checkpointer(*writer_, path_, false, options);
  for (int i = 0; i < 10'000 && !checkpointer.wants_checkpoint(); ++i) commit_some();
  ASSERT_TRUE(checkpointer.wants_checkpoint());
  for (int i = 0; i < 20; ++i) commit_some();  // frames after the requested pass began
  bool restarted = false;
  for (int i = 0; i < 200 && !restarted; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    commit_some();  // restarts the WAL once a pass has copied every frame
    restarted = !checkpointer.wants_checkpoint();
  }
  EXPECT_TRUE(restarted);
}

// With no quiet pass (a very long quiet_pass_after) and no further request, the frames written after the
// requested pass stay in the WAL: the test above fails without the quiet pass.
TEST_F(WalCheckpointerTest, WithoutQuietPassTheTailStaysInTheWal) {
  CheckpointOptions options;
  options.soft_pages = 40;
  options.step_pages = 1'000'000;
  options.hard_pages = 3'000'000;
  options.eager_passes = 0;
  options.quiet_pass_after = std::chrono::hours(1);
  WalCheckpointer checkpointer(*writer_, path_, false, options);
  for (int i = 0; i < 10'000 && !checkpointer.wants_checkpoint(); ++i) commit_some();
  ASSERT_TRUE(checkpointer.wants_checkpoint());
  // Let the requested pass finish (waited for, not slept: on a loaded machine a pass that began after the
  // tail below would copy it), then write a tail it cannot have copied.
  for (int i = 0; i < 1000 && checkpointer.passes() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(checkpointer.passes(), 1u);
  for (int i = 0; i < 20; ++i) commit_some();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  commit_some();
  EXPECT_TRUE(checkpointer.wants_checkpoint());
}

// Light writes (few frames arrive while a pass runs): a pass is requested after every commit past
// soft_pages, so the WAL restarts soon, with no quiet pass and long before the next step.
TEST_F(WalCheckpointerTest, LightWritesRestartTheWalWithoutWaitingForAStep) {
  CheckpointOptions options;
  options.soft_pages = 40;
  options.step_pages = 1'000'000;
  options.hard_pages = 3'000'000;
  options.quiet_pass_after = std::chrono::hours(1);
  WalCheckpointer checkpointer(*writer_, path_, false, options);
  for (int i = 0; i < 10'000 && !checkpointer.wants_checkpoint(); ++i) commit_some();
  ASSERT_TRUE(checkpointer.wants_checkpoint());
  bool restarted = false;
  for (int i = 0; i < 200 && !restarted; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    commit_some();
    restarted = !checkpointer.wants_checkpoint();
  }
  EXPECT_TRUE(restarted);
}

// Past hard_pages the writer checkpoints in its own commit: the WAL restarts without any background pass.
TEST_F(WalCheckpointerTest, PastHardPagesTheWriterCheckpointsItself) {
  CheckpointOptions options;
  options.soft_pages = 1'000'000;  // no background pass
  options.hard_pages = 40;
  WalCheckpointer checkpointer(*writer_, path_, false, options);
  const auto wal = std::filesystem::path(path_ + "-wal");
  for (int i = 0; i < 100; ++i) commit_some();
  // Restarted WALs are overwritten from the start: the file stays near hard_pages, not 100 commits' worth.
  EXPECT_LT(std::filesystem::file_size(wal), 100u * 4 * 4096);
}

}  // namespace
}  // namespace fhirgw::storage
