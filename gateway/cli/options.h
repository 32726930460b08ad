// A small command-line option parser shared by the fhirgw sub-commands.
// Accepts `--name value`, `--name=value`, flags, `--` (end of options) and `-` (stdin) as a positional.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/command.h"

namespace fhirgw::cli {

struct OptionSpec {
  std::string_view name;  // without the leading "--"
  bool takes_value = false;
};

class ParsedArgs {
 public:
  bool help = false;  // --help / -h was given
  std::vector<std::string_view> positional;

  bool flag(std::string_view name) const;
  std::optional<std::string_view> value(std::string_view name) const;  // last occurrence
  std::vector<std::string_view> values(std::string_view name) const;   // every occurrence, in order

 private:
  friend std::optional<ParsedArgs> parse_args(Args, std::span<const OptionSpec>, std::string*);
  std::vector<std::pair<std::string_view, std::string_view>> options_;
};

// Returns nullopt and a message like "unknown option '--x'" on bad usage.
std::optional<ParsedArgs> parse_args(Args args, std::span<const OptionSpec> specs, std::string* error);

// Parses a byte size such as "16777216", "64K", "16M", "1G". nullopt if malformed or zero.
std::optional<std::size_t> parse_byte_size(std::string_view text);

}  // namespace fhirgw::cli
