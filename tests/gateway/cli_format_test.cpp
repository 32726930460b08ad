// `fhirgw format`: canonical JSON out, NDJSON stays NDJSON, exact decimals, errors with location.
#include <gtest/gtest.h>

#include <sstream>

#include "cli_test_support.h"
#include "fhir/json/parser.h"

namespace fhirgw::testing {
namespace {

class CliFormatTest : public ::testing::Test {
 protected:
  TempDir dir_;
  RunResult run(const std::vector<std::string>& args, const std::string& stdin_path = "/dev/null") {
    return run_fhirgw(args, dir_.path(), stdin_path);
  }
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_F(CliFormatTest, OfficialExampleRoundTripsToEqualJson) {
  for (const char* name :
       {"Patient-example.json", "Observation-example-genetics-1.json", "Bundle-bundle-transaction.json"}) {
    const auto path = examples_dir() / name;
    const RunResult r = run({"format", path.string()});
    ASSERT_EQ(r.exit_code, 0) << name << r.err;
    const auto original = fhir::json::parse(read_text(path));
    const auto formatted = fhir::json::parse(r.out);
    ASSERT_TRUE(original && formatted) << name;
    EXPECT_TRUE(original.document->root() == formatted.document->root()) << name;
    EXPECT_EQ(lines_of(r.out).size(), 1u) << "compact output is one line";
  }
}

TEST_F(CliFormatTest, WritesElementsInSpecificationOrder) {
  const auto f =
      dir_.file("o.json", R"({"code":{"text":"x"},"status":"final","id":"o1","resourceType":"Observation"})");
  const RunResult r = run({"format", f.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\",\"code\":{\"text\":\"x\"}}\n");
}

TEST_F(CliFormatTest, PrettyIndentsDocuments) {
  const RunResult r = run({"format", "--pretty", (examples_dir() / "Patient-example.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(lines_of(r.out).size(), 10u);
  EXPECT_NE(r.out.find("\n  \"resourceType\": \"Patient\""), std::string::npos) << r.out.substr(0, 200);
}

TEST_F(CliFormatTest, NdjsonStaysNdjsonEvenWithPretty) {
  const auto f = dir_.file(
      "x.ndjson", "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n\n{\"resourceType\":\"Patient\",\"id\":\"b\"}\n");
  const RunResult r = run({"format", "--pretty", f.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_NE(lines[1].find("\"b\""), std::string::npos);
}

TEST_F(CliFormatTest, DecimalsKeepTheirExactText) {
  const auto f = dir_.file("o.json", R"({"resourceType":"Observation","status":"final","code":{"text":"x"},)"
                                     R"("valueQuantity":{"value":1.50,"unit":"mg"},"component":[{"code":{"text":"y"},)"
                                     R"("valueQuantity":{"value":1.000000000000000000E-245}}]})");
  const RunResult r = run({"format", f.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1.50"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1.000000000000000000E-245"), std::string::npos) << r.out;
}

TEST_F(CliFormatTest, BadLineIsReportedWithLocationAndOthersAreWritten) {
  const auto f = dir_.file("x.ndjson",
                           "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n{\"resourceType\":\"Patient\",,}\n"
                           "{\"resourceType\":\"Patient\",\"id\":\"c\"}\n");
  const RunResult r = run({"format", f.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("x.ndjson:2:"), std::string::npos) << r.err;
  EXPECT_EQ(lines_of(r.out).size(), 2u) << r.out;
}

TEST_F(CliFormatTest, ReadsStdin) {
  const auto f = dir_.file("in.txt", "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n");
  const RunResult r = run({"format", "-"}, f.string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out).size(), 1u);
}

}  // namespace
}  // namespace fhirgw::testing
