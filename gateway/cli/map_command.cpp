// `fhirgw map to-fhir [--bundle transaction|batch|collection] [--all-or-nothing] [--pretty] [--tables DIR] FILE|-`
// `fhirgw map from-fhir [--source NAME] [--tables DIR] FILE|-`
// Results go to stdout (a Bundle / NDJSON records); issues go to stderr as one OperationOutcome (JSON).
// File reading lives here; the mapping library itself does no I/O.
#include "cli/map_command.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>

#include "cli/options.h"
#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/mappings/from_fhir.h"
#include "fhir/mappings/tables.h"
#include "fhir/mappings/to_fhir.h"

namespace fhirgw::cli {
namespace {

namespace fs = std::filesystem;
namespace fm = fhir::mappings;

constexpr std::string_view kUsage =
    "usage: fhirgw map to-fhir [--bundle transaction|batch|collection] [--all-or-nothing] [--pretty]\n"
    "                          [--tables DIR] FILE|-\n"
    "       fhirgw map from-fhir [--source NAME] [--tables DIR] FILE|-\n\n"
    "to-fhir    reads internal records (NDJSON or a JSON array) and writes one FHIR R4 Bundle to stdout\n"
    "           (default: a transaction of deterministic PUTs).\n"
    "from-fhir  reads a FHIR Bundle, a resource or NDJSON of resources and writes internal records as NDJSON.\n"
    "Issues (rejected lines with line number and field, warnings) go to stderr as one OperationOutcome.\n"
    "--tables DIR replaces the built-in code tables with DIR/systems.tsv, DIR/record_schema.tsv, DIR/codes/*.tsv\n"
    "(files missing in DIR keep their built-in version).\n"
    "Exit codes: 0 all mapped, 1 some records/lines rejected (or all rejected with --all-or-nothing),\n"
    "            2 could not run (usage, unreadable input or tables).\n";

bool read_all(std::string_view path, std::string& out, std::string& error) {
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    out = ss.str();
    return true;
  }
  std::ifstream in{std::string(path), std::ios::binary};
  if (!in) {
    error = "cannot open '" + std::string(path) + "'";
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) {
    error = "cannot read '" + std::string(path) + "'";
    return false;
  }
  return true;
}

// Loads edited tables from a directory; null on error (message printed).
std::optional<fm::Tables> load_tables(std::string_view dir) {
  std::map<std::string, std::string> files;
  std::error_code ec;
  const fs::path root{std::string(dir)};
  if (!fs::is_directory(root, ec)) {
    std::cerr << "fhirgw map: --tables '" << dir << "' is not a directory\n";
    return std::nullopt;
  }
  for (const auto& entry : fs::recursive_directory_iterator(root, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".tsv") continue;
    std::string text, error;
    if (!read_all(entry.path().string(), text, error)) {
      std::cerr << "fhirgw map: " << error << '\n';
      return std::nullopt;
    }
    files[fs::relative(entry.path(), root).generic_string()] = std::move(text);
  }
  std::string error;
  auto tables = fm::Tables::from_files(files, &error);
  if (!tables) std::cerr << "fhirgw map: tables: " << error << '\n';
  return tables;
}

void print_outcome(const fhir::validation::Outcome& outcome) {
  if (outcome.issues().empty()) return;
  std::string text;
  fhir::json::write(outcome.to_operation_outcome(), text, {.pretty = true});
  text.push_back('\n');
  std::fwrite(text.data(), 1, text.size(), stderr);
}

int to_fhir(const ParsedArgs& a, const fm::Tables& tables, const std::string& input) {
  fm::ToFhirOptions options;
  if (auto b = a.value("bundle")) {
    if (*b == "transaction")
      options.bundle_type = fm::BundleType::Transaction;
    else if (*b == "batch")
      options.bundle_type = fm::BundleType::Batch;
    else if (*b == "collection")
      options.bundle_type = fm::BundleType::Collection;
    else {
      std::cerr << "fhirgw map: --bundle must be transaction, batch or collection\n";
      return kExitUsage;
    }
  }
  options.all_or_nothing = a.flag("all-or-nothing");
  std::string out;
  const auto result = fm::records_to_fhir_json(input, tables, options, out);
  if (!out.empty()) {
    if (a.flag("pretty")) {
      const auto parsed = fhir::json::parse(out);
      if (parsed) out = fhir::json::to_string(parsed.document->root(), {.pretty = true});
    }
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  print_outcome(result.outcome);
  return result.has_rejections() || result.outcome.has_errors() ? kExitFindings : kExitOk;
}

int from_fhir(const ParsedArgs& a, const fm::Tables& tables, const std::string& input) {
  fm::FromFhirOptions options;
  if (auto s = a.value("source")) options.default_source = std::string(*s);
  // Each record is written as it is mapped (a large Bundle is read entry by entry), not kept as a tree.
  std::string out;
  const auto result = fm::fhir_to_ndjson(input, tables, out, options);
  std::fwrite(out.data(), 1, out.size(), stdout);
  print_outcome(result.outcome);
  return result.outcome.has_errors() ? kExitFindings : kExitOk;
}

}  // namespace

int run_map(Args args) {
  static constexpr std::array kSpecs{OptionSpec{"bundle", true}, OptionSpec{"all-or-nothing", false},
                                     OptionSpec{"pretty", false}, OptionSpec{"tables", true},
                                     OptionSpec{"source", true}};
  if (args.empty() || args.front() == "--help" || args.front() == "-h") {
    (args.empty() ? std::cerr : std::cout) << kUsage;
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::string_view direction = args.front();
  if (direction != "to-fhir" && direction != "from-fhir") {
    std::cerr << "fhirgw map: unknown direction '" << direction << "' (to-fhir or from-fhir)\n" << kUsage;
    return kExitUsage;
  }
  std::string error;
  auto parsed = parse_args(args.subspan(1), kSpecs, &error);
  if (!parsed) {
    std::cerr << "fhirgw map: " << error << '\n' << kUsage;
    return kExitUsage;
  }
  if (parsed->help) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (parsed->positional.size() != 1) {
    std::cerr << "fhirgw map: expected exactly one input (FILE or -)\n" << kUsage;
    return kExitUsage;
  }
  std::optional<fm::Tables> custom;
  if (auto dir = parsed->value("tables")) {
    custom = load_tables(*dir);
    if (!custom) return kExitUsage;
  }
  const fm::Tables& tables = custom ? *custom : fm::Tables::builtin();
  std::string input;
  if (!read_all(parsed->positional.front(), input, error)) {
    std::cerr << "fhirgw map: " << error << '\n';
    return kExitUsage;
  }
  return direction == "to-fhir" ? to_fhir(*parsed, tables, input) : from_fhir(*parsed, tables, input);
}

}  // namespace fhirgw::cli
