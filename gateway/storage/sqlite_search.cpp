#include "storage/sqlite_search.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "storage/sqlite_connection.h"
#include "storage/store.h"
#include "storage/target_rid_keys.h"

namespace fhirgw::storage {

SearchClause::SearchClause(const SearchClause& o)
    : param(o.param), kind(o.kind), sources(o.sources), modifier(o.modifier), missing(o.missing), any_of(o.any_of) {
  if (o.chain) {
    chain = Chain{o.chain->target_type, o.chain->clause ? std::make_unique<SearchClause>(*o.chain->clause) : nullptr};
  }
}

SearchClause& SearchClause::operator=(const SearchClause& o) {
  if (this != &o) {
    SearchClause copy(o);
    *this = std::move(copy);
  }
  return *this;
}

namespace {

using Binding = std::variant<std::int64_t, double, std::string>;

// Everything from here on builds SQL text with `?` placeholders and a parallel list of bindings; no
// request text is ever pasted into the SQL.
class SqlBuilder {
 public:
  std::string sql;
  std::vector<Binding> bindings;

  SqlBuilder& operator<<(std::string_view text) {
    sql += text;
    return *this;
  }
  SqlBuilder& bind(Binding b) {
    sql += '?';
    bindings.push_back(std::move(b));
    return *this;
  }
};

const char* index_table(ParamKind kind) {
  switch (kind) {
    case ParamKind::Token:
    case ParamKind::Uri: return "idx_token";
    case ParamKind::String: return "idx_string";
    case ParamKind::Date: return "idx_date";
    case ParamKind::Reference: return "idx_reference";
    case ParamKind::Quantity: return "idx_quantity";
    case ParamKind::Number: return "idx_number";
    case ParamKind::Id:
    case ParamKind::LastUpdated: break;
  }
  return "";
}

// Upper bound for a prefix range on BINARY collation: 0xFF never occurs in UTF-8.
std::string prefix_end(const std::string& s) { return s + "\xFF"; }

std::string like_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// Range comparison of a stored closed range [lo_col, hi_col] against the searched range [lo, hi].
void range_condition(SqlBuilder& b, const std::string& lo_col, const std::string& hi_col, Prefix prefix, Binding lo,
                     Binding hi) {
  switch (prefix) {
    case Prefix::Eq:
      b << "(" << lo_col << " >= ";
      b.bind(lo) << " AND " << hi_col << " <= ";
      b.bind(hi) << ")";
      return;
    case Prefix::Ne:
      b << "NOT (" << lo_col << " >= ";
      b.bind(lo) << " AND " << hi_col << " <= ";
      b.bind(hi) << ")";
      return;
    case Prefix::Gt:
      b << hi_col << " > ";
      b.bind(hi);
      return;
    case Prefix::Lt:
      b << lo_col << " < ";
      b.bind(lo);
      return;
    case Prefix::Ge:
      b << hi_col << " >= ";
      b.bind(lo);
      return;
    case Prefix::Le:
      b << lo_col << " <= ";
      b.bind(hi);
      return;
    case Prefix::Sa:
      b << lo_col << " > ";
      b.bind(hi);
      return;
    case Prefix::Eb:
      b << hi_col << " < ";
      b.bind(lo);
      return;
    case Prefix::Ap:  // the caller widened [lo, hi]: overlap
      b << "(" << lo_col << " <= ";
      b.bind(hi) << " AND " << hi_col << " >= ";
      b.bind(lo) << ")";
      return;
  }
}

// `ap` for dates: 10% of the distance to now, at least one day (what HAPI does, roughly).
void widen_date(SearchValue& v, std::int64_t now_ms) {
  const std::int64_t distance = std::llabs(now_ms - v.low_ms);
  const std::int64_t margin = std::max<std::int64_t>(distance / 10, 86'400'000);
  v.low_ms -= margin;
  v.high_ms += margin;
}

// Whether parameter `param` of `type` reads reference rows whose target_id may be a target rid key
// (target_rid_keys.h): its own rows, or the rows it shares.
bool reads_target_rid_keys(const std::string& type, ParamKind kind, const std::string& param,
                           const std::vector<IndexSource>& sources) {
  if (kind != ParamKind::Reference) return false;
  if (sources.empty()) return keyed_by_target_rid(type, param);
  return std::any_of(sources.begin(), sources.end(),
                     [&](const IndexSource& s) { return keyed_by_target_rid(type, s.param); });
}

bool reads_target_rid_keys(const std::string& type, const SearchClause& c) {
  return reads_target_rid_keys(type, c.kind, c.param, c.sources);
}

// Every resource type stored, one index seek each (resources_by_type), as the CTE `stored(type)`: for a
// reference without a target type, whose rid key may be that of any type.
constexpr std::string_view kStoredTypes =
    "WITH RECURSIVE stored(type) AS (SELECT MIN(type) FROM resources UNION ALL "
    "SELECT (SELECT MIN(n.type) FROM resources n WHERE n.type > stored.type) FROM stored WHERE stored.type IS NOT "
    "NULL) ";

// "target_id = ?", or for rows that may hold rid keys: the id or the rid key of the resource(s) it names.
void target_condition(SqlBuilder& b, const SearchValue& value, bool rid_keys) {
  if (!rid_keys) {
    b << "target_id = ";
    b.bind(value.target_id);
    return;
  }
  b << "target_id IN (";
  if (value.target_type.empty()) b << kStoredTypes;
  b << "SELECT ";
  b.bind(value.target_id) << " UNION ALL SELECT " << target_rid_key_sql("t.rid");
  if (value.target_type.empty()) {
    b << " FROM stored JOIN resources t ON t.type = stored.type WHERE t.id = ";
  } else {
    b << " FROM resources t WHERE t.type = ";
    b.bind(value.target_type) << " AND t.id = ";
  }
  b.bind(value.target_id) << ")";
}

void value_condition(SqlBuilder& b, const std::string& type, const SearchClause& c, const SearchValue& value,
                     std::int64_t now_ms) {
  switch (c.kind) {
    case ParamKind::Token:
    case ParamKind::Uri: {
      if (c.modifier == "text") {
        b << "text LIKE ";
        b.bind("%" + like_escape(value.text) + "%") << " ESCAPE '\\'";
        return;
      }
      b << "(";
      bool need_and = false;
      if (value.has_system) {
        b << "system = ";
        b.bind(value.system);
        need_and = true;
      }
      if (!value.code.empty() || !value.has_system) {
        if (need_and) b << " AND ";
        b << "code = ";
        b.bind(value.code);
      }
      b << ")";
      return;
    }
    case ParamKind::String:
      if (c.modifier == "exact") {
        b << "exact = ";
        b.bind(value.text);
      } else if (c.modifier == "contains") {
        b << "value LIKE ";
        b.bind("%" + like_escape(value.text) + "%") << " ESCAPE '\\'";
      } else {
        b << "(value >= ";
        b.bind(value.text) << " AND value < ";
        b.bind(prefix_end(value.text)) << ")";
      }
      return;
    case ParamKind::Date: {
      SearchValue v = value;
      if (v.prefix == Prefix::Ap) widen_date(v, now_ms);
      range_condition(b, "low", "high", v.prefix, v.low_ms, v.high_ms);
      return;
    }
    case ParamKind::Quantity:
    case ParamKind::Number: {
      b << "(";
      double lo = value.number_low;
      double hi = value.number_high;
      if (value.prefix == Prefix::Ap) {
        const double margin = std::fabs(value.number) * 0.1;
        lo = value.number - margin;
        hi = value.number + margin;
      }
      switch (value.prefix) {
        case Prefix::Gt:
        case Prefix::Sa:
          b << "value > ";
          b.bind(value.number);
          break;
        case Prefix::Lt:
        case Prefix::Eb:
          b << "value < ";
          b.bind(value.number);
          break;
        case Prefix::Ge:
          b << "value >= ";
          b.bind(value.number);
          break;
        case Prefix::Le:
          b << "value <= ";
          b.bind(value.number);
          break;
        case Prefix::Ne:
          b << "NOT (value >= ";
          b.bind(lo) << " AND value <= ";
          b.bind(hi) << ")";
          break;
        case Prefix::Eq:
        case Prefix::Ap:
          b << "value >= ";
          b.bind(lo) << " AND value <= ";
          b.bind(hi);
          break;
      }
      if (c.kind == ParamKind::Quantity) {
        if (value.has_system) {
          b << " AND system = ";
          b.bind(value.system);
        }
        if (!value.code.empty()) {
          b << " AND code = ";
          b.bind(value.code);
        }
      }
      b << ")";
      return;
    }
    case ParamKind::Reference: {
      b << "(";
      if (!value.target_id.empty()) {
        target_condition(b, value, reads_target_rid_keys(type, c));
        if (!value.target_type.empty()) {
          b << " AND target_type = ";
          b.bind(value.target_type);
        }
      } else {
        b << "url = ";
        b.bind(value.text);
      }
      b << ")";
      return;
    }
    case ParamKind::Id:
    case ParamKind::LastUpdated: return;
  }
}

void list_condition(SqlBuilder& b, const std::string& type, const SearchClause& c, const std::string& alias,
                    std::int64_t now_ms, int depth);

// Which rows of the index table belong to parameter `param`: "<alias>.param = ?", or for a parameter
// that shares other parameters' rows (IndexSource) those rows, restricted to a target type where the
// source says so. One source stays a plain equality, so the (type, param, value..., rid) search index
// still yields its rows in resource order.
void param_condition(SqlBuilder& b, const std::string& alias, const std::string& param,
                     const std::vector<IndexSource>& sources) {
  auto one = [&](const IndexSource& s) {
    b << alias << ".param = ";
    b.bind(s.param);
    if (!s.target_type.empty()) {
      b << " AND " << alias << ".target_type = ";
      b.bind(s.target_type);
    }
  };
  if (sources.empty()) {
    one(IndexSource{param, {}});
    return;
  }
  if (sources.size() == 1) {
    one(sources.front());
    return;
  }
  b << "(";
  for (std::size_t i = 0; i < sources.size(); ++i) {
    b << (i ? " OR (" : "(");
    one(sources[i]);
    b << ")";
  }
  b << ")";
}

// The rows of clause `c` in its index table: "FROM idx_x <alias> WHERE <alias>.param = ? AND (v1 OR v2 ...)".
// `type_bound`: also bind the resource type (for index range scans; a probe by rid does not need it).
// `join` goes between the table and WHERE.
void index_rows(SqlBuilder& b, const std::string& type, const SearchClause& c, const std::string& alias,
                bool type_bound, bool with_values, std::int64_t now_ms, std::string_view join = {}) {
  b << " FROM " << index_table(c.kind) << " " << alias << join << " WHERE ";
  if (type_bound) {
    b << alias << ".type = ";
    b.bind(type) << " AND ";
  }
  param_condition(b, alias, c.param, c.sources);
  if (with_values && !c.any_of.empty()) {
    b << " AND (";
    for (std::size_t i = 0; i < c.any_of.size(); ++i) {
      if (i) b << " OR ";
      value_condition(b, type, c, c.any_of[i], now_ms);
    }
    b << ")";
  }
}

// subject:Patient.identifier=x: reference rows whose target matches the inner clause.
void chain_rows(SqlBuilder& b, const std::string& type, const SearchClause& c, const std::string& alias,
                bool type_bound, std::int64_t now_ms, int depth, std::string_view join = {}) {
  const std::string inner = "c" + std::to_string(depth);
  SearchClause param_only;
  param_only.param = c.param;
  param_only.kind = c.kind;
  param_only.sources = c.sources;
  index_rows(b, type, param_only, alias, type_bound, false, now_ms, join);
  b << " AND " << alias << ".target_type = ";
  b.bind(c.chain->target_type) << " AND " << alias << ".target_id IN (";
  // The matching targets by id, and by rid key where the rows may hold those (target_rid_keys.h).
  auto targets = [&](const std::string& column) {
    b << "SELECT " << column << " FROM resources " << inner << " WHERE " << inner << ".type = ";
    b.bind(c.chain->target_type) << " AND " << inner << ".deleted = 0 AND ";
    list_condition(b, c.chain->target_type, *c.chain->clause, inner, now_ms, depth + 1);
  };
  targets(inner + ".id");
  if (reads_target_rid_keys(type, c)) {
    b << " UNION ALL ";
    targets(target_rid_key_sql(inner + ".rid"));
  }
  b << ")";
}

// Conditions on the resource itself (_id, _lastUpdated); false if `c` is an index clause.
bool resource_condition(SqlBuilder& b, const SearchClause& c, const std::string& alias, std::int64_t now_ms) {
  if (c.kind == ParamKind::Id) {
    b << alias << ".id " << (c.modifier == "not" ? "NOT IN (" : "IN (");
    for (std::size_t i = 0; i < c.any_of.size(); ++i) {
      if (i) b << ", ";
      b.bind(c.any_of[i].code);
    }
    b << ")";
    return true;
  }
  if (c.kind == ParamKind::LastUpdated) {
    b << "(";
    for (std::size_t i = 0; i < c.any_of.size(); ++i) {
      if (i) b << " OR ";
      SearchValue v = c.any_of[i];
      if (v.prefix == Prefix::Ap) widen_date(v, now_ms);
      const std::string col = alias + ".last_updated";
      range_condition(b, col, col, v.prefix, v.low_ms, v.high_ms);
    }
    b << ")";
    return true;
  }
  return false;
}

// Whether the index rows of `c` select the resources (true) or the resources without such rows
// (:not, :missing=true).
bool selects_rows(const SearchClause& c) { return c.modifier != "not" && !(c.modifier == "missing" && c.missing); }

// "<alias>.rid IN (SELECT rid FROM idx_x WHERE type = ? ...)": the list of matching resources, used
// where the clause selects the resources of a chain (an index range scan drives the lookup).
void list_condition(SqlBuilder& b, const std::string& type, const SearchClause& c, const std::string& alias,
                    std::int64_t now_ms, int depth) {
  if (resource_condition(b, c, alias, now_ms)) return;
  b << alias << ".rid " << (selects_rows(c) ? "IN (" : "NOT IN (") << "SELECT x" << std::to_string(depth) << ".rid";
  if (c.chain && c.chain->clause) {
    chain_rows(b, type, c, "x" + std::to_string(depth), true, now_ms, depth);
  } else {
    index_rows(b, type, c, "x" + std::to_string(depth), true, c.modifier != "missing", now_ms);
  }
  b << ")";
}

// "[NOT] EXISTS (SELECT 1 FROM idx_x p WHERE p.rid = <rid> AND ...)": a probe of one resource's rows
// (the clustered primary key starts with rid), so a large clause such as code=... on a million
// Observations costs one lookup per candidate instead of collecting all its matches first. `rid` is the
// driving index row's rid where there is one: the probe then runs before the candidate's resource row is
// read, and only matches cost a page of `resources`.
void probe_condition(SqlBuilder& b, const std::string& type, const SearchClause& c, const std::string& alias,
                     const std::string& rid, std::int64_t now_ms) {
  if (resource_condition(b, c, alias, now_ms)) return;
  b << (selects_rows(c) ? "EXISTS (SELECT 1" : "NOT EXISTS (SELECT 1");
  if (c.chain && c.chain->clause) {
    chain_rows(b, type, c, "p", false, now_ms, 0);
  } else {
    index_rows(b, type, c, "p", false, c.modifier != "missing", now_ms);
  }
  b << " AND p.rid = " << rid << ")";
}

// How many resources a clause is likely to select, as a rank (lower = fewer). Without statistics a
// reference to one resource or a code beats a range; one value beats several (whose index rows do not
// come out in resource order).
int selectivity_rank(const SearchClause& c) {
  int rank = 8;
  if (c.chain) {
    rank = 4;
  } else if (c.modifier == "missing") {
    rank = 9;
  } else {
    switch (c.kind) {
      case ParamKind::Reference: rank = 1; break;
      case ParamKind::Token:
      case ParamKind::Uri:
        rank = c.modifier == "text" ? 8 : 2;
        for (const SearchValue& v : c.any_of) {
          if (v.code.empty()) rank = std::max(rank, 7);  // system| only
        }
        break;
      case ParamKind::String: rank = c.modifier == "exact" ? 3 : c.modifier == "contains" ? 8 : 5; break;
      case ParamKind::Date:
      case ParamKind::Quantity:
      case ParamKind::Number: rank = 6; break;
      case ParamKind::Id:
      case ParamKind::LastUpdated: break;
    }
  }
  return rank * 2 + (c.any_of.size() > 1 ? 1 : 0);
}

// The clause whose index rows drive the query (nullptr: scan the resources of the type).
const SearchClause* pick_driver(const std::vector<SearchClause>& clauses) {
  const SearchClause* best = nullptr;
  for (const SearchClause& c : clauses) {
    if (c.kind == ParamKind::Id || c.kind == ParamKind::LastUpdated || !selects_rows(c)) continue;
    if (!best || selectivity_rank(c) < selectivity_rank(*best)) best = &c;
  }
  return best;
}

// A search that idx_token_patient answers alone (its rows are the type's token rows per patient,
// search::ParamCatalog::patient_rows): one clause selects exactly the patient rows of one patient
// (`patient=X`, `subject=Patient/X`), another one token value with a code, without modifiers.
struct PatientToken {
  const SearchClause* patient = nullptr;
  const SearchClause* token = nullptr;
};

bool selects_one_patient(const SearchClause& c, const IndexSource& rows) {
  if (c.kind != ParamKind::Reference || c.chain || !c.modifier.empty() || c.any_of.size() != 1) return false;
  const SearchValue& v = c.any_of.front();
  if (v.target_id.empty()) return false;
  if (c.sources.size() == 1 && c.sources.front().param == rows.param &&
      c.sources.front().target_type == rows.target_type) {
    return v.target_type.empty() || v.target_type == rows.target_type;  // patient=X, patient=Patient/X
  }
  return c.sources.empty() && c.param == rows.param && v.target_type == rows.target_type;  // subject=Patient/X
}

bool one_token_code(const SearchClause& c) {
  return c.kind == ParamKind::Token && !c.chain && c.modifier.empty() && c.any_of.size() == 1 &&
         !c.any_of.front().code.empty();
}

// Whether idx_token_patient holds the rows `c` reads (not those of kTokenParamNotPerPatient).
bool token_rows_per_patient(const SearchClause& c) {
  if (c.sources.empty()) return stored_per_patient(c.param);
  return std::all_of(c.sources.begin(), c.sources.end(),
                     [](const IndexSource& s) { return stored_per_patient(s.param); });
}

std::optional<PatientToken> pick_patient_token(const SearchQuery& query) {
  if (!query.patient_rows) return std::nullopt;
  PatientToken pt;
  for (const SearchClause& c : query.all_of) {
    if (!pt.patient && selects_one_patient(c, *query.patient_rows)) {
      pt.patient = &c;
    } else if (!pt.token && one_token_code(c) && token_rows_per_patient(c)) {
      pt.token = &c;
    }
  }
  if (!pt.patient || !pt.token) return std::nullopt;
  return pt;
}

// "FROM idx_token_patient d JOIN resources r ... WHERE d.type = ? AND d.patient = ? AND <token>": with a
// system the rows come out in rid order (primary key (type, patient, param, code, system, rid)).
void patient_token_rows(SqlBuilder& b, const std::string& type, const PatientToken& pt, std::int64_t now_ms) {
  const SearchValue& patient = pt.patient->any_of.front();
  b << " FROM idx_token_patient d JOIN resources r ON r.rid = d.rid WHERE d.type = ";
  b.bind(type) << " AND d.patient = ";
  b.bind(patient.target_id) << " AND ";
  param_condition(b, "d", pt.token->param, pt.token->sources);
  b << " AND ";
  value_condition(b, type, *pt.token, pt.token->any_of.front(), now_ms);
}

void sort_expression(SqlBuilder& b, const std::string& type, const SortKey& key) {
  if (key.param == "_id") {
    b << "r.id";
    return;
  }
  if (key.param == "_lastUpdated") {
    b << "r.last_updated";
    return;
  }
  const char* aggregate = key.descending ? "MAX" : "MIN";
  std::string column = "value";
  switch (key.kind) {
    case ParamKind::Token:
    case ParamKind::Uri: column = "code"; break;
    case ParamKind::Date: column = key.descending ? "high" : "low"; break;
    case ParamKind::Reference:
      // A rid-keyed row sorts by the id of the resource its key names, like the rows that hold the id.
      column = reads_target_rid_keys(type, key.kind, key.param, key.sources)
                   ? std::string("CASE WHEN s.target_id >= '") + kTargetRidKeyMark +
                         "' THEN (SELECT t.id FROM resources t WHERE t.rid = fhirgw_rid_of_key(s.target_id)) "
                         "ELSE s.target_id END"
                   : "target_id";
      break;
    default: break;
  }
  b << "(SELECT " << aggregate << "(" << column << ") FROM " << index_table(key.kind) << " s WHERE s.rid = r.rid AND ";
  param_condition(b, "s", key.param, key.sources);
  b << " AND s.type = ";
  b.bind(type) << ")";
}

void bind_all(Statement& stmt, const std::vector<Binding>& bindings) {
  int index = 1;
  for (const Binding& b : bindings) {
    if (const auto* i = std::get_if<std::int64_t>(&b)) {
      stmt.bind(index, *i);
    } else if (const auto* d = std::get_if<double>(&b)) {
      stmt.bind(index, *d);
    } else {
      stmt.bind(index, std::get<std::string>(b));
    }
    ++index;
  }
}

std::optional<std::int64_t> parse_cursor(const std::string& cursor) {
  if (cursor.empty()) return std::nullopt;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), v);
  if (ec != std::errc() || end != cursor.data() + cursor.size()) throw InvalidCursor("not a search cursor");
  return v;
}

}  // namespace

SearchResult run_search(Connection& db, const SearchQuery& query, std::int64_t now_ms) {
  // One clause drives the query through its index (rows of one value come out in resource order, so
  // with the default order the first page stops after `limit` matches); the other clauses are probes
  // of the candidate resource. Nothing collects all matches unless a _sort asks for it.
  const std::optional<PatientToken> patient_token = pick_patient_token(query);
  const SearchClause* driver = patient_token ? nullptr : pick_driver(query.all_of);
  const bool driven = patient_token || driver;
  const std::string key = driven ? "d.rid" : "r.rid";
  SqlBuilder where;
  if (patient_token) {
    patient_token_rows(where, query.type, *patient_token, now_ms);
    where << " AND r.deleted = 0";
  } else if (driver) {
    // A resource with several matching rows comes out once (SELECT DISTINCT, which SQLite does as it
    // goes, without sorting first). Index rows exist only for live resources, so the join is there
    // for the id (and for _id / _lastUpdated clauses).
    const std::string_view join = " JOIN resources r ON r.rid = d.rid";
    if (driver->chain && driver->chain->clause) {
      chain_rows(where, query.type, *driver, "d", true, now_ms, 0, join);
    } else {
      index_rows(where, query.type, *driver, "d", true, driver->modifier != "missing", now_ms, join);
    }
    where << " AND r.deleted = 0";
  } else {
    where << " FROM resources r WHERE r.type = ";
    where.bind(query.type) << " AND r.deleted = 0";
  }
  for (const SearchClause& c : query.all_of) {
    if (&c == driver || (patient_token && (&c == patient_token->patient || &c == patient_token->token))) continue;
    where << " AND ";
    probe_condition(where, query.type, c, "r", key, now_ms);
  }

  SearchResult result;
  const bool keyset = query.sort.empty();
  const auto after = keyset ? parse_cursor(query.after) : std::nullopt;
  const auto before = keyset ? parse_cursor(query.before) : std::nullopt;
  if (query.limit > 0) {
    SqlBuilder select;
    // Without a driving index every row is one resource: no DISTINCT, and resources_by_type gives
    // them in rid order.
    select << (driven ? "SELECT DISTINCT " : "SELECT ") << key << ", r.id" << where.sql;
    select.bindings = where.bindings;
    if (after) {
      select << " AND " << key << " > ";
      select.bind(*after);
    }
    if (before) {
      select << " AND " << key << " < ";
      select.bind(*before);
    }
    select << " ORDER BY ";
    for (const SortKey& k : query.sort) {
      sort_expression(select, query.type, k);
      select << (k.descending ? " DESC, " : " ASC, ");
    }
    select << key << (before ? " DESC" : " ASC") << " LIMIT ";
    select.bind(static_cast<std::int64_t>(query.limit) + 1);  // one more tells whether there is more

    StatementScope stmt(db.cached_generated(select.sql));
    bind_all(*stmt, select.bindings);
    std::vector<std::int64_t> rids;
    while (stmt->step()) {
      if (result.matches.size() == query.limit) {
        result.more = true;
        break;
      }
      rids.push_back(stmt->column_int(0));
      result.matches.push_back(ResourceRef{query.type, stmt->column_text(1)});
    }
    if (before) {
      std::reverse(rids.begin(), rids.end());
      std::reverse(result.matches.begin(), result.matches.end());
    }
    if (query.with_bodies) {
      for (const std::int64_t rid : rids) {
        StatementScope body(db.cached("SELECT body FROM resources WHERE rid = ?"));
        body->bind(1, rid);
        result.bodies.push_back(body->step() ? body->column_text(0) : std::string());
      }
    }
    if (!rids.empty()) {
      result.first_cursor = std::to_string(rids.front());
      result.last_cursor = std::to_string(rids.back());
    }
  }
  if (query.count_total) {
    if (!after && !before && !result.more && query.limit > 0) {
      result.total = result.matches.size();
    } else {
      StatementScope count(db.cached_generated("SELECT COUNT(DISTINCT " + key + ")" + where.sql));
      bind_all(*count, where.bindings);
      if (count->step()) result.total = static_cast<std::size_t>(count->column_int(0));
    }
  }
  return result;
}

}  // namespace fhirgw::storage
