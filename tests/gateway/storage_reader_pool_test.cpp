// ReaderPool: read snapshots kept across leases while only the audit trail commits, and ended by data
// commits, by age, and for leases that must see everything. Real SQLite files in a temp directory.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>

#include "storage/reader_pool.h"
#include "storage/store.h"

namespace fhirgw::storage {
namespace {

using std::chrono::milliseconds;

class PoolFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("fhirgw-readers-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "db.sqlite").string();
    writer_ = std::make_unique<Connection>(path_, false);
    writer_->exec("PRAGMA journal_mode = WAL");
    writer_->exec("CREATE TABLE t(k INTEGER PRIMARY KEY)");
  }
  void TearDown() override {
    writer_.reset();
    std::filesystem::remove_all(dir_);
  }

  void insert_row() { writer_->exec("INSERT INTO t DEFAULT VALUES"); }

  static std::int64_t rows(ReaderPool& pool, Freshness freshness) {
    ReaderLease db(pool, freshness);
    StatementScope s(db->cached("SELECT COUNT(*) FROM t"));
    s->step();
    return s->column_int(0);
  }

  // Wal checkpoint(TRUNCATE) from the writer: true if no reader held it back.
  bool truncate_wal() {
    sqlite3_busy_timeout(writer_->handle(), 0);  // a held-back checkpoint answers at once instead of waiting
    int log = -1;
    int done = -1;
    const int rc = sqlite3_wal_checkpoint_v2(writer_->handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    return rc == SQLITE_OK && std::filesystem::file_size(path_ + "-wal") == 0;
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<Connection> writer_;
};

TEST_F(PoolFixture, AnAuditOnlyCommitKeepsTheSnapshotOfDataReads) {
  ReaderPool pool(path_, 1, milliseconds(60'000));
  EXPECT_EQ(rows(pool, Freshness::data), 0);
  insert_row();
  pool.committed(false, true);  // only AuditEvents: the idle reader keeps its snapshot (and its page cache)
  EXPECT_EQ(rows(pool, Freshness::data), 0);
  // A lease that may return AuditEvents sees every acknowledged commit.
  EXPECT_EQ(rows(pool, Freshness::everything), 1);
}

TEST_F(PoolFixture, ADataCommitEndsEverySnapshot) {
  ReaderPool pool(path_, 2, milliseconds(60'000));
  {
    // Two readers, both with a snapshot taken before the commit.
    ReaderLease a(pool);
    ReaderLease b(pool);
    StatementScope sa(a->cached("SELECT COUNT(*) FROM t"));
    StatementScope sb(b->cached("SELECT COUNT(*) FROM t"));
    ASSERT_TRUE(sa->step());
    ASSERT_TRUE(sb->step());
  }
  insert_row();
  pool.committed(true, true);
  EXPECT_EQ(rows(pool, Freshness::data), 1);
  EXPECT_EQ(rows(pool, Freshness::data), 1);
}

TEST_F(PoolFixture, ASnapshotOlderThanTheMaximumAgeIsEnded) {
  ReaderPool pool(path_, 1, milliseconds(0));
  EXPECT_EQ(rows(pool, Freshness::data), 0);
  insert_row();
  pool.committed(false, true);
  EXPECT_EQ(rows(pool, Freshness::data), 1);
}

TEST_F(PoolFixture, IdleSnapshotsDoNotHoldBackTheWal) {
  ReaderPool pool(path_, 1, milliseconds(60'000));
  insert_row();
  pool.committed(true, true);
  EXPECT_EQ(rows(pool, Freshness::data), 1);  // the idle reader now holds a snapshot that uses the WAL
  insert_row();
  EXPECT_FALSE(truncate_wal());  // ... which keeps the WAL from being reset
  pool.committed(true, true);    // a data commit ends idle snapshots
  EXPECT_TRUE(truncate_wal());

  EXPECT_EQ(rows(pool, Freshness::data), 2);
  insert_row();
  pool.committed(false, true);  // audit only: the snapshot is kept ...
  EXPECT_FALSE(truncate_wal());
  pool.end_idle();  // ... until the store needs the WAL truncated (SqliteStore::flush)
  EXPECT_TRUE(truncate_wal());
}

TEST_F(PoolFixture, NoSnapshotIsKeptWhileTheWalWaitsForACheckpoint) {
  ReaderPool pool(path_, 1, milliseconds(60'000));
  EXPECT_EQ(rows(pool, Freshness::data), 0);
  insert_row();
  pool.committed(false, false);  // audit only, but the WAL is past its checkpoint size
  EXPECT_TRUE(truncate_wal());   // the idle snapshot was ended
  insert_row();
  EXPECT_EQ(rows(pool, Freshness::data), 2);  // and not kept when its lease ended
  EXPECT_TRUE(truncate_wal());
  pool.committed(false, true);  // the WAL was reset: snapshots are kept again
  EXPECT_EQ(rows(pool, Freshness::data), 2);
  insert_row();
  EXPECT_FALSE(truncate_wal());
}

TEST_F(PoolFixture, ReadersHaveTheirOwnSmallPageCache) {
  // A small cache keeps the drop of a whole cache (each snapshot begun after a commit) cheap: reader_pool.h.
  auto cache_size = [](ReaderPool& pool) {
    ReaderLease db(pool);
    StatementScope s(db->cached("PRAGMA cache_size"));
    s->step();
    return s->column_int(0);
  };
  ReaderPool defaults(path_, 1, milliseconds(60'000));
  EXPECT_EQ(cache_size(defaults), -kReaderCacheKiB);
  ReaderPool small(path_, 1, milliseconds(60'000), 1024);
  EXPECT_EQ(cache_size(small), -1024);
}

TEST_F(PoolFixture, AuditOnlyCommitsBeginNoNewSnapshot) {
  ReaderPool pool(path_, 1, milliseconds(60'000));
  EXPECT_EQ(rows(pool, Freshness::data), 0);
  const std::uint64_t begun = pool.snapshots_begun();
  for (int i = 0; i < 20; ++i) {
    insert_row();
    pool.committed(false, true);
    EXPECT_EQ(rows(pool, Freshness::data), 0);
  }
  EXPECT_EQ(pool.snapshots_begun(), begun);  // one snapshot (and page cache) across every audit commit
  insert_row();
  pool.committed(true, true);
  EXPECT_EQ(rows(pool, Freshness::data), 21);  // a data commit: a new snapshot with every commit
  EXPECT_EQ(pool.snapshots_begun(), begun + 1);
}

TEST_F(PoolFixture, StaleIdleReadersStayPooledWithTheirSnapshotsEnded) {
  ReaderPool pool(path_, 2, milliseconds(60'000));
  // Leases two readers at once; each counts t's rows and says whether it is a connection seen before (a
  // temporary table of its own marks it).
  auto lease_two = [&](std::int64_t want) {
    ReaderLease a(pool);
    ReaderLease b(pool);
    int seen = 0;
    for (ReaderLease* lease : {&a, &b}) {
      StatementScope s((*lease)->cached("SELECT COUNT(*) FROM t"));
      EXPECT_TRUE(s->step());
      EXPECT_EQ(s->column_int(0), want);
      StatementScope mark((*lease)->cached("SELECT COUNT(*) FROM temp.sqlite_schema WHERE name = 'seen'"));
      mark->step();
      seen += static_cast<int>(mark->column_int(0));
      (*lease)->exec("CREATE TEMP TABLE IF NOT EXISTS seen(x)");
    }
    return seen;
  };
  EXPECT_EQ(lease_two(0), 0);  // two new connections, both idle now, each with a snapshot
  insert_row();
  pool.committed(true, true);
  EXPECT_TRUE(truncate_wal());  // the commit ended both idle snapshots ...
  EXPECT_EQ(lease_two(1), 2);   // ... and kept both connections in the pool
}

TEST_F(PoolFixture, AFailedStatementLeavesAUsableReader) {
  ReaderPool pool(path_, 1, milliseconds(60'000));
  {
    ReaderLease db(pool);
    EXPECT_THROW(db->exec("SELECT * FROM no_such_table"), StorageError);
  }
  insert_row();
  pool.committed(true, true);
  EXPECT_EQ(rows(pool, Freshness::data), 1);
}

}  // namespace
}  // namespace fhirgw::storage
