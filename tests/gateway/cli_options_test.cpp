// The shared option parser of the CLI commands.
#include <gtest/gtest.h>

#include <array>

#include "cli/options.h"

namespace fhirgw::cli {
namespace {

constexpr std::array kSpecs{OptionSpec{"profile", true}, OptionSpec{"pretty", false}};

std::optional<ParsedArgs> parse(std::vector<std::string_view> args, std::string* error) {
  return parse_args(Args(args), kSpecs, error);
}

TEST(CliOptionsTest, ValuesFlagsAndPositionals) {
  std::string error;
  const auto p = parse({"a.json", "--profile", "http://x/1", "--pretty", "--profile=http://x/2", "-", "b"}, &error);
  ASSERT_TRUE(p) << error;
  EXPECT_TRUE(p->flag("pretty"));
  EXPECT_FALSE(p->help);
  EXPECT_EQ(p->values("profile"), (std::vector<std::string_view>{"http://x/1", "http://x/2"}));
  EXPECT_EQ(p->value("profile"), "http://x/2");
  EXPECT_EQ(p->positional, (std::vector<std::string_view>{"a.json", "-", "b"}));
}

TEST(CliOptionsTest, DoubleDashEndsOptions) {
  std::string error;
  const auto p = parse({"--", "--pretty"}, &error);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->flag("pretty"));
  EXPECT_EQ(p->positional, (std::vector<std::string_view>{"--pretty"}));
}

TEST(CliOptionsTest, Help) {
  std::string error;
  EXPECT_TRUE(parse({"-h"}, &error)->help);
  EXPECT_TRUE(parse({"--help"}, &error)->help);
}

TEST(CliOptionsTest, Errors) {
  std::string error;
  EXPECT_FALSE(parse({"--nope"}, &error));
  EXPECT_EQ(error, "unknown option '--nope'");
  EXPECT_FALSE(parse({"-x"}, &error));
  EXPECT_EQ(error, "unknown option '-x'");
  EXPECT_FALSE(parse({"--profile"}, &error));
  EXPECT_EQ(error, "option '--profile' needs a value");
  EXPECT_FALSE(parse({"--pretty=1"}, &error));
  EXPECT_EQ(error, "option '--pretty' takes no value");
}

TEST(CliOptionsTest, ByteSizes) {
  EXPECT_EQ(parse_byte_size("100"), 100u);
  EXPECT_EQ(parse_byte_size("64K"), 65536u);
  EXPECT_EQ(parse_byte_size("16M"), 16u << 20);
  EXPECT_EQ(parse_byte_size("1G"), std::size_t{1} << 30);
  EXPECT_FALSE(parse_byte_size(""));
  EXPECT_FALSE(parse_byte_size("0"));
  EXPECT_FALSE(parse_byte_size("-5"));
  EXPECT_FALSE(parse_byte_size("12MB"));
  EXPECT_FALSE(parse_byte_size("99999999999999999999G"));
}

}  // namespace
}  // namespace fhirgw::cli
