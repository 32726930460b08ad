// The fhirgw command table: --help, --version, unknown commands and options (exit 2).
#include <gtest/gtest.h>

#include "cli_test_support.h"

namespace fhirgw::testing {
namespace {

class CliMainTest : public ::testing::Test {
 protected:
  TempDir dir_;
  RunResult run(const std::vector<std::string>& args) { return run_fhirgw(args, dir_.path()); }
};

TEST_F(CliMainTest, HelpListsCommandsAndExitsZero) {
  const RunResult r = run({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("validate"), std::string::npos);
  EXPECT_NE(r.out.find("format"), std::string::npos);
}

TEST_F(CliMainTest, VersionExitsZero) {
  const RunResult r = run({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("fhirgw ", 0), 0u) << r.out;
}

TEST_F(CliMainTest, NoArgumentsIsUsageError) {
  const RunResult r = run({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("usage"), std::string::npos);
}

TEST_F(CliMainTest, UnknownOptionIsUsageError) {
  const RunResult r = run({"--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown option '--bogus'"), std::string::npos) << r.err;
}

TEST_F(CliMainTest, UnknownCommandIsUsageError) {
  const RunResult r = run({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos) << r.err;
}

TEST_F(CliMainTest, CommandHelpExitsZero) {
  for (const char* command : {"validate", "format"}) {
    const RunResult r = run({command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_NE(r.out.find(std::string("usage: fhirgw ") + command), std::string::npos) << r.out;
  }
}

TEST_F(CliMainTest, UnknownCommandOptionIsUsageError) {
  for (const char* command : {"validate", "format"}) {
    const RunResult r = run({command, "--bogus", "x.json"});
    EXPECT_EQ(r.exit_code, 2) << command;
    EXPECT_NE(r.err.find("unknown option '--bogus'"), std::string::npos) << r.err;
  }
}

TEST_F(CliMainTest, MissingPathIsUsageError) {
  for (const char* command : {"validate", "format"}) {
    const RunResult r = run({command});
    EXPECT_EQ(r.exit_code, 2) << command;
    EXPECT_NE(r.err.find("no input"), std::string::npos) << r.err;
  }
}

TEST_F(CliMainTest, MissingFileIsUsageError) {
  for (const char* command : {"validate", "format"}) {
    const RunResult r = run({command, (dir_.path() / "absent.json").string()});
    EXPECT_EQ(r.exit_code, 2) << command;
    EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
  }
}

TEST_F(CliMainTest, BadOptionValuesAreUsageErrors) {
  const auto file = dir_.file("p.json", R"({"resourceType":"Patient"})");
  EXPECT_EQ(run({"validate", "--format", "xml", file.string()}).exit_code, 2);
  EXPECT_EQ(run({"validate", "--input", "xml", file.string()}).exit_code, 2);
  EXPECT_EQ(run({"validate", "--max-line-bytes", "lots", file.string()}).exit_code, 2);
  EXPECT_EQ(run({"validate", "--format"}).exit_code, 2);
  EXPECT_EQ(run({"format", "--pretty=yes", file.string()}).exit_code, 2);
}

}  // namespace
}  // namespace fhirgw::testing
