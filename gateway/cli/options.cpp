#include "cli/options.h"

#include <algorithm>
#include <charconv>
#include <limits>

namespace fhirgw::cli {

bool ParsedArgs::flag(std::string_view name) const {
  return std::any_of(options_.begin(), options_.end(), [&](const auto& o) { return o.first == name; });
}

std::optional<std::string_view> ParsedArgs::value(std::string_view name) const {
  std::optional<std::string_view> result;
  for (const auto& [key, val] : options_) {
    if (key == name) result = val;
  }
  return result;
}

std::vector<std::string_view> ParsedArgs::values(std::string_view name) const {
  std::vector<std::string_view> result;
  for (const auto& [key, val] : options_) {
    if (key == name) result.push_back(val);
  }
  return result;
}

std::optional<ParsedArgs> parse_args(Args args, std::span<const OptionSpec> specs, std::string* error) {
  ParsedArgs parsed;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (options_done || arg == "-" || !arg.starts_with("-")) {
      parsed.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
      continue;
    }
    if (!arg.starts_with("--")) {
      *error = "unknown option '" + std::string(arg) + "'";
      return std::nullopt;
    }
    std::string_view name = arg.substr(2);
    std::optional<std::string_view> inline_value;
    if (const auto eq = name.find('='); eq != std::string_view::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const auto spec = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) { return s.name == name; });
    if (spec == specs.end()) {
      *error = "unknown option '--" + std::string(name) + "'";
      return std::nullopt;
    }
    if (!spec->takes_value) {
      if (inline_value) {
        *error = "option '--" + std::string(name) + "' takes no value";
        return std::nullopt;
      }
      parsed.options_.emplace_back(spec->name, std::string_view{});
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) {
        *error = "option '--" + std::string(name) + "' needs a value";
        return std::nullopt;
      }
      inline_value = args[++i];
    }
    parsed.options_.emplace_back(spec->name, *inline_value);
  }
  return parsed;
}

std::optional<std::size_t> parse_byte_size(std::string_view text) {
  std::size_t number = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, number);
  if (ec != std::errc{} || ptr == text.data() || number == 0) return std::nullopt;
  std::size_t multiplier = 1;
  const std::string_view suffix(ptr, static_cast<std::size_t>(end - ptr));
  if (suffix == "K" || suffix == "k") {
    multiplier = std::size_t{1} << 10;
  } else if (suffix == "M" || suffix == "m") {
    multiplier = std::size_t{1} << 20;
  } else if (suffix == "G" || suffix == "g") {
    multiplier = std::size_t{1} << 30;
  } else if (!suffix.empty()) {
    return std::nullopt;
  }
  if (number > std::numeric_limits<std::size_t>::max() / multiplier) return std::nullopt;
  return number * multiplier;
}

}  // namespace fhirgw::cli
