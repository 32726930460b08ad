// Loading of the TSV code tables, systems and record schema.
#include "fhir/mappings/tables.h"

#include <charconv>

namespace fhir::mappings {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Calls fn(line_number, columns) for every non-comment, non-blank line.
template <typename Fn>
void for_each_row(std::string_view text, Fn&& fn) {
  std::uint32_t line_no = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++line_no;
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!trim(line).empty() && line.front() != '#') {
      auto cols = split(line, '\t');
      for (auto& c : cols) c = trim(c);
      fn(line_no, cols);
    }
    if (end == text.size()) break;
    start = end + 1;
  }
}

FieldKind field_kind(std::string_view k) {
  static const std::pair<std::string_view, FieldKind> kKinds[] = {{"id", FieldKind::Id},
                                                                  {"source", FieldKind::Source},
                                                                  {"date", FieldKind::Date},
                                                                  {"datetime", FieldKind::DateTime},
                                                                  {"uri", FieldKind::Uri},
                                                                  {"enum", FieldKind::Enum},
                                                                  {"decimal", FieldKind::Decimal},
                                                                  {"integer", FieldKind::Integer},
                                                                  {"boolean", FieldKind::Boolean},
                                                                  {"object", FieldKind::Object},
                                                                  {"array", FieldKind::Array},
                                                                  {"false_or_date", FieldKind::FalseOrDate},
                                                                  {"int_or_string", FieldKind::IntOrString}};
  if (k.starts_with("local:")) return FieldKind::Local;
  for (const auto& [name, kind] : kKinds)
    if (name == k) return kind;
  return FieldKind::String;
}

std::string col(const std::vector<std::string_view>& cols, std::size_t i) {
  return i < cols.size() ? std::string(cols[i]) : std::string();
}

}  // namespace

bool CodeRow::has_flag(std::string_view f) const {
  for (const auto& x : flags)
    if (x == f) return true;
  return false;
}

std::string_view CodeRow::flag_value(std::string_view prefix) const {
  for (const auto& x : flags)
    if (x.starts_with(prefix)) return std::string_view(x).substr(prefix.size());
  return {};
}

bool CodeTable::knows(std::string_view local) const { return first(local) != nullptr; }

const CodeRow* CodeTable::first(std::string_view local) const {
  for (const auto& r : rows)
    if (r.local_code == local) return &r;
  return nullptr;
}

std::vector<const CodeRow*> CodeTable::forward(std::string_view local, std::string_view qualifier) const {
  std::vector<const CodeRow*> exact, any;
  for (const auto& r : rows) {
    if (r.local_code != local || r.system.empty() || r.reverse_only) continue;
    if (!qualifier.empty() && r.qualifier == qualifier) exact.push_back(&r);
    if (r.qualifier.empty()) any.push_back(&r);
  }
  if (!exact.empty()) return exact;
  // A row qualified by another value (e.g. AFP ng/mL when the unit is mg/L) is not sent.
  return any;
}

const CodeRow* CodeTable::forward_first(std::string_view local, std::string_view qualifier) const {
  const CodeRow* any = nullptr;
  for (const auto& r : rows) {
    if (r.local_code != local || r.system.empty() || r.reverse_only) continue;
    if (!qualifier.empty() && r.qualifier == qualifier) return &r;  // an exact row wins over any earlier one
    if (r.qualifier.empty() && any == nullptr) any = &r;
  }
  return any;
}

const CodeRow* CodeTable::reverse(std::string_view system, std::string_view code) const {
  for (const auto& r : rows)
    if (r.code == code && r.system == system) return &r;
  return nullptr;
}

const Tables& Tables::builtin() {
  static const Tables tables = [] {
    std::string error;
    auto t = Tables::from_files({}, &error);
    if (!t) return Tables{};  // unreachable: the embedded files are checked by the unit tests
    return std::move(*t);
  }();
  return tables;
}

std::optional<Tables> Tables::from_files(const std::map<std::string, std::string>& files, std::string* error) {
  std::map<std::string, std::string> all = embedded_table_files();
  for (const auto& [name, text] : files) all[name] = text;

  Tables t;
  auto fail = [&](const std::string& file, std::uint32_t line, const std::string& why) {
    if (error) *error = file + ":" + std::to_string(line) + ": " + why;
    return std::nullopt;
  };

  bool bad = false;
  std::string bad_msg;
  auto systems = all.find("systems.tsv");
  if (systems == all.end()) return fail("systems.tsv", 0, "missing");
  for_each_row(systems->second, [&](std::uint32_t line, const std::vector<std::string_view>& c) {
    if (c.size() < 2 || c[0].empty() || c[1].empty()) {
      bad = true;
      bad_msg = "systems.tsv:" + std::to_string(line) + ": expected key<TAB>uri";
      return;
    }
    t.systems_[std::string(c[0])] = std::string(c[1]);
  });
  if (bad) {
    if (error) *error = bad_msg;
    return std::nullopt;
  }
  auto base = t.systems_.find("local-base");
  if (base == t.systems_.end()) return fail("systems.tsv", 0, "no local-base row");
  t.local_base_ = base->second;
  while (!t.local_base_.empty() && t.local_base_.back() == '/') t.local_base_.pop_back();

  for (const auto& named_text : all) {
    // Plain references, not structured bindings: clang 14 cannot capture those in the lambda below.
    const auto& name = named_text.first;
    const auto& text = named_text.second;
    if (!name.starts_with("codes/") || !name.ends_with(".tsv")) continue;
    CodeTable table;
    table.kind = name.substr(6, name.size() - 10);
    for_each_row(text, [&](std::uint32_t line, const std::vector<std::string_view>& c) {
      if (bad) return;
      if (c.empty() || c[0].empty()) {
        bad = true;
        bad_msg = name + ":" + std::to_string(line) + ": empty local code";
        return;
      }
      CodeRow row;
      row.local_code = col(c, 0);
      row.qualifier = col(c, 1);
      const std::string sys = col(c, 2);
      row.code = col(c, 3);
      if (sys.empty() != row.code.empty()) {
        bad = true;
        bad_msg = name + ":" + std::to_string(line) + ": system and code must both be given or both be empty";
        return;
      }
      if (!sys.empty()) {
        row.system = t.system(sys);
        if (row.system.empty()) {
          bad = true;
          bad_msg = name + ":" + std::to_string(line) + ": unknown system key '" + sys + "' (add it to systems.tsv)";
          return;
        }
      }
      row.display = col(c, 4);
      const std::string flags = col(c, 5);  // split() returns views into it: keep it alive for the loop
      for (auto f : split(flags, ' ')) {
        if (!trim(f).empty()) row.flags.emplace_back(trim(f));
      }
      row.source = col(c, 6);
      row.reverse_only = row.has_flag("reverse-only");
      if (!row.system.empty() && row.source.empty()) {
        bad = true;
        bad_msg = name + ":" + std::to_string(line) + ": a standard code needs its source";
        return;
      }
      table.rows.push_back(std::move(row));
    });
    if (bad) break;
    t.tables_[table.kind] = std::move(table);
  }
  if (bad) {
    if (error) *error = bad_msg;
    return std::nullopt;
  }

  auto schema = all.find("record_schema.tsv");
  if (schema == all.end()) return fail("record_schema.tsv", 0, "missing");
  for_each_row(schema->second, [&](std::uint32_t line, const std::vector<std::string_view>& c) {
    if (bad) return;
    if (c.size() < 4) {
      bad = true;
      bad_msg = "record_schema.tsv:" + std::to_string(line) + ": expected record_type, field, kind, required";
      return;
    }
    FieldRule r;
    r.record_type = col(c, 0);
    r.path = col(c, 1);
    r.kind = col(c, 2);
    r.required = c[3] == "yes";
    const std::string values = col(c, 4);
    if (const auto dots = values.find(".."); dots != std::string::npos) {
      double lo = 0, hi = 0;
      auto [p1, e1] = std::from_chars(values.data(), values.data() + dots, lo);
      auto [p2, e2] = std::from_chars(values.data() + dots + 2, values.data() + values.size(), hi);
      if (e1 != std::errc{} || e2 != std::errc{}) {
        bad = true;
        bad_msg = "record_schema.tsv:" + std::to_string(line) + ": bad range '" + values + "'";
        return;
      }
      r.min = lo;
      r.max = hi;
    } else if (!values.empty()) {
      for (auto v : split(values, '|')) r.values.emplace_back(v);
    }
    if (r.kind.starts_with("local:") && !t.tables_.contains(r.kind.substr(6))) {
      bad = true;
      bad_msg = "record_schema.tsv:" + std::to_string(line) + ": no code table '" + r.kind.substr(6) + "'";
      return;
    }
    for (auto seg : split(r.path, '.')) r.segments.emplace_back(seg);
    r.head = r.segments.front().substr(0, r.segments.front().find('['));
    r.kind_id = field_kind(r.kind);
    t.rules_.push_back(std::move(r));
  });
  if (bad) {
    if (error) *error = bad_msg;
    return std::nullopt;
  }
  t.index_rules();
  return t;
}

void Tables::index_rules() {
  // Precomputed URLs (see local_system / extension_url).
  static const char* const kExtraKinds[] = {"pathology",  "child-pugh-class", "stage-BCLC",       "stage-CNLC",
                                            "stage-TNM8", "score-ECOG",       "score-CHILD_PUGH", "score-BCLC"};
  static const char* const kExtensions[] = {"record-updated-at",
                                            "record-status",
                                            "patient-hbv-carrier",
                                            "diagnosis-primary",
                                            "diagnosis-clinical-status",
                                            "administration-frequency",
                                            "administration-route",
                                            "treatment-cycle",
                                            "treatment-regimen",
                                            "result-unit",
                                            "result-reported-at",
                                            "response-criteria",
                                            "lesion-target",
                                            "ctcae-grade",
                                            "adverse-event-resolved",
                                            "suspect-drug"};
  local_systems_.clear();
  extension_urls_.clear();
  for (const auto& [kind, table] : tables_) local_systems_[kind] = local_base_ + "/CodeSystem/" + kind;
  for (const char* k : kExtraKinds) local_systems_[k] = local_base_ + "/CodeSystem/" + k;
  for (const char* e : kExtensions) extension_urls_[e] = local_base_ + "/StructureDefinition/" + e;
  for (auto& r : rules_)
    r.local_table = r.kind_id == FieldKind::Local ? table(std::string_view(r.kind).substr(6)) : nullptr;
  rules_by_type_.clear();
  for (const auto& r : rules_)
    if (r.record_type != "*") rules_by_type_[r.record_type];
  for (auto& [type, list] : rules_by_type_)
    for (const auto& r : rules_)
      if (r.record_type == "*" || r.record_type == type) list.push_back(&r);
}

Tables::Tables(const Tables& o) { *this = o; }
Tables& Tables::operator=(const Tables& o) {
  if (this == &o) return *this;
  systems_ = o.systems_;
  tables_ = o.tables_;
  rules_ = o.rules_;
  local_base_ = o.local_base_;
  index_rules();
  return *this;
}

const CodeTable* Tables::table(std::string_view kind) const {
  auto it = tables_.find(kind);
  return it == tables_.end() ? nullptr : &it->second;
}

std::string_view Tables::system(std::string_view key) const {
  if (key.find(':') != std::string_view::npos) return key;  // already a URI
  auto it = systems_.find(key);
  return it == systems_.end() ? std::string_view() : std::string_view(it->second);
}

std::string_view Tables::derived_url(const std::map<std::string, std::string, std::less<>>& cache,
                                     std::string_view infix, std::string_view name) const {
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  // Not precomputed: build it in a small per-thread ring, valid for the next few calls.
  thread_local std::string ring[8];
  thread_local unsigned next = 0;
  std::string& slot = ring[next++ % 8];
  slot.assign(local_base_).append(infix).append(name);
  return slot;
}

const std::vector<const FieldRule*>& Tables::rules_for(std::string_view record_type) const {
  static const std::vector<const FieldRule*> kNone;
  auto it = rules_by_type_.find(record_type);
  return it == rules_by_type_.end() ? kNone : it->second;
}

}  // namespace fhir::mappings
