// The writer's WAL write buffer (storage/wal_write_buffer.h): what SQLite wrote through it is in the WAL
// file when a COMMIT returns (another process, without the buffer, reads it after the writer vanished
// without closing), and writes that re-read or overwrite buffered frames see them in order.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "storage/sqlite_connection.h"
#include "storage/wal_write_buffer.h"
#include "temp_dir.h"

namespace fhirgw::storage {
namespace {

using TempDir = fhirgw::testing::TempDir;

std::int64_t count_rows(Connection& db) {
  StatementScope s(db.cached("SELECT count(*), coalesce(sum(length(b)), 0) FROM t"));
  EXPECT_TRUE(s->step());
  return s->column_int(0);
}

std::string integrity(Connection& db) {
  StatementScope s(db.cached("PRAGMA integrity_check"));
  EXPECT_TRUE(s->step());
  return s->column_text(0);
}

void open_wal(Connection& db) {
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
}

// Rows of ~600 bytes with random content: each commit dirties far more pages than the buffer holds.
void insert_rows(Connection& db, int first, int n) {
  StatementScope s(db.cached("INSERT INTO t(a, b) VALUES(?, randomblob(600))"));
  for (int i = first; i < first + n; ++i) {
    s->reset();
    s->bind(1, static_cast<std::int64_t>(i));
    s->step();
  }
}

TEST(WalWriteBuffer, EveryCommitIsInTheFileWhenItReturns) {
  TempDir dir;
  const std::string path = dir.file("a.sqlite");
  {
    Connection setup(path, false);
    open_wal(setup);
    setup.exec("CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB)");
    setup.exec("PRAGMA wal_autocheckpoint = 0");
  }
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The writer commits through the buffer, then vanishes without closing anything (as kill -9 would).
    try {
      Connection writer(path, false, wal_write_buffer_vfs());
      open_wal(writer);
      writer.exec("PRAGMA wal_autocheckpoint = 0");
      for (int c = 0; c < 5; ++c) {
        writer.exec("BEGIN IMMEDIATE");
        insert_rows(writer, c * 1000, 1000);
        writer.exec("COMMIT");
      }
      writer.exec("BEGIN IMMEDIATE");
      insert_rows(writer, 100000, 500);  // never committed: must not be seen
      _exit(0);
    } catch (...) {
      _exit(2);
    }
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  ASSERT_GT(std::filesystem::file_size(path + "-wal"), 5u * 1000 * 600);
  Connection reader(path, false);  // the default VFS: what is in the file, nothing buffered
  EXPECT_EQ(count_rows(reader), 5000);
  EXPECT_EQ(integrity(reader), "ok");
}

TEST(WalWriteBuffer, ReadsAndRewritesOfBufferedFramesSeeThemInOrder) {
  TempDir dir;
  const std::string path = dir.file("b.sqlite");
  Connection writer(path, false, wal_write_buffer_vfs());
  open_wal(writer);
  writer.exec("PRAGMA cache_size = 20");  // a tiny cache: the transaction spills pages to the WAL and reads them back
  writer.exec("PRAGMA wal_autocheckpoint = 0");
  writer.exec("CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB)");
  Connection reader(path, true);
  for (int c = 0; c < 4; ++c) {
    writer.exec("BEGIN IMMEDIATE");
    insert_rows(writer, c * 2000, 1000);
    writer.exec("SAVEPOINT s");
    insert_rows(writer, c * 2000 + 1000, 800);
    writer.exec("ROLLBACK TO s");  // frames of the savepoint are overwritten by what follows
    writer.exec("RELEASE s");
    writer.exec("UPDATE t SET b = randomblob(500) WHERE a % 3 = 0");
    EXPECT_EQ(count_rows(writer), (c + 1) * 1000);
    writer.exec("COMMIT");
    EXPECT_EQ(count_rows(reader), (c + 1) * 1000) << "commit " << c;
  }
  EXPECT_EQ(integrity(writer), "ok");
  writer.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  EXPECT_EQ(std::filesystem::file_size(path + "-wal"), 0u);
  Connection other(path, false);
  EXPECT_EQ(count_rows(other), 4000);
  EXPECT_EQ(integrity(other), "ok");
}

}  // namespace
}  // namespace fhirgw::storage
