// Splitting NDJSON / JSON-array input into records and checking each record against the contract.
#include "fhir/mappings/records.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <string>

#include "datetime.h"
#include "fhir/validation/primitives.h"

namespace fhir::mappings {

using Node = json::CompactNode;
using validation::Severity;

namespace {

constexpr std::array<std::string_view, 9> kRecordTypes = {"patient",    "diagnosis",        "drug_administration",
                                                          "lab_result", "tumor_assessment", "clinical_score",
                                                          "surgery",    "pathology",        "adverse_event"};

bool is_record_type(std::string_view t) {
  for (auto x : kRecordTypes)
    if (x == t) return true;
  return false;
}

bool id_chars(std::string_view s, bool allow_colon) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_' || (allow_colon && c == ':');
    if (!ok) return false;
  }
  return true;
}

const char* json_kind_name(const Node& n) {
  switch (n.kind()) {
    case json::Kind::Null: return "null";
    case json::Kind::True:
    case json::Kind::False: return "a boolean";
    case json::Kind::Number: return "a number";
    case json::Kind::String: return "a string";
    case json::Kind::Array: return "an array";
    case json::Kind::Object: return "an object";
  }
  return "?";
}

// A field's name for messages ("dose.value", "lesions[1].longest_mm"), built only when a message needs it.
struct FieldName {
  const std::string& prefix;  // "" or the enclosing field ("dose", "lesions[1]")
  std::string_view name;
  std::ptrdiff_t index = -1;  // item of the array `name`, or -1
  std::string str() const {
    std::string s = prefix;
    if (!s.empty() && !name.empty()) s.push_back('.');
    s.append(name);
    if (index >= 0) s.append("[").append(std::to_string(index)).append("]");
    return s;
  }
};

struct Checker {
  std::uint32_t line;
  const Tables& tables;
  validation::Outcome& outcome;
  bool ok = true;

  void error(std::string_view code, const std::string& field, const std::string& reason) {
    ok = false;
    add_record_issue(outcome, Severity::Error, code, line, field, reason);
  }
  void warning(std::string_view code, const std::string& field, const std::string& reason) {
    add_record_issue(outcome, Severity::Warning, code, line, field, reason);
  }

  void wrong_type(const std::string& field, const Node& v, const char* expected) {
    error("structure", field, std::string("expected ") + expected + ", found " + json_kind_name(v));
  }

  void check_range(const FieldRule& rule, const FieldName& field, std::string_view text) {
    if (!rule.min && !rule.max) return;
    const std::string t(text);
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if ((rule.min && v < *rule.min) || (rule.max && v > *rule.max)) {
      error("value", field.str(),
            "value " + t + " is outside " + std::to_string(static_cast<long long>(*rule.min)) + ".." +
                std::to_string(static_cast<long long>(*rule.max)));
    }
  }

  void check_value(const FieldRule& rule, const FieldName& field, const Node& v) {
    const FieldKind k = rule.kind_id;
    if (v.is_null()) {
      if (rule.required) error("required", field.str(), "required field is null");
      return;
    }
    if (k == FieldKind::Object) {
      if (!v.is_object()) wrong_type(field.str(), v, "an object");
    } else if (k == FieldKind::Array) {
      if (!v.is_array()) wrong_type(field.str(), v, "an array");
    } else if (k == FieldKind::Boolean) {
      if (!v.is_bool()) wrong_type(field.str(), v, "true or false");
    } else if (k == FieldKind::Integer) {
      if (!v.is_number()) return wrong_type(field.str(), v, "an integer number");
      if (validation::check_integer(v.text(), -2147483648LL, 2147483647LL) != nullptr)
        return error("value", field.str(), "'" + std::string(v.text()) + "' is not an integer");
      check_range(rule, field, v.text());
    } else if (k == FieldKind::Decimal) {
      if (!v.is_number() && !v.is_string()) return wrong_type(field.str(), v, "a decimal (number or string)");
      if (validation::check_decimal(v.text()) != nullptr)
        return error("value", field.str(), "'" + std::string(v.text()) + "' is not a decimal");
      check_range(rule, field, v.text());
    } else if (k == FieldKind::FalseOrDate) {
      if (v.kind() == json::Kind::False) return;
      if (!v.is_string()) return wrong_type(field.str(), v, "false or a date");
      if (const char* why = validation::check_date(v.text()))
        error("value", field.str(), "'" + std::string(v.text()) + "' is not a valid date: " + why);
    } else if (k == FieldKind::IntOrString) {
      if (v.is_number()) {
        if (validation::check_integer(v.text(), -2147483648LL, 2147483647LL) != nullptr)
          error("value", field.str(), "'" + std::string(v.text()) + "' is not an integer");
      } else if (!v.is_string() || v.text().empty()) {
        wrong_type(field.str(), v, "an integer or a string");
      }
    } else {
      // Every other kind is a non-empty string.
      if (!v.is_string()) return wrong_type(field.str(), v, "a string");
      const std::string_view s = v.text();
      if (s.empty()) return error("value", field.str(), "empty string");
      if (k == FieldKind::Id) {
        if (!id_chars(s, true))
          error("value", field.str(), "'" + std::string(s) + "' is not a valid id ([A-Za-z0-9.-_:]{1,64})");
      } else if (k == FieldKind::Source) {
        if (!id_chars(s, false))
          error("value", field.str(), "'" + std::string(s) + "' is not a valid source ([A-Za-z0-9.-_]{1,64})");
      } else if (k == FieldKind::Date) {
        if (const char* why = validation::check_date(s))
          error("value", field.str(), "'" + std::string(s) + "' is not a valid date: " + why);
      } else if (k == FieldKind::DateTime) {
        if (const char* why = validation::check_date_time(s))
          error("value", field.str(), "'" + std::string(s) + "' is not a valid dateTime: " + why);
      } else if (k == FieldKind::Uri) {
        if (const char* why = validation::check_uri(s))
          error("value", field.str(), "'" + std::string(s) + "' is not a valid URI: " + why);
      } else if (k == FieldKind::Enum) {
        bool found = false;
        for (const auto& x : rule.values) found = found || x == s;
        if (!found) {
          std::string allowed;
          for (const auto& x : rule.values) allowed += (allowed.empty() ? "" : "|") + x;
          error("code-invalid", field.str(), "'" + std::string(s) + "' is not one of " + allowed);
        }
      } else if (k == FieldKind::Local) {
        const CodeTable* t = rule.local_table;
        if (t && !t->knows(s))
          warning("code-invalid", field.str(),
                  "unknown local code '" + std::string(s) + "' (table " + t->kind +
                      "): mapped with the local coding alone");
      }
    }
  }

  // Walks `segs[i..]` below `node`, calling check_value (or reporting a missing required field) at the leaf.
  void walk(const FieldRule& rule, const Node& node, const std::vector<std::string>& segs, std::size_t i,
            const std::string& prefix) {
    std::string_view seg = segs[i];
    if (seg.ends_with("[]")) seg.remove_suffix(2);
    walk_from(rule, node.find(seg), segs, i, prefix);
  }
  // The same once the member segs[i] names is looked up (`child`, nullptr when absent).
  void walk_from(const FieldRule& rule, const Node* child, const std::vector<std::string>& segs, std::size_t i,
                 const std::string& prefix) {
    std::string_view seg = segs[i];
    const bool each = seg.ends_with("[]");
    if (each) seg.remove_suffix(2);
    const bool last = i + 1 == segs.size();
    if (!each) {
      if (last) {
        if (!child) {
          if (rule.required) error("required", FieldName{prefix, seg}.str(), "missing required field");
        } else {
          check_value(rule, FieldName{prefix, seg}, *child);
        }
        return;
      }
      if (child && child->is_object()) walk(rule, *child, segs, i + 1, FieldName{prefix, seg}.str());
      return;
    }
    if (!child || !child->is_array()) return;  // the container's own rule reports it
    for (std::size_t k = 0; k < child->items().size(); ++k) {
      const Node& item = child->items()[k];
      const FieldName item_field{prefix, seg, static_cast<std::ptrdiff_t>(k)};
      if (last) {
        check_value(rule, item_field, item);
      } else if (item.is_object()) {
        walk(rule, item, segs, i + 1, item_field.str());
      }
    }
  }
};

std::string_view text_of(const Node& rec, std::string_view key) {
  const Node* n = rec.find(key);
  return n && n->is_string() ? n->text() : std::string_view{};
}

void check_cross_fields(const Node& rec, std::string_view type, Checker& c) {
  auto order = [&](std::string_view start_key, std::string_view end_key) {
    const auto s = text_of(rec, start_key), e = text_of(rec, end_key);
    if (!s.empty() && !e.empty() && certainly_before(e, s))
      c.error("value", std::string(end_key),
              std::string(end_key) + " '" + std::string(e) + "' is before " + std::string(start_key) + " '" +
                  std::string(s) + "'");
  };
  if (type == "drug_administration") {
    order("start", "end");
    if (rec.find("reason_not_given") && text_of(rec, "status") != "not_done" && text_of(rec, "status") != "stopped")
      c.warning("business-rule", "reason_not_given", "reason_not_given is expected with status not_done or stopped");
  } else if (type == "surgery") {
    order("start", "end");
    const auto st = text_of(rec, "status");
    if ((st == "completed" || st == "in_progress") && !rec.find("start"))
      c.error("required", "start", "start is required when status is " + std::string(st));
  } else if (type == "adverse_event") {
    order("onset", "resolved");
  } else if (type == "clinical_score") {
    const auto scale = text_of(rec, "scale");
    const Node* v = rec.find("value");
    if (!v && !rec.find("class")) c.error("required", "value", "a clinical_score needs value or class");
    if (v && (scale == "ECOG" || scale == "CHILD_PUGH")) {
      if (!v->is_number()) {
        c.error("structure", "value", std::string(scale) + " value must be an integer number");
      } else {
        const auto lo = scale == "ECOG" ? 0 : 5, hi = scale == "ECOG" ? 5 : 15;
        if (validation::check_integer(v->text(), lo, hi) != nullptr)
          c.error("value", "value",
                  std::string(scale) + " value '" + std::string(v->text()) + "' is outside " + std::to_string(lo) +
                      ".." + std::to_string(hi));
      }
    }
    if (rec.find("class") && scale != "CHILD_PUGH")
      c.error("value", "class", "class is only defined for scale CHILD_PUGH");
  } else if (type == "lab_result") {
    const auto st = text_of(rec, "status");
    if (!rec.find("value") && st != "cancelled" && st != "entered_in_error")
      c.error("required", "value", "value is required unless the result is cancelled");
    if (rec.find("comparator") && !rec.find("value")) c.error("required", "value", "comparator without value");
  } else if (type == "diagnosis") {
    const Node* p = rec.find("primary");
    if (p && p->as_bool() && rec.find("primary_of"))
      c.error("value", "primary_of", "a primary cancer cannot name a primary_of");
  }
}

}  // namespace

void add_record_issue(validation::Outcome& outcome, Severity severity, std::string_view code, std::uint32_t line,
                      std::string_view field, std::string_view reason) {
  validation::Issue issue;
  issue.severity = severity;
  issue.code = std::string(code);
  issue.expression = std::string(field);
  issue.location.line = line;
  issue.diagnostics = "line " + std::to_string(line);
  if (!field.empty()) issue.diagnostics += ", field '" + std::string(field) + "'";
  issue.diagnostics += ": ";
  issue.diagnostics += reason;
  outcome.add(std::move(issue));
}

RecordBatch RecordBatch::read(std::string_view text, validation::Outcome& outcome) {
  RecordBatch batch;
  std::size_t p = 0;
  while (p < text.size() && (text[p] == ' ' || text[p] == '\t' || text[p] == '\r' || text[p] == '\n')) ++p;
  if (p < text.size() && text[p] == '[') {
    auto parsed = json::parse_compact(text);
    if (!parsed) {
      add_record_issue(outcome, Severity::Error, "structure", parsed.error->location.line, "",
                       "not valid JSON: " + parsed.error->message);
      return batch;
    }
    batch.docs_.push_back(std::move(*parsed.document));
    const json::CompactDocument& doc = batch.docs_.back();
    std::uint32_t index = 0;
    for (const Node& item : doc.root().items()) {
      batch.records_.push_back(InputRecord{doc.locate(item.offset()).line, index++, &item, false});
    }
    return batch;
  }
  if (batch.read_joined(text)) return batch;
  std::uint32_t line_no = 0, index = 0;
  std::size_t start = 0;
  batch.docs_.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++line_no;
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    std::size_t k = 0;
    while (k < line.size() && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r')) ++k;
    if (k == line.size()) continue;  // blank lines are ignored
    auto parsed = json::parse_compact(line);
    if (!parsed) {
      add_record_issue(
          outcome, Severity::Error, "structure", line_no, "",
          "not valid JSON (column " + std::to_string(parsed.error->location.column) + "): " + parsed.error->message);
      batch.records_.push_back(InputRecord{line_no, index++, nullptr, true});
      continue;
    }
    batch.docs_.push_back(std::move(*parsed.document));
    batch.records_.push_back(InputRecord{line_no, index++, &batch.docs_.back().root(), false});
  }
  return batch;
}

// NDJSON fast path: the lines joined into one JSON array ("[" line1 "," line2 ... "]", newlines kept) are
// parsed in one pass, into one arena. It is used only when that array has one item per non-blank line and each
// item starts at its line's first non-blank byte: then every line is exactly one JSON value (the only
// separators are the commas added at line ends), so the records and their line numbers are the ones the
// line-by-line parse gives. Otherwise (a syntax error anywhere, a line with two values or half of one, a byte
// order mark, nesting at the depth limit) read() parses line by line, which reports each bad line.
bool RecordBatch::read_joined(std::string_view text) {
  std::string joined;
  joined.reserve(text.size() + 2);
  joined.push_back('[');
  std::vector<std::uint32_t> starts, lines;
  std::size_t last_comma = std::string::npos;
  std::uint32_t line_no = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++line_no;
    const std::string_view line = text.substr(start, end - start);
    const std::size_t k = line.find_first_not_of(" \t\r");
    if (k != std::string_view::npos) {
      starts.push_back(static_cast<std::uint32_t>(joined.size() + k));
      lines.push_back(line_no);
    }
    joined.append(line);
    if (k != std::string_view::npos) {
      last_comma = joined.size();
      joined.push_back(',');
    }
    if (end < text.size()) joined.push_back('\n');
    start = end + 1;
  }
  if (starts.empty() || joined.size() >= 0xFFFFFFF0u) return false;
  joined[last_comma] = ' ';
  joined.push_back(']');
  auto parsed = json::parse_compact(std::move(joined));
  if (!parsed) return false;
  const auto items = parsed.document->root().items();
  if (items.size() != starts.size()) return false;
  for (std::size_t i = 0; i < items.size(); ++i)
    if (items[i].offset() != starts[i]) return false;
  docs_.push_back(std::move(*parsed.document));
  const auto stored = docs_.back().root().items();
  records_.reserve(stored.size());
  for (std::size_t i = 0; i < stored.size(); ++i)
    records_.push_back(InputRecord{lines[i], static_cast<std::uint32_t>(i), &stored[i], false});
  return true;
}

bool check_record(const Node& record, std::uint32_t line, const Tables& tables, validation::Outcome& outcome) {
  Checker c{line, tables, outcome};
  if (!record.is_object()) {
    c.error("structure", "", std::string("a record must be a JSON object, found ") + json_kind_name(record));
    return false;
  }
  const Node* type = record.find("type");
  if (!type) {
    c.error("required", "type", "missing required field");
    return false;
  }
  if (!type->is_string() || !is_record_type(type->text())) {
    c.error("code-invalid", "type",
            "unknown record type '" + std::string(type->is_string() ? type->text() : "(not a string)") + "'");
    return false;
  }
  const std::string_view t = type->text();
  const auto& rules = tables.rules_for(t);
  // Each rule looks up its member (keys are unique: the parser refuses duplicates); the members no rule found
  // are not part of the contract. Found members are marked in a bit set (records have far fewer than 64).
  const auto members = record.members();
  const bool few = members.size() <= 64;
  std::uint64_t found = 0;
  for (const FieldRule* rule : rules) {
    const Node* head = record.find(rule->head);
    if (head && few) found |= std::uint64_t{1} << (head - members.data());
    if (rule->path != "type") c.walk_from(*rule, head, rule->segments, 0, "");
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    const Node& m = members[i];
    bool known = few && ((found >> i) & 1) != 0;
    for (std::size_t r = 0; !known && !few && r < rules.size(); ++r)
      known = std::string_view(rules[r]->head) == m.key();
    if (!known) c.warning("not-supported", std::string(m.key()), "field is not part of the record contract; ignored");
  }
  if (c.ok) check_cross_fields(record, t, c);
  return c.ok;
}

}  // namespace fhir::mappings
