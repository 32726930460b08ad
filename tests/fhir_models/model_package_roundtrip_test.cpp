// Every file of the official R4 package (conformance resources and examples) parses, is written canonically
// (compact and pretty), re-parses and equals the input (member order aside, numbers by exact text).
// Canonical output is also a fixed point: writing it again changes nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fhir/json/parser.h"
#include "fhir/model/canonical_writer.h"

#ifndef FHIRGW_PACKAGE_DIR
#error "FHIRGW_PACKAGE_DIR must be defined by the build"
#endif

namespace fhir::model {
namespace {

namespace fs = std::filesystem;

fs::path r4_folder() { return fs::path(FHIRGW_PACKAGE_DIR) / "hl7.fhir.r4.examples-4.0.1" / "package"; }
fs::path mcode_folder() { return fs::path(FHIRGW_PACKAGE_DIR) / "hl7.fhir.us.mcode-4.0.0" / "package"; }

std::vector<fs::path> json_files(const fs::path& folder) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct RoundTripStats {
  std::size_t files = 0;
  std::size_t checked = 0;
  std::size_t failures = 0;
  std::size_t already_canonical = 0;  // source order == specification order
};

// Parses each file, writes it canonically (compact and pretty), re-parses, compares, and writes again.
RoundTripStats round_trip(const std::vector<fs::path>& files) {
  RoundTripStats stats;
  stats.files = files.size();
  std::string compact;
  std::string pretty;
  std::string again;
  for (const fs::path& file : files) {
    const std::string text = read(file);
    json::ParseResult input = json::parse(text);
    if (!input) {
      ADD_FAILURE() << file.filename() << ": " << input.error->message << " at " << input.error->location.line << ":"
                    << input.error->location.column;
      if (++stats.failures > 20) break;
      continue;
    }
    compact.clear();
    pretty.clear();
    write_resource(input.document->root(), compact);
    write_resource(input.document->root(), pretty, json::WriteOptions{true});
    bool ok = true;
    for (const std::string* out : {&compact, &pretty}) {
      json::ParseResult output = json::parse(*out);
      if (!output) {
        ADD_FAILURE() << file.filename() << ": canonical output does not parse: " << output.error->message;
        ok = false;
        continue;
      }
      if (!(output.document->root() == input.document->root())) {
        ADD_FAILURE() << file.filename() << ": canonical output differs from the input";
        ok = false;
        continue;
      }
      again.clear();
      write_resource(output.document->root(), again, json::WriteOptions{out == &pretty});
      if (again != *out) {
        ADD_FAILURE() << file.filename() << ": canonical output is not a fixed point";
        ok = false;
      }
    }
    if (!ok && ++stats.failures > 20) break;
    ++stats.checked;
    if (compact == json::to_string(input.document->root())) ++stats.already_canonical;
  }
  return stats;
}

TEST(PackageRoundTrip, EveryFileSurvivesCanonicalWrite) {
  if (!fs::is_directory(r4_folder())) {
    GTEST_SKIP() << "FHIR package folder " << r4_folder()
                 << " is absent: run deploy/fetch-fhir-packages.sh (CI fetches it)";
  }
  const auto files = json_files(r4_folder());
  // The pinned package holds 5,307 JSON files (package.json included); a partial unpack must not pass.
  EXPECT_GE(files.size(), 5307u);
  const RoundTripStats stats = round_trip(files);
  std::printf("round-tripped %zu of %zu package files; %zu were already in canonical order\n", stats.checked,
              stats.files, stats.already_canonical);
  EXPECT_EQ(stats.failures, 0u);
  EXPECT_EQ(stats.checked, files.size());
  // The publisher writes nearly every file in specification order (a few dozen conformance resources are
  // sorted alphabetically, a few extensions put url first): the writer must agree with it on the rest.
  EXPECT_GE(stats.already_canonical * 100, stats.checked * 98);
}

TEST(PackageRoundTrip, McodePackageSurvivesCanonicalWrite) {
  if (!fs::is_directory(mcode_folder())) {
    GTEST_SKIP() << "mCODE package folder " << mcode_folder() << " is absent: run deploy/fetch-fhir-packages.sh";
  }
  const auto files = json_files(mcode_folder());
  EXPECT_GT(files.size(), 100u);
  const RoundTripStats stats = round_trip(files);
  std::printf("round-tripped %zu of %zu mCODE files; %zu were already in canonical order\n", stats.checked, stats.files,
              stats.already_canonical);
  EXPECT_EQ(stats.failures, 0u);
  EXPECT_EQ(stats.checked, files.size());
}

}  // namespace
}  // namespace fhir::model
