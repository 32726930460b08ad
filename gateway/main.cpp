// fhirgw: FHIR R4 gateway. Dispatches to the sub-commands listed in kCommands.
#include <malloc.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <string_view>
#include <vector>

#include "cli/command.h"
#include "cli/format_command.h"
#include "cli/map_command.h"
#include "cli/validate_command.h"
#include "server/serve_command.h"
// Sub-command headers of other parts: add one include + one table row each.

namespace {

using fhirgw::cli::Command;

// Handlers are registered explicitly here, in the order `--help` lists them.
constexpr std::array kCommands{
    Command{"validate", &fhirgw::cli::run_validate, "validate FHIR R4 JSON / NDJSON resources"},
    Command{"format", &fhirgw::cli::run_format, "write FHIR R4 JSON / NDJSON back canonically"},
    Command{"map", &fhirgw::cli::run_map, "map internal oncology records to FHIR R4 / mCODE and back"},
    Command{"serve", &fhirgw::server::run_serve, "serve the FHIR R4 REST API (HTTP, SQLite storage)"},
};

void print_usage(std::ostream& out) {
  out << "usage: fhirgw <command> [options] [args]\n"
         "       fhirgw --help | --version\n\n"
         "commands:\n";
  for (const Command& c : kCommands) {
    out << "  " << c.name << std::string(12 - std::min<std::size_t>(c.name.size(), 11), ' ') << c.help << '\n';
  }
  out << "\nRun 'fhirgw <command> --help' for the options of a command.\n"
         "Exit codes: 0 ok, 1 errors found in the input, 2 could not run (usage, I/O).\n";
}

}  // namespace

int main(int argc, char** argv) {
  // A fixed mmap threshold: big per-document buffers (large NDJSON lines) go back to the OS when freed,
  // instead of glibc raising the threshold and keeping them in a fragmented heap. Bounds peak memory.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_usage(std::cerr);
    return fhirgw::cli::kExitUsage;
  }
  const std::string_view first = args.front();
  if (first == "--help" || first == "-h" || first == "help") {
    print_usage(std::cout);
    return fhirgw::cli::kExitOk;
  }
  if (first == "--version") {
    std::cout << "fhirgw " << FHIRGW_VERSION << " (FHIR R4 4.0.1)\n";
    return fhirgw::cli::kExitOk;
  }
  for (const Command& c : kCommands) {
    if (c.name == first) {
      return c.run(fhirgw::cli::Args(args).subspan(1));
    }
  }
  if (first.starts_with("-")) {
    std::cerr << "fhirgw: unknown option '" << first << "'\n";
  } else {
    std::cerr << "fhirgw: unknown command '" << first << "'\n";
  }
  std::cerr << "Run 'fhirgw --help' for usage.\n";
  return fhirgw::cli::kExitUsage;
}
