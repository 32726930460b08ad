#include "storage/sqlite_search.h"

#include <cmath>
#include <string>
#include <variant>
#include <vector>

#include "storage/sqlite_connection.h"
#include "storage/store.h"

namespace fhirgw::storage {

SearchClause::SearchClause(const SearchClause& o)
    : param(o.param), kind(o.kind), modifier(o.modifier), missing(o.missing), any_of(o.any_of) {
  if (o.chain) {
    chain = Chain{o.chain->target_type,
                  o.chain->clause ? std::make_unique<SearchClause>(*o.chain->clause) : nullptr};
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
    case ParamKind::Uri:
      return "idx_token";
    case ParamKind::String:
      return "idx_string";
    case ParamKind::Date:
      return "idx_date";
    case ParamKind::Reference:
      return "idx_reference";
    case ParamKind::Quantity:
      return "idx_quantity";
    case ParamKind::Number:
      return "idx_number";
    case ParamKind::Id:
    case ParamKind::LastUpdated:
      break;
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

void value_condition(SqlBuilder& b, const SearchClause& c, const SearchValue& value, std::int64_t now_ms) {
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
        b << "target_id = ";
        b.bind(value.target_id);
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
    case ParamKind::LastUpdated:
      return;
  }
}

void clause_condition(SqlBuilder& b, const std::string& type, const SearchClause& c, const std::string& alias,
                      std::int64_t now_ms, int depth);

// subject:Patient.identifier=x: rids of references whose target matches the inner clause.
void chain_subquery(SqlBuilder& b, const std::string& type, const SearchClause& c, std::int64_t now_ms, int depth) {
  const std::string inner = "c" + std::to_string(depth);
  b << "SELECT rid FROM idx_reference WHERE type = ";
  b.bind(type) << " AND param = ";
  b.bind(c.param) << " AND target_type = ";
  b.bind(c.chain->target_type) << " AND target_id IN (SELECT " << inner << ".id FROM resources " << inner << " WHERE "
                               << inner << ".type = ";
  b.bind(c.chain->target_type) << " AND " << inner << ".deleted = 0 AND ";
  clause_condition(b, c.chain->target_type, *c.chain->clause, inner, now_ms, depth + 1);
  b << ")";
}

// rid IN (SELECT rid FROM idx_x WHERE type=? AND param=? AND (v1 OR v2 ...))
void index_subquery(SqlBuilder& b, const std::string& type, const SearchClause& c, bool with_values,
                    std::int64_t now_ms) {
  b << "SELECT rid FROM " << index_table(c.kind) << " WHERE type = ";
  b.bind(type) << " AND param = ";
  b.bind(c.param);
  if (with_values && !c.any_of.empty()) {
    b << " AND (";
    for (std::size_t i = 0; i < c.any_of.size(); ++i) {
      if (i) b << " OR ";
      value_condition(b, c, c.any_of[i], now_ms);
    }
    b << ")";
  }
}

void clause_condition(SqlBuilder& b, const std::string& type, const SearchClause& c, const std::string& alias,
                      std::int64_t now_ms, int depth) {
  if (c.kind == ParamKind::Id) {
    b << alias << ".id " << (c.modifier == "not" ? "NOT IN (" : "IN (");
    for (std::size_t i = 0; i < c.any_of.size(); ++i) {
      if (i) b << ", ";
      b.bind(c.any_of[i].code);
    }
    b << ")";
    return;
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
    return;
  }
  if (c.modifier == "missing") {
    b << alias << ".rid " << (c.missing ? "NOT IN (" : "IN (");
    index_subquery(b, type, c, false, now_ms);
    b << ")";
    return;
  }
  if (c.chain && c.chain->clause) {
    b << alias << ".rid IN (";
    chain_subquery(b, type, c, now_ms, depth);
    b << ")";
    return;
  }
  // :not on tokens: resources with no matching row (including those without the element).
  const bool negate = c.modifier == "not";
  b << alias << ".rid " << (negate ? "NOT IN (" : "IN (");
  index_subquery(b, type, c, true, now_ms);
  b << ")";
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
    case ParamKind::Uri:
      column = "code";
      break;
    case ParamKind::Date:
      column = key.descending ? "high" : "low";
      break;
    case ParamKind::Reference:
      column = "target_id";
      break;
    default:
      break;
  }
  b << "(SELECT " << aggregate << "(" << column << ") FROM " << index_table(key.kind) << " s WHERE s.rid = r.rid AND s.param = ";
  b.bind(key.param) << " AND s.type = ";
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

}  // namespace

SearchResult run_search(Connection& db, const SearchQuery& query, std::int64_t now_ms) {
  // A clause that selects rows of an index table ("rid IN (SELECT rid FROM idx_... WHERE type = ...)")
  // drives the query: put it first and leave out "r.type = ?", so SQLite looks resources up by rowid
  // from that list instead of scanning every resource of the type.
  auto drives = [](const SearchClause& c) {
    if (c.kind == ParamKind::Id || c.kind == ParamKind::LastUpdated || c.modifier == "not") return false;
    return !(c.modifier == "missing" && c.missing);
  };
  // Several such clauses are intersected first (INTERSECT of rid lists), so only rows matching all
  // of them are looked up.
  SqlBuilder where;
  where << " FROM resources r WHERE r.deleted = 0";
  bool driven = false;
  for (const SearchClause& c : query.all_of) {
    if (!drives(c)) continue;
    where << (driven ? " INTERSECT " : " AND r.rid IN (");
    driven = true;
    if (c.chain && c.chain->clause) {
      chain_subquery(where, query.type, c, now_ms, 0);
    } else {
      index_subquery(where, query.type, c, c.modifier != "missing", now_ms);
    }
  }
  if (driven) {
    where << ")";
  } else {
    where << " AND r.type = ";
    where.bind(query.type);
  }
  for (const SearchClause& c : query.all_of) {
    if (drives(c)) continue;
    where << " AND ";
    clause_condition(where, query.type, c, "r", now_ms, 0);
  }

  SearchResult result;
  SqlBuilder select;
  select << "SELECT r.id" << where.sql;
  select.bindings = where.bindings;
  select << " ORDER BY ";
  for (const SortKey& key : query.sort) {
    sort_expression(select, query.type, key);
    select << (key.descending ? " DESC, " : " ASC, ");
  }
  select << "r.rid LIMIT ";
  select.bind(static_cast<std::int64_t>(query.limit));

  auto stmt = db.prepare(select.sql);
  bind_all(*stmt, select.bindings);
  while (stmt->step()) {
    result.matches.push_back(ResourceRef{query.type, stmt->column_text(0)});
  }
  if (query.count_total) {
    if (result.matches.size() < query.limit) {
      result.total = result.matches.size();
    } else {
      auto count = db.prepare("SELECT COUNT(*)" + where.sql);
      bind_all(*count, where.bindings);
      if (count->step()) result.total = static_cast<std::size_t>(count->column_int(0));
    }
  }
  return result;
}

}  // namespace fhirgw::storage
