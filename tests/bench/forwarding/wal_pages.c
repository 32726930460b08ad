// Which pages a SQLite process writes (gateway/storage/README.md, "Where the pages went"): an LD_PRELOAD
// shim over pwrite/pwrite64 that logs, per process, the page number of every WAL frame written to a file
// ending in "-wal" (from the 24-byte frame headers in the written bytes, with the commit flag) and of every
// page written to a file ending in ".sqlite" (checkpoints), to $WAL_PAGES_DIR/<pid>.log:
//   w <page> <1 if a commit frame>      d <page>
// wal_pages.py maps the page numbers to b-trees. Assumes 4 KiB pages (the store's). A measuring aid for
// benchmarks, never linked into fhirgw:
//   cc -O2 -shared -fPIC -o /tmp/wal_pages.so tests/bench/forwarding/wal_pages.c -ldl
//   mkdir /tmp/pages
//   WAL_PAGES_DIR=/tmp/pages LD_PRELOAD=/tmp/wal_pages.so KEEP=1 PHASES=3 node tests/bench/forwarding/run.mjs build
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

enum { kPage = 4096, kFrameHeader = 24, kWalHeader = 32, kFrame = kPage + kFrameHeader };
enum Kind { kOther, kWal, kDatabase };

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static FILE* out;

static int ends_with(const char* s, size_t n, const char* suffix) {
  const size_t m = strlen(suffix);
  return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static enum Kind kind_of(int fd) {
  char link[64], path[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, path, sizeof path);
  if (n <= 0) return kOther;
  if (ends_with(path, (size_t)n, "-wal")) return kWal;
  if (ends_with(path, (size_t)n, ".sqlite")) return kDatabase;
  return kOther;
}

static uint32_t big_endian(const unsigned char* p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void log_pages(int fd, const unsigned char* bytes, size_t n, off_t offset) {
  const enum Kind kind = kind_of(fd);
  if (kind == kOther) return;
  pthread_mutex_lock(&mutex);
  if (!out) {
    char path[4096];
    const char* dir = getenv("WAL_PAGES_DIR");
    snprintf(path, sizeof path, "%s/%d.log", dir ? dir : "/tmp", (int)getpid());
    out = fopen(path, "w");
  }
  if (out && kind == kWal) {
    // Every frame header that lies entirely in this write.
    for (off_t frame = offset <= kWalHeader ? 0 : (offset - kWalHeader + kFrame - 1) / kFrame;; ++frame) {
      const off_t at = kWalHeader + frame * kFrame;
      if (at + kFrameHeader > offset + (off_t)n) break;
      const unsigned char* header = bytes + (at - offset);
      fprintf(out, "w %u %d\n", big_endian(header), big_endian(header + 4) != 0);
    }
  } else if (out) {
    for (size_t i = 0; i < n; i += kPage) fprintf(out, "d %lld\n", (long long)((offset + (off_t)i) / kPage + 1));
  }
  if (out) fflush(out);
  pthread_mutex_unlock(&mutex);
}

ssize_t pwrite64(int fd, const void* bytes, size_t n, off_t offset) {
  static ssize_t (*real)(int, const void*, size_t, off_t);
  if (!real) real = (ssize_t(*)(int, const void*, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
  const ssize_t written = real(fd, bytes, n, offset);
  if (written > 0) log_pages(fd, bytes, (size_t)written, offset);
  return written;
}

ssize_t pwrite(int fd, const void* bytes, size_t n, off_t offset) { return pwrite64(fd, bytes, n, offset); }
