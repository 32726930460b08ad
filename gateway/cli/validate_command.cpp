#include "cli/validate_command.h"

#include <array>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/input_options.h"
#include "cli/issue_text.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/profile_packages.h"
#include "cli/registry_loader.h"
#include "cli/resource_reader.h"
#include "fhir/json/writer.h"
#include "fhir/validation/validator.h"

namespace fhirgw::cli {
namespace {

namespace fv = fhir::validation;

constexpr std::string_view kUsage =
    "usage: fhirgw validate [options] PATH...\n"
    "\n"
    "Validates FHIR R4 JSON: PATH is a .json resource or Bundle, an .ndjson file (one resource per line)\n"
    "or '-' for standard input (NDJSON if its first line is a whole object).\n"
    "\n"
    "options:\n"
    "  --profile URL             also validate against this profile (repeatable)\n"
    "  --package DIR             load profiles from a FHIR package folder (repeatable)\n"
    "  --format text|json        text for people (default); json: one OperationOutcome per resource, as NDJSON\n"
    "  --input auto|json|ndjson  how to read PATH (default: by extension, else by its first line)\n"
    "  --max-line-bytes N        longest NDJSON line accepted (default 16M)\n"
    "  --max-document-bytes N    largest .json document accepted (default 512M)\n"
    "  --no-invariants           skip FHIRPath constraints\n"
    "  --no-terminology          skip binding checks\n"
    "\n"
    "exit: 0 no errors, 1 errors found, 2 could not run (usage, I/O)\n";

constexpr std::array kOptions{
    OptionSpec{"profile", true},        OptionSpec{"package", true},         OptionSpec{"format", true},
    OptionSpec{"input", true},          OptionSpec{"max-line-bytes", true},  OptionSpec{"max-document-bytes", true},
    OptionSpec{"no-invariants", false}, OptionSpec{"no-terminology", false},
};

int usage_error(const std::string& message) {
  std::cerr << "fhirgw validate: " << message << "\nRun 'fhirgw validate --help' for usage.\n";
  return kExitUsage;
}

struct Totals {
  std::size_t resources = 0;
  std::size_t with_errors = 0;
  std::size_t errors = 0;
  std::size_t warnings = 0;
};

}  // namespace

int run_validate(Args args) {
  std::string error;
  const auto parsed = parse_args(args, kOptions, &error);
  if (!parsed) return usage_error(error);
  if (parsed->help) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (parsed->positional.empty()) return usage_error("no input given (PATH... or '-')");

  const std::string_view format = parsed->value("format").value_or("text");
  if (format != "text" && format != "json") return usage_error("--format must be text or json");
  const bool json_out = format == "json";

  InputFormat input_format = InputFormat::Auto;
  ReadLimits limits;
  if (auto bad = apply_input_options(*parsed, input_format, limits)) return usage_error(*bad);

  fv::ValidateOptions options;
  for (const std::string_view url : parsed->values("profile")) options.profiles.emplace_back(url);
  options.check_invariants = !parsed->flag("no-invariants");
  options.check_terminology = !parsed->flag("no-terminology");

  const std::vector<std::string_view> packages = parsed->values("package");
  std::unique_ptr<fhir::model::Registry> custom_registry;
  if (!packages.empty()) {
    custom_registry = make_core_registry(&error);
    if (!custom_registry || load_profile_packages(packages, *custom_registry, &error) < 0) {
      std::cerr << "fhirgw validate: " << error << '\n';
      return kExitUsage;
    }
  }
  const fhir::model::Registry& registry = custom_registry ? *custom_registry : fhir::model::Registry::r4();
  for (const std::string& url : options.profiles) {
    if (registry.find_by_url(url) == nullptr) {
      std::cerr << "fhirgw validate: unknown profile '" << url << "' (load its package with --package DIR)\n";
      return kExitUsage;
    }
  }
  const fv::Validator validator(registry);

  Output out(stdout);
  bool any_errors = false;
  bool io_failed = false;
  for (const std::string_view path : parsed->positional) {
    const std::string name = display_name(path);
    Totals totals;
    const bool ok = read_records(
        path, input_format, limits,
        [&](const Record& record) {
          fv::Outcome outcome;
          if (!record.error.empty()) {
            outcome.add(fv::Severity::Fatal, "too-costly", record.error, {},
                        fhir::json::SourceLocation{static_cast<std::uint32_t>(record.line), 0});
          } else {
            outcome = validator.validate_text(record.text, options);
            // Locations are relative to the record; shift them to the line it starts on in the input.
            for (fv::Issue& issue : outcome.issues()) {
              if (issue.location.line != 0) {
                issue.location.line += static_cast<std::uint32_t>(record.line - 1);
              }
            }
          }
          ++totals.resources;
          const std::size_t errors = outcome.count(fv::Severity::Fatal) + outcome.count(fv::Severity::Error);
          totals.errors += errors;
          totals.warnings += outcome.count(fv::Severity::Warning);
          if (errors > 0) ++totals.with_errors;
          if (json_out) {
            fhir::json::write(outcome.to_operation_outcome(), out.buffer());
            out.buffer() += '\n';
          } else {
            for (const fv::Issue& issue : outcome.issues()) append_issue_text(name, issue, out.buffer());
          }
          out.maybe_flush();
        },
        &error);
    if (!ok) {
      out.flush();
      std::cerr << "fhirgw validate: " << error << '\n';
      io_failed = true;
      continue;
    }
    any_errors = any_errors || totals.errors > 0;
    if (!json_out) {
      std::string& b = out.buffer();
      b += name + ": " + (totals.errors == 0 ? "OK" : "FAILED") + " (" + std::to_string(totals.resources) +
           (totals.resources == 1 ? " resource, " : " resources, ") + std::to_string(totals.errors) +
           (totals.errors == 1 ? " error, " : " errors, ") + std::to_string(totals.warnings) +
           (totals.warnings == 1 ? " warning)\n" : " warnings)\n");
    }
    out.flush();
  }
  if (io_failed) return kExitUsage;
  return any_errors ? kExitFindings : kExitOk;
}

}  // namespace fhirgw::cli
