// Code tables, unit tables, concept maps and the record schema, loaded from the TSV files of mappings/data.
// The files are embedded at build time (Tables::builtin()); a hospital can load edited copies at run time
// (Tables::from_files(), `fhirgw map --tables DIR`). Each code row names the source of its standard code.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fhir::mappings {

// One row of a code table: a local code and (optionally) one standard coding for it.
struct CodeRow {
  std::string local_code;
  std::string qualifier;  // table specific (lab unit, stage "type"/"method"); empty = any
  std::string system;     // resolved URI; empty when the local code has no verified standard code
  std::string code;
  std::string display;
  std::vector<std::string> flags;
  std::string source;         // where the standard code comes from
  bool reverse_only = false;  // flag `reverse-only`, resolved at load
  bool has_flag(std::string_view f) const;
  std::string_view flag_value(std::string_view prefix) const;  // "derived-from=" -> "NEUT_ABS+LYMPH_ABS"
};

class CodeTable {
 public:
  std::string kind;  // file name without .tsv: "drug", "lab_test", ...
  std::vector<CodeRow> rows;

  bool knows(std::string_view local) const;
  const CodeRow* first(std::string_view local) const;  // first row of a local code (display, flags)
  // Standard rows to send for a local code: rows matching `qualifier` exactly, else rows with an empty
  // qualifier; rows flagged reverse-only are never sent.
  std::vector<const CodeRow*> forward(std::string_view local, std::string_view qualifier = {}) const;
  // The first of forward()'s rows (nullptr if none), without building the list.
  const CodeRow* forward_first(std::string_view local, std::string_view qualifier = {}) const;
  // Local code for a standard coding (concept map, FHIR -> internal); nullptr if none.
  const CodeRow* reverse(std::string_view system, std::string_view code) const;
};

// The `kind` column of record_schema.tsv, resolved once at load (every other kind is a non-empty string).
enum class FieldKind : std::uint8_t {
  String,
  Id,
  Source,
  Date,
  DateTime,
  Uri,
  Enum,
  Local,
  Decimal,
  Integer,
  Boolean,
  Object,
  Array,
  FalseOrDate,
  IntOrString
};

// One field rule of the record contract (data/record_schema.tsv).
struct FieldRule {
  std::string record_type;  // "*" = every type
  std::string path;         // "dose.value", "lesions[].site"
  std::string kind;         // see record_schema.tsv
  bool required = false;
  std::vector<std::string> values;         // enum values
  std::optional<double> min, max;          // numeric range
  std::vector<std::string> segments;       // path split at '.', computed at load
  std::string head;                        // the record member the rule is about ("lesions" for "lesions[].site")
  FieldKind kind_id = FieldKind::String;   // `kind`, resolved at load
  const CodeTable* local_table = nullptr;  // the table of a `local:<table>` kind (set by index_rules)
};

class Tables {
 public:
  Tables() = default;
  Tables(const Tables& other);
  Tables& operator=(const Tables& other);
  Tables(Tables&& other) noexcept { *this = std::move(other); }
  Tables& operator=(Tables&& other) noexcept {
    systems_ = std::move(other.systems_);
    tables_ = std::move(other.tables_);
    rules_ = std::move(other.rules_);
    local_base_ = std::move(other.local_base_);
    index_rules();
    return *this;
  }

  // The tables compiled into the library from mappings/data.
  static const Tables& builtin();
  // Builds tables from file name -> contents ("systems.tsv", "record_schema.tsv", "codes/drug.tsv", ...).
  // Files not given fall back to the built-in ones. Returns nullopt with a message naming file and line.
  static std::optional<Tables> from_files(const std::map<std::string, std::string>& files, std::string* error);

  const CodeTable* table(std::string_view kind) const;
  // "sct" -> "http://snomed.info/sct"; a URI (contains ':') is returned as given (a view of `key`).
  std::string_view system(std::string_view key) const;
  const std::string& local_base() const { return local_base_; }
  // <local-base>/CodeSystem/<kind> and <local-base>/StructureDefinition/<name>; precomputed for the known
  // kinds and gateway extensions, so the hot paths do not build strings.
  std::string_view local_system(std::string_view kind) const {
    return derived_url(local_systems_, "/CodeSystem/", kind);
  }
  std::string_view extension_url(std::string_view name) const {
    return derived_url(extension_urls_, "/StructureDefinition/", name);
  }
  const std::vector<FieldRule>& rules() const { return rules_; }
  const std::vector<const FieldRule*>& rules_for(std::string_view record_type) const;
  const std::map<std::string, CodeTable, std::less<>>& tables() const { return tables_; }

 private:
  void index_rules();
  std::string_view derived_url(const std::map<std::string, std::string, std::less<>>& cache, std::string_view infix,
                               std::string_view name) const;
  std::map<std::string, std::string, std::less<>> local_systems_;
  std::map<std::string, std::string, std::less<>> extension_urls_;
  std::map<std::string, std::string, std::less<>> systems_;
  std::map<std::string, CodeTable, std::less<>> tables_;
  std::vector<FieldRule> rules_;
  std::map<std::string, std::vector<const FieldRule*>, std::less<>> rules_by_type_;
  std::string local_base_;
};

// The embedded file contents (generated at build time).
const std::map<std::string, std::string>& embedded_table_files();

}  // namespace fhir::mappings
