// A SQLite VFS that coalesces the writer's WAL appends into few write() calls.
//
// SQLite writes each WAL frame with two pwrite()s (the 24-byte frame header, then the page), ~1,100
// system calls for the ~540 frames of a 100-Observation commit on the 1M-resource benchmark database.
// This VFS wraps the default one ("unix"); for WAL files only, it keeps sequential writes in a buffer and
// writes the buffer out as one pwrite:
//   - when the page of a commit frame (a frame header whose "database size" field is non-zero) has been
//     buffered. SQLite publishes a commit (the WAL index header in shared memory, what readers and the
//     checkpointer go by) only after the commit frame's xWrite returned, so no other connection can see
//     a committed frame that is not in the file yet, and a failed write fails the COMMIT;
//   - before any other operation on the WAL file (xRead: the writer re-reading a frame it wrote, xSync,
//     xFileSize, xTruncate, xFileControl, xClose) and before a write that does not continue the buffer
//     (a frame rewritten in place, the WAL restarting at its start), so the file sees writes in order;
//   - when the buffer is full (120 KiB: ~30 frames per write instead of 2 writes per frame).
// Durability is unchanged: the frames of a COMMIT reach the file before the COMMIT returns, as without
// the buffer, and the WAL sync after it (SqliteStore::sync_wal) covers them. Only the writer connection
// opens the database with this VFS; every file but the WAL passes through untouched.
#pragma once

namespace fhirgw::storage {

// The name of the VFS (registered on first use, not as the default) for sqlite3_open_v2.
const char* wal_write_buffer_vfs();

}  // namespace fhirgw::storage
