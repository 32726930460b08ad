// The sub-command interface of the fhirgw binary: each command is a plain function registered in main.cpp.
#pragma once

#include <span>
#include <string_view>

namespace fhirgw::cli {

// Exit codes shared by all commands.
inline constexpr int kExitOk = 0;        // success, no error-level findings
inline constexpr int kExitFindings = 1;  // ran, but the input has errors
inline constexpr int kExitUsage = 2;     // could not run: usage, I/O, configuration

// Arguments after the command name ("fhirgw validate a.json" -> {"a.json"}).
using Args = std::span<const std::string_view>;
using CommandFn = int (*)(Args args);

struct Command {
  std::string_view name;
  CommandFn run;
  std::string_view help;  // one line for `fhirgw --help`
};

}  // namespace fhirgw::cli
