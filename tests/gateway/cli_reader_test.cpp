// The CLI's input reader: whole documents, NDJSON streamed line by line with a line limit, sniffing.
#include <gtest/gtest.h>

#include "cli/resource_reader.h"
#include "cli_test_support.h"

namespace fhirgw::cli {
namespace {

using fhirgw::testing::TempDir;

struct Seen {
  std::string text;
  std::uint64_t line;
  bool ndjson;
  std::string error;
};

std::vector<Seen> read_all(const std::string& path, InputFormat format = InputFormat::Auto, ReadLimits limits = {}) {
  std::vector<Seen> seen;
  std::string io_error;
  const bool ok = read_records(
      path, format, limits,
      [&](const Record& r) {
        seen.push_back({std::string(r.text), r.line, r.ndjson, r.error});
      },
      &io_error);
  EXPECT_TRUE(ok) << io_error;
  return seen;
}

TEST(CliReaderTest, NdjsonLinesWithLineNumbersAndBlankLinesSkipped) {
  TempDir dir;
  const auto f = dir.file("x.ndjson", "{\"a\":1}\n\n  \n{\"b\":2}\r\n{\"c\":3}");
  const auto seen = read_all(f.string());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].text, "{\"a\":1}");
  EXPECT_EQ(seen[0].line, 1u);
  EXPECT_EQ(seen[1].line, 4u);
  EXPECT_EQ(seen[2].text, "{\"c\":3}");  // last line without a newline
  EXPECT_EQ(seen[2].line, 5u);
  EXPECT_TRUE(seen[2].ndjson);
}

TEST(CliReaderTest, OverlongLineIsReportedAndReadingContinues) {
  TempDir dir;
  const auto f = dir.file("x.ndjson", "{\"a\":1}\n{\"long\":\"" + std::string(5000, 'x') + "\"}\n{\"c\":3}\n");
  ReadLimits limits;
  limits.max_line_bytes = 1024;
  const auto seen = read_all(f.string(), InputFormat::Auto, limits);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_TRUE(seen[0].error.empty());
  EXPECT_EQ(seen[1].line, 2u);
  EXPECT_NE(seen[1].error.find("line 2 is longer than the limit of 1024 bytes"), std::string::npos) << seen[1].error;
  EXPECT_EQ(seen[2].text, "{\"c\":3}");
  EXPECT_EQ(seen[2].line, 3u);
}

TEST(CliReaderTest, JsonDocumentIsOneRecord) {
  TempDir dir;
  const std::string text = "{\n  \"resourceType\": \"Patient\"\n}\n";
  const auto seen = read_all(dir.file("p.json", text).string());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].text, text);
  EXPECT_FALSE(seen[0].ndjson);
}

TEST(CliReaderTest, DocumentLimit) {
  TempDir dir;
  ReadLimits limits;
  limits.max_document_bytes = 10;
  const auto seen = read_all(dir.file("p.json", "{\"resourceType\":\"Patient\"}").string(), InputFormat::Auto, limits);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(seen[0].error.find("larger than the limit of 10 bytes"), std::string::npos);
}

TEST(CliReaderTest, SniffsFilesWithoutKnownExtension) {
  TempDir dir;
  EXPECT_EQ(read_all(dir.file("a.txt", "\n{\"a\":1}\n{\"b\":2}\n").string()).size(), 2u);
  const auto pretty = read_all(dir.file("b.txt", "{\n \"a\": 1\n}\n").string());
  ASSERT_EQ(pretty.size(), 1u);
  EXPECT_FALSE(pretty[0].ndjson);
}

TEST(CliReaderTest, ForcedFormatWins) {
  TempDir dir;
  const auto f = dir.file("a.json", "{\"a\":1}\n{\"b\":2}\n");
  EXPECT_EQ(read_all(f.string(), InputFormat::Ndjson).size(), 2u);
  EXPECT_EQ(read_all(f.string(), InputFormat::Json).size(), 1u);
}

TEST(CliReaderTest, MissingFileIsIoError) {
  std::string io_error;
  EXPECT_FALSE(read_records(
      "/nonexistent/x.json", InputFormat::Auto, {}, [](const Record&) {}, &io_error));
  EXPECT_NE(io_error.find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace fhirgw::cli
