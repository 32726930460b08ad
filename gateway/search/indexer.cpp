#include "search/indexer.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

#include "search/fhir_date.h"

namespace fhirgw::search {
namespace {

using fhir::json::Node;
using storage::IndexRows;

std::string text_of(const Node* n) { return n && n->is_primitive() ? std::string(n->text()) : std::string(); }

bool is_resource_type_name(std::string_view s) {
  return !s.empty() && std::isupper(static_cast<unsigned char>(s.front())) &&
         s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == std::string_view::npos;
}

// `extra_text`: the CodeableConcept's text, searched with each coding's display (`:text`), once when both
// say the same (a mapped lab result's LOINC and local codings: each row's text would hold it twice).
void add_coding(const std::string& param, const Node& coding, const std::string& extra_text, IndexRows& rows) {
  std::string text = normalize_string(text_of(coding.find("display")));
  if (!extra_text.empty() && text != extra_text) text = text.empty() ? extra_text : text + " " + extra_text;
  rows.tokens.push_back({param, text_of(coding.find("system")), text_of(coding.find("code")), std::move(text)});
}

void index_token(const std::string& param, const Node& n, IndexRows& rows) {
  if (n.is_primitive()) {
    rows.tokens.push_back({param, {}, std::string(n.text()), {}});
    return;
  }
  if (!n.is_object()) return;
  if (const Node* codings = n.find("coding")) {  // CodeableConcept
    const std::string cc_text = normalize_string(text_of(n.find("text")));
    bool any = false;
    if (codings->is_array()) {
      for (const Node& c : codings->items()) {
        if (c.is_object()) {
          add_coding(param, c, cc_text, rows);
          any = true;
        }
      }
    }
    if (!any && !cc_text.empty()) rows.tokens.push_back({param, {}, {}, cc_text});
    return;
  }
  if (const Node* value = n.find("value"); value && value->is_string()) {  // Identifier, ContactPoint
    std::string text;
    if (const Node* type = n.find("type"); type && type->is_object())
      text = normalize_string(text_of(type->find("text")));
    rows.tokens.push_back({param, text_of(n.find("system")), std::string(value->text()), std::move(text)});
    return;
  }
  if (n.find("code") || n.find("system")) {  // Coding
    add_coding(param, n, {}, rows);
    return;
  }
  if (const Node* text = n.find("text"); text && text->is_string()) {  // CodeableConcept with text only
    rows.tokens.push_back({param, {}, {}, normalize_string(text->text())});
  }
}

void add_string(const std::string& param, std::string_view s, IndexRows& rows) {
  if (s.empty()) return;
  rows.strings.push_back({param, normalize_string(s), std::string(s)});
}

void index_string(const std::string& param, const Node& n, IndexRows& rows) {
  if (n.is_string()) {
    add_string(param, n.text(), rows);
    return;
  }
  if (!n.is_object()) return;
  // HumanName, Address and the like: every string part is searchable.
  for (const auto& member : n.members()) {
    if (member.key == "use" || member.key == "type" || member.key == "period" || member.key == "extension" ||
        member.key == "id") {
      continue;
    }
    if (member.value.is_string()) {
      add_string(param, member.value.text(), rows);
    } else if (member.value.is_array()) {
      for (const Node& item : member.value.items()) {
        if (item.is_string()) add_string(param, item.text(), rows);
      }
    }
  }
}

void index_date(const std::string& param, const Node& n, IndexRows& rows) {
  if (n.is_string()) {
    if (auto r = parse_date_range(n.text())) rows.dates.push_back({param, r->low_ms, r->high_ms});
    return;
  }
  if (!n.is_object()) return;
  if (n.find("start") || n.find("end")) {  // Period: an open end is unbounded
    std::int64_t lo = std::numeric_limits<std::int64_t>::min();
    std::int64_t hi = std::numeric_limits<std::int64_t>::max();
    if (const Node* s = n.find("start"); s && s->is_string()) {
      if (auto r = parse_date_range(s->text())) lo = r->low_ms;
    }
    if (const Node* e = n.find("end"); e && e->is_string()) {
      if (auto r = parse_date_range(e->text())) hi = r->high_ms;
    }
    rows.dates.push_back({param, lo, hi});
    return;
  }
  if (const Node* events = n.find("event"); events && events->is_array()) {  // Timing
    for (const Node& e : events->items()) index_date(param, e, rows);
  }
}

void index_reference(const std::string& param, const Node& n, IndexRows& rows) {
  if (n.is_string()) {  // canonical / uri used as a reference
    auto row = parse_reference(n.text());
    row.param = param;
    rows.references.push_back(std::move(row));
    return;
  }
  if (!n.is_object()) return;
  const Node* ref = n.find("reference");
  if (!ref || !ref->is_string()) return;
  auto row = parse_reference(ref->text());
  row.param = param;
  rows.references.push_back(std::move(row));
}

std::optional<double> to_double(std::string_view text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

void index_quantity(const std::string& param, const Node& n, IndexRows& rows) {
  if (!n.is_object()) return;
  const Node* value = n.find("value");
  if (!value || !value->is_number()) return;
  const auto v = to_double(value->text());
  if (!v) return;
  std::string code = text_of(n.find("code"));
  if (code.empty()) code = text_of(n.find("unit"));
  rows.quantities.push_back({param, *v, text_of(n.find("system")), std::move(code)});
}

void index_number(const std::string& param, const Node& n, IndexRows& rows) {
  if (!n.is_number()) return;
  if (const auto v = to_double(n.text())) rows.numbers.push_back({param, *v});
}

}  // namespace

std::string normalize_string(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

storage::ReferenceRow parse_reference(std::string_view reference) {
  storage::ReferenceRow row;
  row.url = std::string(reference);
  std::string_view r = reference;
  if (const auto h = r.find("/_history/"); h != std::string_view::npos) r = r.substr(0, h);
  if (r.starts_with("urn:") || r.starts_with("#")) return row;
  const auto slash = r.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return row;
  const std::string_view id = r.substr(slash + 1);
  std::string_view before = r.substr(0, slash);
  const auto prev = before.rfind('/');
  const std::string_view type = prev == std::string_view::npos ? before : before.substr(prev + 1);
  if (!is_resource_type_name(type) || id.empty()) return row;
  row.target_type = std::string(type);
  row.target_id = std::string(id);
  return row;
}

IndexRows build_index(const ParamCatalog& catalog, std::string_view type, const Node& resource) {
  IndexRows rows;
  PathScratch scratch;
  for (const CompiledParam& p : catalog.params(type)) {
    if (!p.indexed()) continue;  // its rows are other parameters' rows (search/shared_index.h)
    for (const MatchedNode& m : p.expression.evaluate(resource, type, scratch)) {
      switch (p.kind) {
        case storage::ParamKind::Token:
        case storage::ParamKind::Uri: index_token(p.name, *m.node, rows); break;
        case storage::ParamKind::String: index_string(p.name, *m.node, rows); break;
        case storage::ParamKind::Date: index_date(p.name, *m.node, rows); break;
        case storage::ParamKind::Reference: index_reference(p.name, *m.node, rows); break;
        case storage::ParamKind::Quantity: index_quantity(p.name, *m.node, rows); break;
        case storage::ParamKind::Number: index_number(p.name, *m.node, rows); break;
        case storage::ParamKind::Id:
        case storage::ParamKind::LastUpdated: break;
      }
    }
  }
  if (const storage::IndexSource* source = catalog.patient_rows(type)) {
    for (const storage::ReferenceRow& r : rows.references) {
      if (r.param != source->param || r.target_type != source->target_type || r.target_id.empty()) continue;
      if (std::find(rows.patients.begin(), rows.patients.end(), r.target_id) == rows.patients.end()) {
        rows.patients.push_back(r.target_id);
      }
    }
  }
  return rows;
}

}  // namespace fhirgw::search
