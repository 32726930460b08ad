#include "storage/wal_write_buffer.h"

#include <sqlite3.h>

#include <cstdint>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace fhirgw::storage {

namespace {

// Bytes buffered before they are written out: under 128 KiB, because the unix VFS writes at most 0x1ffff
// bytes per write call (seekAndWrite masks the length) and reports a longer write as "disk full".
constexpr int kCapacity = 120 * 1024;
constexpr int kFrameHeaderSize = 24;  // WAL frame header: page number, database size (commit frames), salts, checksums

// A WAL file: the real (default VFS) file lives right after this struct in the memory SQLite gives xOpen.
struct WalFile {
  sqlite3_file base;  // base.pMethods = &kWalMethods
  sqlite3_file* real;
  char* buffer;           // kCapacity bytes, allocated at the first write
  sqlite3_int64 start;    // file offset of buffer[0]
  int length;             // bytes buffered
  bool commit_page_next;  // the last write was the header of a commit frame
};

sqlite3_vfs* g_real = nullptr;  // the default VFS, wrapped

WalFile* wal(sqlite3_file* f) { return reinterpret_cast<WalFile*>(f); }
const sqlite3_io_methods& real_methods(WalFile* w) { return *w->real->pMethods; }

// Writes the buffer out (one pwrite; the unix VFS retries short writes).
int flush(WalFile* w) {
  if (w->length == 0) return SQLITE_OK;
  const int rc = real_methods(w).xWrite(w->real, w->buffer, w->length, w->start);
  w->length = 0;
  return rc;
}

// For the operations that must see every byte written so far: flush first, then the real call.
template <class F>
int flushed(sqlite3_file* f, F&& call) {
  WalFile* w = wal(f);
  const int rc = flush(w);
  return rc != SQLITE_OK ? rc : call(w->real);
}

int wal_close(sqlite3_file* f) {
  WalFile* w = wal(f);
  const int flushed_rc = flush(w);
  sqlite3_free(w->buffer);
  w->buffer = nullptr;
  const int rc = real_methods(w).xClose(w->real);
  return flushed_rc != SQLITE_OK ? flushed_rc : rc;
}

int wal_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  return flushed(f, [&](sqlite3_file* r) { return r->pMethods->xRead(r, out, amount, offset); });
}

bool is_commit_header(const void* data, int amount) {
  if (amount != kFrameHeaderSize) return false;
  const auto* b = static_cast<const unsigned char*>(data);
  return (b[4] | b[5] | b[6] | b[7]) != 0;  // big-endian database size after the commit; 0 in other frames
}

int wal_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  WalFile* w = wal(f);
  const bool commit_page = w->commit_page_next;
  w->commit_page_next = is_commit_header(data, amount);
  const bool continues = w->length > 0 && offset == w->start + w->length;
  if (!continues || w->length + amount > kCapacity) {
    if (const int rc = flush(w); rc != SQLITE_OK) return rc;
  }
  if (amount > kCapacity) return real_methods(w).xWrite(w->real, data, amount, offset);
  if (w->buffer == nullptr) {
    w->buffer = static_cast<char*>(sqlite3_malloc(kCapacity));
    if (w->buffer == nullptr) return real_methods(w).xWrite(w->real, data, amount, offset);
  }
  if (w->length == 0) w->start = offset;
  std::memcpy(w->buffer + w->length, data, static_cast<std::size_t>(amount));
  w->length += amount;
  // The commit frame is complete: write it out now, so that a failure fails this COMMIT.
  return commit_page ? flush(w) : SQLITE_OK;
}

int wal_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return flushed(f, [&](sqlite3_file* r) { return r->pMethods->xTruncate(r, size); });
}
int wal_sync(sqlite3_file* f, int flags) {
  return flushed(f, [&](sqlite3_file* r) { return r->pMethods->xSync(r, flags); });
}
int wal_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return flushed(f, [&](sqlite3_file* r) { return r->pMethods->xFileSize(r, size); });
}
int wal_lock(sqlite3_file* f, int level) { return real_methods(wal(f)).xLock(wal(f)->real, level); }
int wal_unlock(sqlite3_file* f, int level) { return real_methods(wal(f)).xUnlock(wal(f)->real, level); }
int wal_check_reserved_lock(sqlite3_file* f, int* out) {
  return real_methods(wal(f)).xCheckReservedLock(wal(f)->real, out);
}
int wal_file_control(sqlite3_file* f, int op, void* arg) {
  return flushed(f, [&](sqlite3_file* r) { return r->pMethods->xFileControl(r, op, arg); });
}
int wal_sector_size(sqlite3_file* f) { return real_methods(wal(f)).xSectorSize(wal(f)->real); }
int wal_device_characteristics(sqlite3_file* f) { return real_methods(wal(f)).xDeviceCharacteristics(wal(f)->real); }
int wal_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return flushed(f, [&](sqlite3_file* r) { return r->pMethods->xShmMap(r, page, size, extend, out); });
}
int wal_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return flushed(f, [&](sqlite3_file* r) { return r->pMethods->xShmLock(r, offset, n, flags); });
}
// SQLite calls the shared-memory methods on the database file, not on the WAL; passed through for completeness.
void wal_shm_barrier(sqlite3_file* f) {
  flush(wal(f));
  real_methods(wal(f)).xShmBarrier(wal(f)->real);
}
int wal_shm_unmap(sqlite3_file* f, int delete_flag) {
  return flushed(f, [&](sqlite3_file* r) { return r->pMethods->xShmUnmap(r, delete_flag); });
}
int wal_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return flushed(f, [&](sqlite3_file* r) { return r->pMethods->xFetch(r, offset, amount, out); });
}
int wal_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  return real_methods(wal(f)).xUnfetch(wal(f)->real, offset, p);
}

const sqlite3_io_methods kWalMethods = {
    3,
    wal_close,
    wal_read,
    wal_write,
    wal_truncate,
    wal_sync,
    wal_file_size,
    wal_lock,
    wal_unlock,
    wal_check_reserved_lock,
    wal_file_control,
    wal_sector_size,
    wal_device_characteristics,
    wal_shm_map,
    wal_shm_lock,
    wal_shm_barrier,
    wal_shm_unmap,
    wal_fetch,
    wal_unfetch,
};

int vfs_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  if ((flags & SQLITE_OPEN_WAL) == 0) {
    // Not a WAL file: the real file takes the memory itself and keeps its own methods.
    return g_real->xOpen(g_real, name, file, flags, out_flags);
  }
  WalFile* w = wal(file);
  w->real = reinterpret_cast<sqlite3_file*>(w + 1);
  w->buffer = nullptr;
  w->start = 0;
  w->length = 0;
  w->commit_page_next = false;
  const int rc = g_real->xOpen(g_real, name, w->real, flags, out_flags);
  // On failure SQLite calls no method of the file (pMethods stays null), on success it closes it with ours.
  w->base.pMethods = rc == SQLITE_OK && w->real->pMethods != nullptr ? &kWalMethods : nullptr;
  return rc;
}

// The rest of the VFS is the real one's.
int vfs_delete(sqlite3_vfs*, const char* name, int sync_dir) { return g_real->xDelete(g_real, name, sync_dir); }
int vfs_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_real->xAccess(g_real, name, flags, out);
}
int vfs_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}
void* vfs_dl_open(sqlite3_vfs*, const char* name) { return g_real->xDlOpen(g_real, name); }
void vfs_dl_error(sqlite3_vfs*, int n, char* out) { g_real->xDlError(g_real, n, out); }
void (*vfs_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return g_real->xDlSym(g_real, handle, symbol);
}
void vfs_dl_close(sqlite3_vfs*, void* handle) { g_real->xDlClose(g_real, handle); }
int vfs_randomness(sqlite3_vfs*, int n, char* out) { return g_real->xRandomness(g_real, n, out); }
int vfs_sleep(sqlite3_vfs*, int us) { return g_real->xSleep(g_real, us); }
int vfs_current_time(sqlite3_vfs*, double* out) { return g_real->xCurrentTime(g_real, out); }
int vfs_get_last_error(sqlite3_vfs*, int n, char* out) { return g_real->xGetLastError(g_real, n, out); }
int vfs_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) { return g_real->xCurrentTimeInt64(g_real, out); }

constexpr const char* kName = "fhirgw-wal-buffer";
sqlite3_vfs g_vfs;

void register_vfs() {
  g_real = sqlite3_vfs_find(nullptr);
  if (g_real == nullptr || g_real->iVersion < 2) throw std::runtime_error("no default SQLite VFS to wrap");
  g_vfs = sqlite3_vfs{};
  g_vfs.iVersion = 2;
  g_vfs.szOsFile = static_cast<int>(sizeof(WalFile)) + g_real->szOsFile;
  g_vfs.mxPathname = g_real->mxPathname;
  g_vfs.zName = kName;
  g_vfs.xOpen = vfs_open;
  g_vfs.xDelete = vfs_delete;
  g_vfs.xAccess = vfs_access;
  g_vfs.xFullPathname = vfs_full_pathname;
  g_vfs.xDlOpen = vfs_dl_open;
  g_vfs.xDlError = vfs_dl_error;
  g_vfs.xDlSym = vfs_dl_sym;
  g_vfs.xDlClose = vfs_dl_close;
  g_vfs.xRandomness = vfs_randomness;
  g_vfs.xSleep = vfs_sleep;
  g_vfs.xCurrentTime = vfs_current_time;
  g_vfs.xGetLastError = vfs_get_last_error;
  g_vfs.xCurrentTimeInt64 = vfs_current_time_int64;
  if (sqlite3_vfs_register(&g_vfs, 0) != SQLITE_OK) throw std::runtime_error("cannot register the WAL buffer VFS");
}

}  // namespace

const char* wal_write_buffer_vfs() {
  static std::once_flag once;
  std::call_once(once, register_vfs);
  return kName;
}

}  // namespace fhirgw::storage
