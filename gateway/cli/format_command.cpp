#include "cli/format_command.h"

#include <array>
#include <iostream>
#include <string>

#include "cli/input_options.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/resource_reader.h"
#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/model/canonical_writer.h"

namespace fhirgw::cli {
namespace {

constexpr std::string_view kUsage =
    "usage: fhirgw format [options] PATH...\n"
    "\n"
    "Parses FHIR R4 JSON and writes it back canonically (elements in specification order) to standard\n"
    "output. PATH is a .json document, an .ndjson file or '-' for standard input. NDJSON stays NDJSON:\n"
    "one compact resource per line.\n"
    "\n"
    "options:\n"
    "  --pretty                  indent .json documents (NDJSON output is always one line per resource)\n"
    "  --input auto|json|ndjson  how to read PATH (default: by extension, else by its first line)\n"
    "  --max-line-bytes N        longest NDJSON line accepted (default 16M)\n"
    "  --max-document-bytes N    largest .json document accepted (default 512M)\n"
    "\n"
    "exit: 0 ok, 1 some input could not be parsed (reported on stderr), 2 could not run (usage, I/O)\n";

constexpr std::array kOptions{
    OptionSpec{"pretty", false},
    OptionSpec{"input", true},
    OptionSpec{"max-line-bytes", true},
    OptionSpec{"max-document-bytes", true},
};

int usage_error(const std::string& message) {
  std::cerr << "fhirgw format: " << message << "\nRun 'fhirgw format --help' for usage.\n";
  return kExitUsage;
}

void append_canonical(const fhir::json::Node& resource, bool pretty, std::string& out) {
  fhir::json::WriteOptions options;
  options.pretty = pretty;
  fhir::model::write_resource(resource, out, options);
}

}  // namespace

int run_format(Args args) {
  std::string error;
  const auto parsed = parse_args(args, kOptions, &error);
  if (!parsed) return usage_error(error);
  if (parsed->help) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (parsed->positional.empty()) return usage_error("no input given (PATH... or '-')");

  InputFormat input_format = InputFormat::Auto;
  ReadLimits limits;
  if (auto bad = apply_input_options(*parsed, input_format, limits)) return usage_error(*bad);
  const bool pretty = parsed->flag("pretty");

  Output out(stdout);
  bool any_errors = false;
  bool io_failed = false;
  for (const std::string_view path : parsed->positional) {
    const std::string name = display_name(path);
    const bool ok = read_records(
        path, input_format, limits,
        [&](const Record& record) {
          if (!record.error.empty()) {
            out.flush();
            std::cerr << name << ':' << record.line << ": " << record.error << '\n';
            any_errors = true;
            return;
          }
          const fhir::json::ParseResult result = fhir::json::parse(record.text);
          if (!result) {
            out.flush();
            const auto& e = *result.error;
            std::cerr << name << ':' << (record.line + e.location.line - 1) << ':' << e.location.column << ": "
                      << e.message << '\n';
            any_errors = true;
            return;
          }
          append_canonical(result.document->root(), pretty && !record.ndjson, out.buffer());
          out.buffer() += '\n';
          out.maybe_flush();
        },
        &error);
    out.flush();
    if (!ok) {
      std::cerr << "fhirgw format: " << error << '\n';
      io_failed = true;
    }
  }
  if (io_failed) return kExitUsage;
  return any_errors ? kExitFindings : kExitOk;
}

}  // namespace fhirgw::cli
