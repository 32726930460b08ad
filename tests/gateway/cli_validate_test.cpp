// `fhirgw validate`: text and NDJSON OperationOutcome output, line numbers, exit codes, stdin.
#include <gtest/gtest.h>

#include <sstream>

#include "cli_test_support.h"
#include "fhir/json/parser.h"

namespace fhirgw::testing {
namespace {

constexpr const char* kValidPatient = R"({"resourceType":"Patient","id":"p1","birthDate":"1970-01-31"})";
constexpr const char* kBadDatePatient = R"({"resourceType":"Patient","id":"p2","birthDate":"2020-02-30"})";

class CliValidateTest : public ::testing::Test {
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

TEST_F(CliValidateTest, OfficialExampleIsValid) {
  const RunResult r = run({"validate", (examples_dir() / "Patient-example.json").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Patient-example.json: OK"), std::string::npos) << r.out;
}

TEST_F(CliValidateTest, ImpossibleDateIsAnErrorWithLocation) {
  const auto f =
      dir_.file("bad.json", std::string("{\n  \"resourceType\": \"Patient\",\n  \"birthDate\": \"2020-02-30\"\n}\n"));
  const RunResult r = run({"validate", f.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("bad.json:3:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Patient.birthDate"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bad.json: FAILED"), std::string::npos) << r.out;
}

TEST_F(CliValidateTest, SyntaxErrorIsAnErrorWithLineAndColumn) {
  const auto f = dir_.file("broken.json", "{\n  \"resourceType\": \"Patient\",\n}\n");
  const RunResult r = run({"validate", f.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("broken.json:3:"), std::string::npos) << r.out;
}

TEST_F(CliValidateTest, NdjsonIssuesCarryTheFileLine) {
  const auto f =
      dir_.file("many.ndjson", std::string(kValidPatient) + "\n\n" + kBadDatePatient + "\n" + kValidPatient + "\n");
  const RunResult r = run({"validate", f.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("many.ndjson:3:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 resources"), std::string::npos) << r.out;
}

TEST_F(CliValidateTest, JsonFormatPrintsOneOperationOutcomePerResource) {
  const auto f = dir_.file("many.ndjson", std::string(kValidPatient) + "\n" + kBadDatePatient + "\n");
  const RunResult r = run({"validate", "--format", "json", f.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  for (const std::string& line : lines) {
    const auto parsed = fhir::json::parse(line);
    ASSERT_TRUE(parsed) << line;
    const auto* type = parsed.document->root().find("resourceType");
    ASSERT_NE(type, nullptr);
    EXPECT_EQ(type->text(), "OperationOutcome");
  }
  EXPECT_EQ(lines[0].find("\"error\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("\"error\""), std::string::npos) << lines[1];
}

TEST_F(CliValidateTest, ReadsNdjsonFromStdin) {
  const auto f = dir_.file("in.txt", std::string(kValidPatient) + "\n" + kValidPatient + "\n");
  const RunResult r = run({"validate", "-"}, f.string());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("<stdin>: OK (2 resources"), std::string::npos) << r.out;
}

TEST_F(CliValidateTest, ReadsPrettyJsonFromStdin) {
  const auto f = dir_.file("in.txt", "{\n  \"resourceType\": \"Patient\",\n  \"birthDate\": \"2020-02-30\"\n}\n");
  const RunResult r = run({"validate", "-"}, f.string());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("<stdin>:3:"), std::string::npos) << r.out;
}

TEST_F(CliValidateTest, OverlongLineIsReportedNotFatalToTheRest) {
  const std::string big =
      R"({"resourceType":"Patient","id":"x","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">)" +
      std::string(4096, 'a') + R"(</div>"}})";
  const auto f = dir_.file("long.ndjson", std::string(kValidPatient) + "\n" + big + "\n" + kValidPatient + "\n");
  const RunResult r = run({"validate", "--max-line-bytes", "1K", f.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("long.ndjson:2: fatal [too-costly]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 resources"), std::string::npos) << r.out;
}

TEST_F(CliValidateTest, IoErrorWinsOverFindings) {
  const auto f = dir_.file("bad.json", kBadDatePatient);
  const RunResult r = run({"validate", f.string(), (dir_.path() / "absent.json").string()});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(CliValidateTest, UnknownProfileIsUsageError) {
  const auto f = dir_.file("p.json", kValidPatient);
  const RunResult r = run({"validate", "--profile", "http://example.org/StructureDefinition/nope", f.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown profile"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace fhirgw::testing
