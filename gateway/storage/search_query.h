// A backend-neutral, already parsed FHIR search: an AND of clauses, each an OR of values. The REST
// layer builds it from the query string (search/query_parser.h); each store compiles it to its own SQL.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fhirgw::storage {

enum class ParamKind : std::uint8_t { Token, String, Date, Reference, Quantity, Number, Uri, Id, LastUpdated };
enum class Prefix : std::uint8_t { Eq, Ne, Gt, Lt, Ge, Le, Sa, Eb, Ap };

struct SearchValue {
  Prefix prefix = Prefix::Eq;
  // token / uri: system ("" with has_system = no system given, "" with system_empty = "|code")
  std::string system;
  bool has_system = false;
  std::string code;
  // string / token :text / reference
  std::string text;
  // date / _lastUpdated: closed range of the searched value
  std::int64_t low_ms = 0;
  std::int64_t high_ms = 0;
  // number / quantity
  double number = 0;
  double number_low = 0;  // implicit precision range of the value as written
  double number_high = 0;
  // reference
  std::string target_type;
  std::string target_id;
};

// Where a parameter's index rows are: the rows stored under `param`, only those pointing at a
// resource of `target_type` when that is set. A parameter that indexes the same elements as others
// has no rows of its own and names theirs (R4 Observation: `patient` = `subject` rows of Patient
// targets, `combo-code` = `code` + `component-code`; search/shared_index.h decides, from the
// SearchParameter expressions).
struct IndexSource {
  std::string param;
  std::string target_type;
};

struct SearchClause;

// subject:Patient.identifier=x  -> chain {target_type "Patient", clause identifier=x}
struct Chain {
  std::string target_type;
  std::unique_ptr<SearchClause> clause;
};

struct SearchClause {
  std::string param;
  ParamKind kind = ParamKind::Token;
  std::vector<IndexSource> sources;  // empty: the rows stored under `param`
  std::string modifier;              // "", "not", "text", "exact", "contains", "missing", "above", "below", ...
  bool missing = false;              // for :missing=true|false
  std::vector<SearchValue> any_of;
  std::optional<Chain> chain;  // reference chains: any_of is empty then

  SearchClause() = default;
  SearchClause(const SearchClause& o);
  SearchClause& operator=(const SearchClause& o);
  SearchClause(SearchClause&&) noexcept = default;
  SearchClause& operator=(SearchClause&&) noexcept = default;
};

struct SortKey {
  std::string param;  // "_id", "_lastUpdated" or an index parameter
  ParamKind kind = ParamKind::String;
  bool descending = false;
  std::vector<IndexSource> sources;  // empty: the rows stored under `param`
};

struct SearchQuery {
  std::string type;  // resource type (required)
  std::vector<SearchClause> all_of;
  std::vector<SortKey> sort;
  std::size_t limit = 1000;  // most ids returned
  bool count_total = true;   // COUNT every match (total); false: total only says what was returned
  // Keyset paging, for the default order only (empty `sort`): opaque cursors from a SearchResult.
  // Pages found this way do not shift when resources are added, changed or deleted elsewhere.
  std::string after;   // matches that come after this cursor
  std::string before;  // matches that come before it (a previous page), still returned in order
  // Also return each match's current body (SearchResult::bodies), read in the same snapshot as the
  // match (by row, while its page is still in SQLite's cache) instead of a later lookup by id.
  bool with_bodies = false;
  // The rows of the type's `patient` parameter when the store also keeps the type's token rows per
  // patient (search::ParamCatalog::patient_rows): a search by that patient and a token then reads them.
  std::optional<IndexSource> patient_rows;
};

struct ResourceRef {
  std::string type;
  std::string id;
  friend bool operator==(const ResourceRef&, const ResourceRef&) = default;
};

// A paging cursor that no search produced (a 400 for the client).
class InvalidCursor : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct SearchResult {
  std::vector<ResourceRef> matches;  // in sort order, at most query.limit
  std::vector<std::string> bodies;   // with query.with_bodies: the body of each match, same order
  std::size_t total = 0;             // all matches (if count_total)
  // Keyset paging (default order): cursors of the first and last match, and whether more matches
  // lie beyond the page in the direction asked (after the last, or with `before`, before the first).
  std::string first_cursor;
  std::string last_cursor;
  bool more = false;
};

}  // namespace fhirgw::storage
