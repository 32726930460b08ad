// Memory bound (not a timing): `fhirgw validate` streams a 100 MB NDJSON file in under 200 MB resident.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "cli_test_support.h"
#include "fhir/json/parser.h"
#include "fhir/json/writer.h"

namespace fhirgw::testing {
namespace {

constexpr std::uintmax_t kFileBytes = 100ull * 1000 * 1000;
constexpr long kLimitKib = 200l * 1000 * 1000 / 1024;  // 200 MB

// Writes the official examples, one compact resource per line, over and over until `bytes` is reached.
std::uintmax_t write_ndjson(const std::filesystem::path& out_path, std::uintmax_t bytes) {
  std::vector<std::string> lines;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(examples_dir())) {
    if (entry.path().extension() == ".json" && entry.path().filename() != "package.json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    const auto parsed = fhir::json::parse(read_text(file));
    if (!parsed || parsed.document->root().find("resourceType") == nullptr) continue;
    lines.push_back(fhir::json::to_string(parsed.document->root()) + "\n");
  }
  std::ofstream out(out_path, std::ios::binary);
  std::uintmax_t written = 0;
  while (written < bytes && !lines.empty()) {
    for (const std::string& line : lines) {
      out << line;
      written += line.size();
      if (written >= bytes) break;
    }
  }
  return written;
}

TEST(CliMemoryTest, Validate100MBNdjsonStaysUnder200MBResident) {
#if defined(FHIRGW_SANITIZE)
  GTEST_SKIP() << "sanitizer shadow memory makes the resident size meaningless";
#endif
  TempDir dir;
  const auto file = dir.path() / "big.ndjson";
  // Generate in a forked process: Linux charges the spawning process's resident size at exec time to the
  // child's ru_maxrss, so this process must stay small for the measurement to mean fhirgw's own peak.
  const pid_t writer = ::fork();
  ASSERT_GE(writer, 0);
  if (writer == 0) ::_exit(write_ndjson(file, kFileBytes) >= kFileBytes ? 0 : 1);
  int status = 0;
  ASSERT_EQ(::waitpid(writer, &status, 0), writer);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "could not write " << file;
  ASSERT_GE(std::filesystem::file_size(file), kFileBytes);

  const RunResult r = run_fhirgw({"validate", "--format", "json", file.string()}, dir.path(), "/dev/null",
                                 /*discard_stdout=*/true);
  ASSERT_NE(r.exit_code, -1) << "killed by a signal: " << r.err;
  ASSERT_NE(r.exit_code, 2) << r.err;
  EXPECT_LT(r.peak_rss_kib, kLimitKib) << "peak resident memory " << r.peak_rss_kib / 1024 << " MiB";
  std::cout << "[ measure  ] validate 100 MB NDJSON: peak RSS " << r.peak_rss_kib / 1024 << " MiB\n";
}

}  // namespace
}  // namespace fhirgw::testing
