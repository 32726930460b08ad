// FHIR R4 -> internal records. Gateway-produced resources are recognised by their record identifier
// (<local-base>/record/<source>/<type>) and map back field by field; foreign resources go through the code
// tables' concept maps. Elements and extensions that have no place in the record are reported as warnings.
#include "fhir/mappings/from_fhir.h"

#include <algorithm>
#include <deque>
#include <map>
#include <memory_resource>
#include <type_traits>
#include <unordered_map>

#include "fhir_names.h"
#include "json_out.h"
#include "node_build.h"
#include "resource_index.h"

namespace fhir::mappings {

using Node = json::CompactNode;  // the parsed input
using validation::Severity;

namespace {

std::string_view text(const Node* n) {
  return n && (n->is_string() || n->is_number()) ? n->text() : std::string_view{};
}
std::string_view date_part(std::string_view dt) { return dt.size() > 10 ? dt.substr(0, 10) : dt; }

// What a Reader remembers; reused from one resource to the next (no allocation per resource).
struct ReaderMemory {
  std::vector<std::string_view> used;
  std::vector<std::string> used_ext;
  std::size_t ext_count = 0;  // used_ext[0, ext_count) are this resource's
};

// Reads one resource and remembers which elements and extensions were used, to report the rest.
class Reader {
 public:
  // One Reader at a time per memory.
  Reader(const Node& r, ReaderMemory& memory)
      : r_(r), used_(memory.used), used_ext_(memory.used_ext), ext_count_(memory.ext_count) {
    used_.clear();
    ext_count_ = 0;
  }
  // `key` must outlive the reader (the call sites pass string literals).
  const Node* get(std::string_view key) {
    used_.push_back(key);
    return r_.find(key);
  }
  std::string_view str(std::string_view key) { return text(get(key)); }
  // The value node (value[x]) of the first extension with `url`.
  const Node* ext_value(std::string_view url) {
    if (ext_count_ == used_ext_.size()) used_ext_.emplace_back();
    used_ext_[ext_count_++].assign(url);
    const Node* exts = r_.find("extension");
    if (!exts || !exts->is_array()) return nullptr;
    for (const Node& e : exts->items()) {
      if (member_text(e, "url") != url) continue;
      for (const Node& m : e.members())
        if (m.key().starts_with("value")) return &m;
    }
    return nullptr;
  }
  void use(std::string_view key) { used_.push_back(key); }
  const Node& node() const { return r_; }

  void report(const std::string& label, validation::Outcome& outcome) const {
    static constexpr std::string_view kIgnored[] = {"resourceType", "id",        "meta",     "text",
                                                    "extension",    "contained", "language", "implicitRules"};
    for (const Node& m : r_.members()) {
      if (std::find(std::begin(kIgnored), std::end(kIgnored), m.key()) != std::end(kIgnored) || used(m.key())) continue;
      warn(outcome, label, std::string(m.key()), "element is not represented in the internal record format; dropped");
    }
    if (const Node* exts = r_.find("extension"); exts && exts->is_array()) {
      for (const Node& e : exts->items()) {
        const auto url = member_text(e, "url");
        if (std::find(used_ext_.begin(), used_ext_.begin() + static_cast<std::ptrdiff_t>(ext_count_), url) ==
            used_ext_.begin() + static_cast<std::ptrdiff_t>(ext_count_))
          warn(outcome, label, "extension('" + std::string(url) + "')", "extension is not represented; dropped");
      }
    }
  }
  static void warn(validation::Outcome& outcome, const std::string& label, const std::string& element,
                   const std::string& why) {
    validation::Issue issue;
    issue.severity = Severity::Warning;
    issue.code = "not-supported";
    issue.expression = label + "." + element;
    issue.diagnostics = label + ": " + element + ": " + why;
    outcome.add(std::move(issue));
  }

 private:
  bool used(std::string_view key) const { return std::find(used_.begin(), used_.end(), key) != used_.end(); }

  const Node& r_;
  std::vector<std::string_view>& used_;
  std::vector<std::string>& used_ext_;
  std::size_t& ext_count_;
};

// kText: each record is written as one NDJSON line to *ndjson as soon as it is mapped, as JSON text from the start
// (json_out.h: no tree, nothing serialized twice); else it is built as a json::Node tree in result.records.
// Both write the same members in the same order, so the text is what json::write makes of the tree.
template <bool kText>
class Reverse {
  using OutNode = std::conditional_t<kText, Out, json::Node>;
  using Builder = std::conditional_t<kText, OutBuilder, NodeBuilder>;

 public:
  Reverse(ResourceIndex& index, const Tables& t, const FromFhirOptions& opt, FromFhirResult& result,
          std::string* ndjson)
      : index_(index),
        t_(t),
        opt_(opt),
        result_(result),
        ndjson_(ndjson),
        b_(builder(pool_, result)),
        record_prefix_(index.record_prefix()),
        consumed_(index.size(), false) {}

  // Maps resource i of the index (`r` is its resource).
  void map(std::uint32_t i, const Node& r) {
    index_.forget_parsed();
    ++result_.resources_read;
    RecordId rid = record_id(r);
    if (rid.derived) return;  // a part of another record (stage, lesion, specimen, ...)
    label_of(r, label_);
    std::string type = rid.type.empty() ? classify(r) : rid.type;
    if (type.empty()) {
      pending_.emplace_back(i, label_);
      return;
    }
    if (rid.id.empty()) {
      rid.id = std::string(member_text(r, "id"));
      if (const auto full_url = index_[i].full_url; rid.id.empty() && !full_url.empty())
        rid.id = std::string(full_url.substr(full_url.find_last_of("/:") + 1));
      rid.source = opt_.default_source;
    }
    if (rid.id.empty()) {
      Reader::warn(result_.outcome, label_, "id", "resource has no id or identifier to use as the record id; skipped");
      ++result_.resources_skipped;
      return;
    }
    if (type == "patient" && !rid.gateway) {  // a foreign patient's record id is its MRN when it has one
      bool found = false;
      for_each_identifier(r, [&](std::string_view sys, std::string_view val) {
        if (!found && sys == index_.mrn_system() && !val.empty()) {
          rid.id = std::string(val);
          found = true;
        }
      });
    }
    Reader rd(r, reader_memory_);
    rd.use("identifier");
    OutNode rec = new_record();
    b_.add_str(rec, "type", type);
    b_.add_str(rec, "id", rid.id);
    b_.add_str(rec, "source", rid.source);
    if (const Node* u = rd.ext_value(t_.extension_url(ext::kUpdatedAt))) b_.add_str(rec, "updated_at", u->text());
    gateway_ = rid.gateway;
    bool ok = false;
    if (type == "patient")
      ok = patient(rd, rec);
    else if (type == "diagnosis")
      ok = diagnosis(rd, rec);
    else if (type == "drug_administration")
      ok = drug_administration(rd, rec);
    else if (type == "lab_result")
      ok = lab_result(rd, rec);
    else if (type == "tumor_assessment")
      ok = tumor_assessment(rd, rec);
    else if (type == "clinical_score")
      ok = clinical_score(rd, rec);
    else if (type == "surgery")
      ok = surgery(rd, rec);
    else if (type == "pathology")
      ok = pathology(rd, rec);
    else if (type == "adverse_event")
      ok = adverse_event(rd, rec);
    if (!ok) {
      ++result_.resources_skipped;
      return;
    }
    rd.report(label_, result_.outcome);
    if constexpr (kText) {
      rec.append_to(*ndjson_);
      ndjson_->push_back('\n');
      ++result_.records_written;
    } else {
      result_.records.push_back(std::move(rec));
    }
  }

  // After the last resource: reports the resources no record took.
  void finish() {
    for (const auto& [i, label] : pending_) {
      if (consumed_[i]) continue;
      ++result_.resources_skipped;
      Reader::warn(result_.outcome, label, "", "resource is not represented by any internal record type; dropped");
    }
  }

 private:
  static Builder builder(OutPool& pool, FromFhirResult& result) {
    if constexpr (kText)
      return OutBuilder(pool);
    else
      return NodeBuilder(
          json::Node::allocator_type(result.arena ? result.arena.get() : std::pmr::get_default_resource()));
  }
  OutNode new_record() const {
    if constexpr (kText)
      return b_.obj();
    else
      return b_.obj(16);  // a record has up to ~16 fields: no regrowth
  }

  struct RecordId {
    std::string source, type, id;
    bool gateway = false;
    bool derived = false;
  };

  RecordId record_id(const Node& r) const {
    RecordId out;
    for_each_identifier(r, [&](std::string_view sys, std::string_view val) {
      if (out.gateway || !sys.starts_with(record_prefix_)) return;
      const auto rest = sys.substr(record_prefix_.size());
      const auto slash = rest.find('/');
      if (slash == std::string_view::npos) return;
      out.gateway = true;
      out.source = std::string(rest.substr(0, slash));
      out.type = std::string(rest.substr(slash + 1));
      out.id = std::string(val);
      out.derived = val.find('/') != std::string_view::npos;
    });
    return out;
  }

  static void label_of(const Node& r, std::string& l) {
    l.assign(member_text(r, "resourceType"));
    if (l.empty()) l = "(resource)";
    if (auto id = member_text(r, "id"); !id.empty()) l.append("/").append(id);
  }
  static std::string label_of(const Node& r) {
    std::string l;
    label_of(r, l);
    return l;
  }

  bool has_code(const Node* cc, std::string_view system_key, std::string_view code) const {
    if (!cc) return false;
    const Node* codings = cc->find("coding");
    if (!codings) return false;
    const std::string_view sys = t_.system(system_key);
    for (const Node& c : codings->items())
      if (member_text(c, "system") == sys && member_text(c, "code") == code) return true;
    return false;
  }

  // Which record type a foreign resource becomes ("" = none).
  std::string classify(const Node& r) const {
    const auto rt = member_text(r, "resourceType");
    if (rt == "Patient") return "patient";
    if (rt == "Condition") return "diagnosis";
    if (rt == "MedicationAdministration") return "drug_administration";
    if (rt == "Procedure") return "surgery";
    if (rt == "DiagnosticReport") return "pathology";
    if (rt == "AdverseEvent") return "adverse_event";
    if (rt != "Observation") return {};
    const Node* code = r.find("code");
    if (has_code(code, "loinc", "97509-4")) return "tumor_assessment";
    if (has_code(code, "loinc", "89247-1")) return "clinical_score";
    if (!local_code(code, "score").empty()) return "clinical_score";
    if (has_code(code, "loinc", "21889-1") || has_code(code, "ncit", "C18000") || has_code(code, "loinc", "31206-6"))
      return {};  // parts of an assessment / pathology report
    if (const Node* prof = member(r, "meta"); prof && prof->find("profile")) {
      for (const Node& p : prof->find("profile")->items())
        if (p.text().find("mcode-cancer-stage") != std::string_view::npos ||
            p.text().find("stage-group") != std::string_view::npos ||
            p.text().find("category") != std::string_view::npos)
          return {};  // staging: read through Condition.stage
    }
    if (!local_code(code, "lab_test").empty()) return "lab_result";
    if (const Node* cats = r.find("category"); cats && cats->is_array()) {
      for (const Node& c : cats->items())
        if (has_code(&c, "http://terminology.hl7.org/CodeSystem/observation-category", "laboratory"))
          return "lab_result";
    }
    return {};
  }

  // The local code of a CodeableConcept: the local coding of that kind, else a concept-map hit.
  std::string local_code(const Node* cc, std::string_view kind) const {
    if (!cc) return {};
    const Node* codings = cc->find("coding");
    const std::string_view local_sys = t_.local_system(kind);
    if (codings && codings->is_array()) {
      for (const Node& c : codings->items())
        if (member_text(c, "system") == local_sys) return std::string(member_text(c, "code"));
      if (const CodeTable* table = t_.table(kind)) {
        for (const Node& c : codings->items())
          if (const CodeRow* row = table->reverse(member_text(c, "system"), member_text(c, "code")))
            return row->local_code;
      }
    }
    return {};
  }
  // Local code, else (foreign only) the text, display or code, with a warning.
  std::string code_or_text(const Node* cc, std::string_view kind, const std::string& element) {
    std::string code = local_code(cc, kind);
    if (!code.empty() || !cc) return code;
    std::string fallback(member_text(*cc, "text"));
    if (fallback.empty()) {
      if (const Node* codings = cc->find("coding"); codings && codings->size() > 0) {
        const Node& c = codings->items()[0];
        fallback = std::string(member_text(c, "display"));
        if (fallback.empty()) fallback = std::string(member_text(c, "code"));
      }
    }
    if (!fallback.empty())
      Reader::warn(result_.outcome, label_, element,
                   "no local " + std::string(kind) + " code for this concept (add a row to codes/" + std::string(kind) +
                       ".tsv); kept its text '" + fallback + "' as the code");
    return fallback;
  }

  // The record's required local code from the CodeableConcept `element`, stored as `field`; "" after a
  // warning when there is none (the caller then skips the resource).
  // `element` is a string literal: the reader keeps a view of it.
  std::string required_code(Reader& rd, OutNode& rec, std::string_view element, std::string_view kind,
                            std::string_view field, std::string_view what) {
    const std::string element_name(element);
    std::string local = code_or_text(rd.get(element), kind, element_name);
    if (local.empty()) {
      Reader::warn(result_.outcome, label_, element_name, std::string(what) + "; skipped");
    } else {
      b_.add_str(rec, field, local);
    }
    return local;
  }

  // The resource a Reference points to, if it is in the input.
  const Node* resolve(const Node* ref) {
    const auto i = index_.find(*ref);
    return i == ResourceIndex::kNone ? nullptr : index_.resource(i);
  }
  // Marks the resource a Reference points to as represented (by the record being mapped).
  void consume(const Node* ref) {
    if (const auto i = index_.find(*ref); i != ResourceIndex::kNone) consumed_[i] = true;
  }
  // The record id a reference points to: its identifier, the target's record identifier or resource id.
  std::string ref_id(const Node* ref) const {
    if (!ref) return {};
    if (const Node* idn = ref->find("identifier")) {
      if (auto v = member_text(*idn, "value"); !v.empty()) return std::string(v);
    }
    if (const auto i = index_.find(*ref); i != ResourceIndex::kNone) {
      const auto& target = index_[i];
      return std::string(target.record_id.empty() ? target.id : target.record_id);
    }
    const auto r = member_text(*ref, "reference");
    const auto slash = r.find_last_of("/:");
    return std::string(slash == std::string_view::npos ? r : r.substr(slash + 1));
  }
  std::string patient_mrn(const Node* ref) const {
    if (!ref) return {};
    if (const Node* idn = ref->find("identifier"); idn && member_text(*idn, "system") == index_.mrn_system())
      return std::string(member_text(*idn, "value"));
    if (const auto i = index_.find(*ref); i != ResourceIndex::kNone) {
      const auto& target = index_[i];
      return std::string(target.mrn.empty() ? target.id : target.mrn);
    }
    return ref_id(ref);
  }
  bool set_patient(Reader& rd, OutNode& rec, std::string_view key) {
    const std::string mrn = patient_mrn(rd.get(key));
    if (mrn.empty()) {
      Reader::warn(result_.outcome, label_, std::string(key), "no patient reference; resource skipped");
      return false;
    }
    b_.add_str(rec, "patient", mrn);
    return true;
  }
  OutNode number(const Node* n) const { return b_.num(n->text()); }
  void put_str(OutNode& rec, std::string_view key, std::string_view v) const {
    if (!v.empty()) b_.add_str(rec, key, v);
  }
  // Quantity unit as sent (Quantity.unit), else the local unit for its UCUM code, else the code.
  std::string unit_of(const Node& q) const {
    if (auto u = member_text(q, "unit"); !u.empty()) return std::string(u);
    const auto code = member_text(q, "code");
    if (const CodeTable* units = t_.table("unit"))
      if (const CodeRow* row = units->reverse(member_text(q, "system"), code)) return row->local_code;
    return std::string(code);
  }
  std::string ext_str(Reader& rd, std::string_view name) {
    return std::string(text(rd.ext_value(t_.extension_url(name))));
  }

  // ---- the nine record types -------------------------------------------------------------------------------
  bool patient(Reader& rd, OutNode& rec) {
    const std::string& mrn_sys = index_.mrn_system();
    if (const Node* names = rd.get("name"); names && names->size() > 0) {
      const Node& n = names->items()[0];
      OutNode name = b_.obj();
      if (auto f = member_text(n, "family"); !f.empty()) b_.add_str(name, "family", f);
      if (const Node* given = n.find("given")) {
        OutNode g = b_.arr();
        for (const Node& x : given->items()) g.push_back(b_.str(x.text()));
        b_.add(name, "given", std::move(g));
      }
      if (name.size() > 0)
        b_.add(rec, "name", std::move(name));
      else if (auto tx = member_text(n, "text"); !tx.empty())
        Reader::warn(result_.outcome, label_, "name.text", "a name given only as text is not represented");
    }
    auto gender = rd.str("gender");
    if (gender.empty()) {
      Reader::warn(result_.outcome, label_, "gender", "no gender; sex set to 'unknown'");
      gender = "unknown";
    }
    b_.add_str(rec, "sex", gender);
    put_str(rec, "birth_date", rd.str("birthDate"));
    if (const Node* d = rd.get("deceasedBoolean")) {
      if (!d->as_bool())
        b_.add(rec, "deceased", b_.boolean(false));
      else
        Reader::warn(result_.outcome, label_, "deceasedBoolean", "deceased without a date is not represented");
    }
    if (auto dd = rd.str("deceasedDateTime"); !dd.empty()) b_.add_str(rec, "deceased", date_part(dd));
    OutNode ids = b_.arr();
    for_each_identifier(rd.node(), [&](std::string_view sys, std::string_view val) {
      if (sys == mrn_sys || sys.starts_with(record_prefix_)) return;
      if (sys.empty() || val.empty()) {
        Reader::warn(result_.outcome, label_, "identifier", "identifier without system or value is not represented");
        return;
      }
      OutNode x = b_.obj();
      b_.add_str(x, "system", sys);
      b_.add_str(x, "value", val);
      ids.push_back(std::move(x));
    });
    if (ids.size() > 0) b_.add(rec, "identifiers", std::move(ids));
    if (const Node* h = rd.ext_value(t_.extension_url(ext::kHbvCarrier)))
      b_.add(rec, "hbv_carrier", b_.boolean(h->as_bool()));
    if (ext_str(rd, ext::kRecordStatus) == "entered-in-error") b_.add_str(rec, "status", "entered_in_error");
    rd.use("active");
    return true;
  }

  bool diagnosis(Reader& rd, OutNode& rec) {
    if (!set_patient(rd, rec, "subject")) return false;
    const Node* code = rd.get("code");
    if (required_code(rd, rec, "code", "diagnosis", "code", "Condition without code").empty()) return false;
    if (code && code->find("coding")) {
      std::string icd, icd_cm;
      for (const Node& c : code->find("coding")->items()) {
        if (member_text(c, "system") == t_.system("icd10") && icd.empty()) icd = std::string(member_text(c, "code"));
        if (member_text(c, "system") == t_.system("icd10cm") && icd_cm.empty())
          icd_cm = std::string(member_text(c, "code"));
      }
      if (icd.empty() && !gateway_) icd = icd_cm;  // gateway resources carry the record's ICD-10 as WHO ICD-10
      put_str(rec, "icd10", icd);
    }
    if (const Node* m = rd.ext_value(std::string(kMcode) + "mcode-histology-morphology-behavior")) {
      if (const Node* codings = m->find("coding"))
        for (const Node& c : codings->items())
          if (member_text(c, "system") == t_.system("icdo3")) {
            b_.add_str(rec, "morphology", member_text(c, "code"));
            break;
          }
    }
    std::string diagnosed(text(rd.ext_value(kAssertedDate)));
    if (diagnosed.empty() && !gateway_) diagnosed = std::string(date_part(rd.str("onsetDateTime")));
    put_str(rec, "diagnosed_on", date_part(diagnosed));
    if (const Node* sites = rd.get("bodySite"); sites && sites->size() > 0) {
      const Node& s = sites->items()[0];
      std::string site = local_code(&s, "body_site");
      if (site.empty()) site = std::string(member_text(s, "text"));
      if (site.empty() && s.find("coding") && s.find("coding")->size() > 0)
        site = std::string(member_text(s.find("coding")->items()[0], "display"));
      put_str(rec, "body_site", site);
    }
    std::string cs;
    if (const Node* c = rd.get("clinicalStatus"); c && c->find("coding") && c->find("coding")->size() > 0)
      cs = std::string(member_text(c->find("coding")->items()[0], "code"));
    if (cs.empty()) cs = ext_str(rd, ext::kClinicalStatus);
    if (cs == "active" || cs == "remission" || cs == "resolved")
      b_.add_str(rec, "clinical_status", cs);
    else if (!cs.empty())
      Reader::warn(result_.outcome, label_, "clinicalStatus", "status '" + cs + "' is not represented");
    if (const Node* p = rd.ext_value(t_.extension_url(ext::kPrimary))) {
      b_.add(rec, "primary", b_.boolean(p->as_bool()));
    } else if (!gateway_) {
      if (const Node* meta = rd.node().find("meta"); meta && meta->find("profile")) {
        for (const Node& pr : meta->find("profile")->items()) {
          if (pr.text().ends_with("mcode-primary-cancer-condition")) b_.add(rec, "primary", b_.boolean(true));
          if (pr.text().ends_with("mcode-secondary-cancer-condition")) b_.add(rec, "primary", b_.boolean(false));
        }
      }
    }
    if (const Node* rel = rd.ext_value(kConditionRelated)) put_str(rec, "primary_of", ref_id(rel));
    if (const Node* stages = rd.get("stage"); stages && stages->size() > 0) {
      const Node& st = stages->items()[0];
      const Node* obs = nullptr;
      if (const Node* a = st.find("assessment"); a && a->size() > 0) obs = resolve(&a->items()[0]);
      if (obs) {
        consume(&st.find("assessment")->items()[0]);
        const std::string system = local_code(obs->find("code"), "stage_system");
        std::string value;
        if (const Node* v = obs->find("valueCodeableConcept")) {
          if (const Node* codings = v->find("coding"))
            for (const Node& c : codings->items())
              if (member_text(c, "system") == t_.local_system("stage-" + system))
                value = std::string(member_text(c, "code"));
          if (value.empty()) value = std::string(member_text(*v, "text"));
        }
        if (!system.empty() && !value.empty()) {
          OutNode stage = b_.obj();
          b_.add_str(stage, "system", system);
          b_.add_str(stage, "value", value);
          b_.add(rec, "stage", std::move(stage));
        } else {
          Reader::warn(result_.outcome, label_, "stage", "stage system is not BCLC, CNLC or TNM8; not represented");
        }
      } else {
        Reader::warn(result_.outcome, label_, "stage", "stage assessment not found in the input; not represented");
      }
    }
    if (const Node* vs = rd.get("verificationStatus"); vs && vs->find("coding")) {
      for (const Node& c : vs->find("coding")->items())
        if (member_text(c, "code") == "entered-in-error") b_.add_str(rec, "status", "entered_in_error");
    }
    rd.use("category");
    return true;
  }

  bool drug_administration(Reader& rd, OutNode& rec) {
    if (!set_patient(rd, rec, "subject")) return false;
    std::string drug;
    if (const Node* m = rd.get("medicationCodeableConcept"))
      drug = code_or_text(m, "drug", "medicationCodeableConcept");
    if (const Node* mr = rd.get("medicationReference")) {
      const Node* med = nullptr;
      const auto r = member_text(*mr, "reference");
      if (r.starts_with("#")) {
        if (const Node* contained = rd.node().find("contained"))
          for (const Node& c : contained->items())
            if (member_text(c, "id") == r.substr(1)) med = &c;
      } else {
        med = resolve(mr);
      }
      if (med) {
        if (!r.starts_with("#")) consume(mr);
        drug = code_or_text(med->find("code"), "drug", "medicationReference");
      }
    }
    if (drug.empty()) {
      Reader::warn(result_.outcome, label_, "medication", "medication could not be identified; skipped");
      return false;
    }
    b_.add_str(rec, "drug", drug);
    bool has_route = false;
    if (const Node* dosage = rd.get("dosage")) {
      if (const Node* dose = dosage->find("dose"); dose && dose->find("value")) {
        OutNode d = b_.obj();
        b_.add(d, "value", number(dose->find("value")));
        put_str(d, "unit", unit_of(*dose));
        b_.add(rec, "dose", std::move(d));
      }
      if (const Node* route = dosage->find("route")) {
        const std::string code = code_or_text(route, "route", "dosage.route");
        put_str(rec, "route", code);
        has_route = !code.empty();
      }
    }
    put_str(rec, "frequency", local_code(rd.ext_value(t_.extension_url(ext::kFrequency)), "frequency"));
    if (const Node* route = rd.ext_value(t_.extension_url(ext::kRoute)); route && !has_route)
      put_str(rec, "route", local_code(route, "route"));
    bool has_start = false;
    if (const Node* p = rd.get("effectivePeriod")) {
      has_start = !member_text(*p, "start").empty();
      put_str(rec, "start", member_text(*p, "start"));
      put_str(rec, "end", member_text(*p, "end"));
    }
    has_start = has_start || !rd.str("effectiveDateTime").empty();
    put_str(rec, "start", rd.str("effectiveDateTime"));
    if (const Node* c = rd.ext_value(t_.extension_url(ext::kCycle))) b_.add(rec, "cycle", number(c));
    put_str(rec, "regimen", ext_str(rd, ext::kRegimen));
    if (const Node* intent = rd.ext_value(std::string(kMcode) + "mcode-procedure-intent"))
      put_str(rec, "intent", local_code(intent, "intent"));
    rd.ext_value(std::string(kMcode) + "mcode-normalization-basis");  // derived from the dose unit
    static const std::map<std::string_view, std::string_view> kStatus = {{"completed", "completed"},
                                                                         {"in-progress", "in_progress"},
                                                                         {"stopped", "stopped"},
                                                                         {"not-done", "not_done"},
                                                                         {"entered-in-error", "entered_in_error"}};
    const auto st = rd.str("status");
    if (auto it = kStatus.find(st); it != kStatus.end()) {
      b_.add_str(rec, "status", it->second);
    } else {
      Reader::warn(result_.outcome, label_, "status", "status '" + std::string(st) + "' is not represented; skipped");
      return false;
    }
    if (const Node* sr = rd.get("statusReason"); sr && sr->size() > 0) {
      const Node& r0 = sr->items()[0];
      std::string why(member_text(r0, "text"));
      if (why.empty() && r0.find("coding") && r0.find("coding")->size() > 0)
        why = std::string(member_text(r0.find("coding")->items()[0], "display"));
      put_str(rec, "reason_not_given", why);
    }
    if (const Node* req = rd.get("request")) {
      if (const Node* idn = req->find("identifier")) put_str(rec, "order_id", member_text(*idn, "value"));
    }
    if (const Node* reasons = rd.get("reasonReference"); reasons && reasons->size() > 0)
      put_str(rec, "diagnosis", ref_id(&reasons->items()[0]));
    if (!has_start) {
      Reader::warn(result_.outcome, label_, "effective", "no administration time; skipped");
      return false;
    }
    return true;
  }

  bool lab_result(Reader& rd, OutNode& rec) {
    if (!set_patient(rd, rec, "subject")) return false;
    if (required_code(rd, rec, "code", "lab_test", "test", "Observation without code").empty()) return false;
    std::string unit;
    bool has_value = false;
    if (const Node* q = rd.get("valueQuantity")) {
      if (const Node* v = q->find("value")) {
        b_.add(rec, "value", number(v));
        has_value = true;
      }
      put_str(rec, "comparator", member_text(*q, "comparator"));
      unit = unit_of(*q);
    } else {
      rd.use("dataAbsentReason");
      unit = ext_str(rd, ext::kResultUnit);
    }
    put_str(rec, "unit", unit);
    if (const Node* rrs = rd.get("referenceRange"); rrs && rrs->size() > 0) {
      const Node& rr = rrs->items()[0];
      OutNode range = b_.obj();
      if (const Node* lo = rr.find("low"); lo && lo->find("value")) b_.add(range, "low", number(lo->find("value")));
      if (const Node* hi = rr.find("high"); hi && hi->find("value")) b_.add(range, "high", number(hi->find("value")));
      put_str(range, "text", member_text(rr, "text"));
      if (range.size() > 0) b_.add(rec, "reference_range", std::move(range));
    }
    if (const Node* interp = rd.get("interpretation");
        interp && interp->size() > 0 && interp->items()[0].find("coding")) {
      for (const Node& c : interp->items()[0].find("coding")->items()) {
        const auto f = member_text(c, "code");
        if (f == "H" || f == "L" || f == "N" || f == "HH" || f == "LL") {
          b_.add_str(rec, "flag", f);
          break;
        }
      }
    }
    if (const Node* sp = rd.get("specimen")) {
      if (const Node* spec = resolve(sp)) {
        consume(sp);
        put_str(rec, "specimen", local_code(spec->find("type"), "specimen"));
      } else {
        Reader::warn(result_.outcome, label_, "specimen", "specimen not found in the input; not represented");
      }
    }
    put_str(rec, "collected_at", rd.str("effectiveDateTime"));
    std::string reported(rd.str("issued"));
    if (reported.empty()) reported = ext_str(rd, ext::kReportedAt);
    put_str(rec, "reported_at", reported);
    const auto st = rd.str("status");
    if (st == "final" || st == "preliminary" || st == "corrected" || st == "cancelled")
      b_.add_str(rec, "status", st);
    else if (st == "entered-in-error")
      b_.add_str(rec, "status", "entered_in_error");
    else if (st == "amended") {
      Reader::warn(result_.outcome, label_, "status", "status 'amended' mapped to 'corrected'");
      b_.add_str(rec, "status", "corrected");
    } else {
      Reader::warn(result_.outcome, label_, "status", "status '" + std::string(st) + "' is not represented; skipped");
      return false;
    }
    if (const Node* notes = rd.get("note"); notes && notes->size() > 0)
      put_str(rec, "note", member_text(notes->items()[0], "text"));
    rd.use("category");
    rd.use("derivedFrom");  // recomputed from the batch when sent again
    if (!has_value && st != "cancelled" && st != "entered-in-error") {
      Reader::warn(result_.outcome, label_, "value[x]",
                   "no quantity value; skipped (only numeric results are represented)");
      return false;
    }
    return true;
  }

  bool tumor_assessment(Reader& rd, OutNode& rec) {
    if (!set_patient(rd, rec, "subject")) return false;
    rd.use("code");
    rd.use("category");
    put_str(rec, "assessed_on", date_part(rd.str("effectiveDateTime")));
    put_str(rec, "method", local_code(rd.get("method"), "imaging_method"));
    put_str(rec, "criteria", local_code(rd.ext_value(t_.extension_url(ext::kCriteria)), "criteria"));
    const std::string response = local_code(rd.get("valueCodeableConcept"), "response");
    if (response.empty()) {
      Reader::warn(result_.outcome, label_, "valueCodeableConcept",
                   "disease status has no RECIST category mapping; skipped");
      return false;
    }
    b_.add_str(rec, "response", response);
    rd.ext_value(std::string(kMcode) + "mcode-cancer-disease-status-evidence-type");
    if (const Node* derived = rd.get("derivedFrom")) {
      OutNode lesions = b_.arr();
      for (const Node& ref : derived->items()) {
        const Node* size = resolve(&ref);
        if (!size || !has_code(size->find("code"), "loinc", "21889-1")) continue;
        consume(&ref);
        if (const Node* focus = size->find("focus"); focus && focus->size() > 0) consume(&focus->items()[0]);
        OutNode lesion = b_.obj();
        bool has_longest = false;
        bool has_short = false;
        if (const Node* bs = size->find("bodySite")) put_str(lesion, "site", member_text(*bs, "text"));
        if (const Node* comps = size->find("component")) {
          for (const Node& c : comps->items()) {
            const Node* q = c.find("valueQuantity");
            if (!q || !q->find("value")) continue;
            const bool longest = has_code(c.find("code"), "loinc", "33728-7");
            const bool other = has_code(c.find("code"), "loinc", "33729-5");
            if (!longest && !other) continue;
            if (unit_of(*q) != "mm") {
              Reader::warn(result_.outcome, label_, "derivedFrom", "tumour size not in mm is not converted; dropped");
              continue;
            }
            bool& has = longest ? has_longest : has_short;
            if (!has) b_.add(lesion, longest ? "longest_mm" : "short_axis_mm", number(q->find("value")));
            has = true;
          }
        }
        if (const Node* exts = size->find("extension"))
          for (const Node& e : exts->items())
            if (member_text(e, "url") == t_.extension_url(ext::kLesionTarget))
              b_.add(lesion, "target", b_.boolean(e.find("valueBoolean") && e.find("valueBoolean")->as_bool()));
        if (has_longest) lesions.push_back(std::move(lesion));
      }
      if (lesions.size() > 0) b_.add(rec, "lesions", std::move(lesions));
    }
    if (const Node* focus = rd.get("focus"); focus && focus->size() > 0)
      put_str(rec, "diagnosis", ref_id(&focus->items()[0]));
    const auto st = rd.str("status");
    if (st == "entered-in-error")
      b_.add_str(rec, "status", "entered_in_error");
    else {
      if (st != "final")
        Reader::warn(result_.outcome, label_, "status", "status '" + std::string(st) + "' mapped to 'final'");
      b_.add_str(rec, "status", "final");
    }
    return true;
  }

  bool clinical_score(Reader& rd, OutNode& rec) {
    if (!set_patient(rd, rec, "subject")) return false;
    const Node* code = rd.get("code");
    std::string scale = has_code(code, "loinc", "89247-1") ? "ECOG" : local_code(code, "score");
    if (scale != "ECOG" && scale != "CHILD_PUGH" && scale != "BCLC") {
      Reader::warn(result_.outcome, label_, "code", "score is not ECOG, CHILD_PUGH or BCLC; skipped");
      return false;
    }
    b_.add_str(rec, "scale", scale);
    if (const Node* v = rd.get("valueInteger")) b_.add(rec, "value", number(v));
    if (const Node* v = rd.get("valueCodeableConcept")) {
      std::string value;
      if (const Node* codings = v->find("coding"); codings && codings->size() > 0)
        value = std::string(member_text(codings->items()[0], "code"));
      if (value.empty()) value = std::string(member_text(*v, "text"));
      put_str(rec, "value", value);
    }
    if (const Node* comps = rd.get("component")) {
      for (const Node& c : comps->items()) {
        if (local_code(c.find("code"), "score") != "CHILD_PUGH_CLASS") continue;
        if (const Node* vc = c.find("valueCodeableConcept"); vc && vc->find("coding") && vc->find("coding")->size() > 0)
          put_str(rec, "class", member_text(vc->find("coding")->items()[0], "code"));
      }
    }
    std::string when(rd.str("effectiveDateTime"));
    if (when.empty()) {
      Reader::warn(result_.outcome, label_, "effective[x]", "no assessment time; skipped");
      return false;
    }
    b_.add_str(rec, "assessed_on", when);
    if (rd.str("status") == "entered-in-error") b_.add_str(rec, "status", "entered_in_error");
    rd.use("category");
    rd.use("interpretation");  // derived from the ECOG value
    rd.use("method");
    return true;
  }

  bool surgery(Reader& rd, OutNode& rec) {
    if (!set_patient(rd, rec, "subject")) return false;
    if (required_code(rd, rec, "code", "procedure", "procedure", "Procedure without code").empty()) return false;
    if (const Node* p = rd.get("performedPeriod")) {
      put_str(rec, "start", member_text(*p, "start"));
      put_str(rec, "end", member_text(*p, "end"));
    }
    put_str(rec, "start", rd.str("performedDateTime"));
    if (const Node* sites = rd.get("bodySite")) {
      OutNode segs = b_.arr();
      for (const Node& s : sites->items()) {
        const std::string seg = local_code(&s, "liver_segment");
        if (!seg.empty())
          segs.push_back(b_.str(seg));
        else
          Reader::warn(result_.outcome, label_, "bodySite", "body site that is not a liver segment is not represented");
      }
      if (segs.size() > 0) b_.add(rec, "body_sites", std::move(segs));
    }
    if (const Node* intent = rd.ext_value(std::string(kMcode) + "mcode-procedure-intent"))
      put_str(rec, "intent", local_code(intent, "intent"));
    put_str(rec, "margin", local_code(rd.get("outcome"), "margin"));
    if (const Node* comps = rd.get("complication")) {
      OutNode list = b_.arr();
      for (const Node& c : comps->items()) {
        const std::string code = code_or_text(&c, "complication", "complication");
        if (!code.empty()) list.push_back(b_.str(code));
      }
      if (list.size() > 0) b_.add(rec, "complications", std::move(list));
    }
    static const std::map<std::string_view, std::string_view> kStatus = {{"completed", "completed"},
                                                                         {"in-progress", "in_progress"},
                                                                         {"not-done", "not_done"},
                                                                         {"entered-in-error", "entered_in_error"}};
    const auto st = rd.str("status");
    if (auto it = kStatus.find(st); it != kStatus.end()) {
      b_.add_str(rec, "status", it->second);
    } else {
      Reader::warn(result_.outcome, label_, "status", "status '" + std::string(st) + "' is not represented; skipped");
      return false;
    }
    if (const Node* reasons = rd.get("reasonReference"); reasons && reasons->size() > 0)
      put_str(rec, "diagnosis", ref_id(&reasons->items()[0]));
    if (const Node* perf = rd.get("performer"); perf && perf->size() > 0)
      if (const Node* actor = perf->items()[0].find("actor")) put_str(rec, "surgeon", member_text(*actor, "display"));
    return true;
  }

  bool pathology(Reader& rd, OutNode& rec) {
    if (!set_patient(rd, rec, "subject")) return false;
    rd.use("code");
    rd.use("category");
    if (const Node* part = rd.ext_value(kEventPartOf)) put_str(rec, "surgery", ref_id(part));
    std::string issued(rd.str("issued"));
    if (issued.empty()) issued = ext_str(rd, ext::kReportedAt);
    if (issued.empty()) issued = std::string(rd.str("effectiveDateTime"));
    rd.use("effectiveDateTime");
    put_str(rec, "issued_at", issued);
    if (const Node* results = rd.get("result")) {
      for (const Node& ref : results->items()) {
        const Node* o = resolve(&ref);
        if (!o) {
          Reader::warn(result_.outcome, label_, "result", "result not found in the input; not represented");
          continue;
        }
        consume(&ref);
        const Node* code = o->find("code");
        const Node* vcc = o->find("valueCodeableConcept");
        if (has_code(code, "loinc", "31206-6")) {
          put_str(rec, "histology", local_code(vcc, "histology"));
          if (vcc && vcc->find("coding"))
            for (const Node& c : vcc->find("coding")->items())
              if (member_text(c, "system") == t_.system("icdo3")) put_str(rec, "morphology", member_text(c, "code"));
        } else if (has_code(code, "ncit", "C18000")) {
          const std::string g = local_code(vcc, "grade");
          if (!g.empty()) b_.add(rec, "grade", b_.num(g));
        } else if (local_code(code, "pathology") == "TUMOR_NECROSIS_PCT") {
          if (const Node* q = o->find("valueQuantity"); q && q->find("value"))
            b_.add(rec, "necrosis_pct", number(q->find("value")));
        } else if (local_code(code, "pathology") == "RESECTION_MARGIN") {
          put_str(rec, "margin_status", local_code(vcc, "margin"));
          if (const Node* comps = o->find("component"))
            for (const Node& c : comps->items())
              if (const Node* q = c.find("valueQuantity"); q && q->find("value"))
                b_.add(rec, "margin_mm", number(q->find("value")));
        } else {
          Reader::warn(result_.outcome, label_, "result", label_of(*o) + " is not represented in the pathology record");
        }
      }
    }
    put_str(rec, "conclusion", rd.str("conclusion"));
    const auto st = rd.str("status");
    if (st == "final" || st == "amended")
      b_.add_str(rec, "status", st);
    else if (st == "entered-in-error")
      b_.add_str(rec, "status", "entered_in_error");
    else if (st == "corrected" || st == "appended") {
      Reader::warn(result_.outcome, label_, "status", "status '" + std::string(st) + "' mapped to 'amended'");
      b_.add_str(rec, "status", "amended");
    } else {
      Reader::warn(result_.outcome, label_, "status", "status '" + std::string(st) + "' is not represented; skipped");
      return false;
    }
    return true;
  }

  bool adverse_event(Reader& rd, OutNode& rec) {
    if (!set_patient(rd, rec, "subject")) return false;
    if (required_code(rd, rec, "event", "adverse_event", "event", "AdverseEvent without event code").empty())
      return false;
    if (const Node* g = rd.ext_value(t_.extension_url(ext::kCtcaeGrade))) b_.add(rec, "ctcae_grade", number(g));
    rd.use("severity");  // derived from the CTCAE grade
    put_str(rec, "onset", date_part(rd.str("date")));
    put_str(rec, "resolved", ext_str(rd, ext::kResolved));
    if (const Node* s = rd.get("seriousness"); s && s->find("coding") && s->find("coding")->size() > 0) {
      const auto code = member_text(s->find("coding")->items()[0], "code");
      if (code == "Serious" || code == "Non-serious") b_.add(rec, "serious", b_.boolean(code == "Serious"));
    }
    if (const Node* suspects = rd.get("suspectEntity")) {
      OutNode drugs = b_.arr();
      for (const Node& se : suspects->items()) {
        std::string drug;
        if (const Node* exts = se.find("extension"))
          for (const Node& e : exts->items())
            if (member_text(e, "url") == t_.extension_url(ext::kSuspectDrug))
              drug = local_code(e.find("valueCodeableConcept"), "drug");
        if (drug.empty()) {
          if (const Node* inst = se.find("instance")) {
            const auto r = member_text(*inst, "reference");
            const Node* target = nullptr;
            if (r.starts_with("#")) {
              if (const Node* contained = rd.node().find("contained"))
                for (const Node& c : contained->items())
                  if (member_text(c, "id") == r.substr(1)) target = &c;
            } else {
              target = resolve(inst);
            }
            if (target) {
              const Node* cc = target->find("code");
              if (!cc) cc = target->find("medicationCodeableConcept");
              drug = code_or_text(cc, "drug", "suspectEntity");
            }
          }
        }
        if (!drug.empty())
          drugs.push_back(b_.str(drug));
        else
          Reader::warn(result_.outcome, label_, "suspectEntity", "suspect entity is not an identifiable drug; dropped");
      }
      if (drugs.size() > 0) b_.add(rec, "suspect_drugs", std::move(drugs));
    }
    if (const Node* o = rd.get("outcome"); o && o->find("coding") && o->find("coding")->size() > 0) {
      static const std::map<std::string_view, std::string_view> kOutcome = {{"resolved", "resolved"},
                                                                            {"recovering", "resolving"},
                                                                            {"ongoing", "not_resolved"},
                                                                            {"fatal", "fatal"},
                                                                            {"resolvedWithSequelae", "resolved"}};
      const auto code = member_text(o->find("coding")->items()[0], "code");
      if (auto it = kOutcome.find(code); it != kOutcome.end())
        b_.add_str(rec, "outcome", it->second);
      else
        Reader::warn(result_.outcome, label_, "outcome", "outcome '" + std::string(code) + "' is not represented");
    }
    if (ext_str(rd, ext::kRecordStatus) == "entered-in-error") b_.add_str(rec, "status", "entered_in_error");
    rd.use("actuality");
    return true;
  }

  ResourceIndex& index_;
  const Tables& t_;
  const FromFhirOptions& opt_;
  FromFhirResult& result_;
  std::string* ndjson_;
  OutPool pool_;  // the text buffers of kText
  Builder b_;
  std::string record_prefix_;
  ReaderMemory reader_memory_;
  std::vector<bool> consumed_;                                  // per resource of the index: represented by a record
  std::vector<std::pair<std::uint32_t, std::string>> pending_;  // resources not mapped as records (yet)
  bool gateway_ = false;
  std::string label_;
};

struct Input {
  std::string_view full_url;  // in the parsed input, which outlives the mapping
  const Node* resource;
};

void collect(const Node& n, std::string_view full_url, std::vector<Input>& out) {
  if (!n.is_object()) return;
  if (member_text(n, "resourceType") == "Bundle") {
    if (const Node* entries = n.find("entry"))
      for (const Node& e : entries->items())
        if (const Node* r = e.find("resource")) collect(*r, member_text(e, "fullUrl"), out);
    return;
  }
  out.push_back(Input{full_url, &n});
}

std::string record_prefix(const Tables& t) { return t.local_base() + "/record/"; }

void map_resources(const std::vector<const Node*>& resources, const Tables& tables, const FromFhirOptions& options,
                   FromFhirResult& result, std::string* ndjson) {
  std::vector<Input> inputs;
  for (const Node* r : resources) collect(*r, {}, inputs);
  ResourceIndex index(record_prefix(tables), mrn_system(tables));
  index.reserve(inputs.size());
  for (const Input& in : inputs) index.add(*in.resource, in.full_url, in.resource, 0, 0);
  auto map_all = [&](auto&& reverse) {
    for (std::uint32_t i = 0; i < index.size(); ++i) reverse.map(i, *index[i].node);
    reverse.finish();
  };
  if (ndjson)
    map_all(Reverse<true>(index, tables, options, result, ndjson));
  else
    map_all(Reverse<false>(index, tables, options, result, nullptr));
}

// Bundles from this size on are read as a stream: their trees would no longer fit in the caches.
constexpr std::size_t kStreamFrom = 1u << 20;

// A large Bundle read as a stream (json::stream_compact_items), so that each entry is mapped while its tree is
// fresh in the cache and the memory stays that of one entry: a first pass indexes the entries (ResourceIndex:
// references, identifiers, record ids, MRNs), the second maps them in order; the few targets whose content a
// record needs (specimen, stage, lesions, results, medication) are parsed again from their range of the text.
// False, with nothing done, unless `text` is a Bundle without nested Bundles that the scanner accepts: then the
// whole-document path decides (and reports any error).
// What the first pass builds of an entry: what ResourceIndex::add reads. The rest of it is only skimmed (its end
// found, nothing checked): the second pass reads and checks every byte, and any refusal there falls back.
bool index_member(std::size_t depth, std::string_view key) {
  if (depth == 1) return key == "fullUrl" || key == "resource";
  if (depth == 2) return key == "resourceType" || key == "id" || key == "identifier";
  return true;  // inside identifier
}

// kText: the records are written to *ndjson (see Reverse).
template <bool kText>
bool map_streamed_bundle(const std::string& text, const Tables& tables, const FromFhirOptions& options,
                         FromFhirResult& result, std::string* ndjson) {
  ResourceIndex index(record_prefix(tables), mrn_system(tables), &text);
  index.reserve(text.size() / 1024);  // a resource takes 1 KB and more: no rehashing
  bool plain = true;
  json::CompactDocument envelope;
  json::CompactStreamOptions first_pass;
  first_pass.keep = index_member;
  first_pass.skim_left_out = true;
  const bool accepted = json::stream_compact_items(
      text, "entry",
      [&](const Node& entry, std::uint32_t begin, std::uint32_t end) {
        const Node* r = entry.find("resource");
        if (!r || !r->is_object()) return;
        if (member_text(*r, "resourceType") == "Bundle") plain = false;
        index.add(*r, member_text(entry, "fullUrl"), nullptr, begin, end);
      },
      envelope, first_pass);
  if (!accepted || !plain || member_text(envelope.root(), "resourceType") != "Bundle") return false;
  const std::size_t ndjson_size = ndjson ? ndjson->size() : 0;
  Reverse<kText> reverse(index, tables, options, result, ndjson);
  // An entry is mapped once the kLookAhead items after it are read: the parts of a record the gateway wrote (its
  // specimen, stage, lesions, results) follow it, and are then found in the trees the stream still holds.
  constexpr std::size_t kLookAhead = 16;
  struct Waiting {
    std::uint32_t entry;
    const Node* resource;
    std::size_t item;
  };
  std::deque<Waiting> waiting;
  std::uint32_t next_entry = 0;
  std::size_t items = 0;
  json::CompactStreamOptions second_pass;
  second_pass.keep_items = kLookAhead;
  const bool all_read = json::stream_compact_items(
      text, "entry",
      [&](const Node& entry, std::uint32_t, std::uint32_t) {
        const Node* r = entry.find("resource");
        const bool indexed = r && r->is_object();
        index.hold(kLookAhead + 1, items, indexed ? next_entry : ResourceIndex::kNone, r);
        if (indexed) waiting.push_back({next_entry++, r, items});
        ++items;
        for (; !waiting.empty() && items - waiting.front().item > kLookAhead; waiting.pop_front())
          reverse.map(waiting.front().entry, *waiting.front().resource);
      },
      envelope, second_pass);
  index.clear_held();
  // The last entries: the stream has dropped their trees by now.
  for (; all_read && !waiting.empty(); waiting.pop_front())
    reverse.map(waiting.front().entry, *index.resource(waiting.front().entry));
  if (!all_read) {           // a duplicate key that the first pass did not build: the whole-document path reports it
    result.records.clear();  // (the arena stays: the records were allocated in it)
    result.outcome = {};
    result.resources_read = result.resources_skipped = result.records_written = 0;
    if (ndjson) ndjson->resize(ndjson_size);
    return false;
  }
  reverse.finish();
  return true;
}

}  // namespace

void resources_to_records(const std::vector<const Node*>& resources, const Tables& tables,
                          const FromFhirOptions& options, FromFhirResult& result) {
  map_resources(resources, tables, options, result, nullptr);
}

namespace {

// `owner`: the std::string `text_in` views, if any, so the whole text can be parsed without a copy.
// `ndjson`: write the records there as NDJSON instead of keeping them.
FromFhirResult text_to_records(std::string_view text_in, const std::string* owner, const Tables& tables,
                               const FromFhirOptions& options, std::string* ndjson) {
  FromFhirResult result;
  if (owner && owner->size() >= kStreamFrom &&
      (ndjson ? map_streamed_bundle<true>(*owner, tables, options, result, ndjson)
              : map_streamed_bundle<false>(*owner, tables, options, result, nullptr)))
    return result;
  std::vector<json::CompactDocument> docs;
  auto whole = owner ? json::parse_compact_borrowed(*owner) : json::parse_compact(text_in);
  if (whole && whole.document->root().is_object()) {
    docs.push_back(std::move(*whole.document));
  } else {
    // NDJSON: one resource (or Bundle) per line.
    std::uint32_t line_no = 0;
    std::size_t start = 0;
    while (start < text_in.size()) {
      std::size_t end = text_in.find('\n', start);
      if (end == std::string_view::npos) end = text_in.size();
      ++line_no;
      const std::string_view line = text_in.substr(start, end - start);
      start = end + 1;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      auto parsed = json::parse_compact(line);
      if (!parsed || !parsed.document->root().is_object()) {
        validation::Issue issue;
        issue.severity = Severity::Error;
        issue.code = "structure";
        issue.location.line = line_no;
        issue.diagnostics = "line " + std::to_string(line_no) + ": " +
                            (parsed ? std::string("not a JSON object") : "not valid JSON: " + parsed.error->message);
        result.outcome.add(std::move(issue));
        continue;
      }
      docs.push_back(std::move(*parsed.document));
    }
  }
  std::vector<const Node*> roots;
  for (const auto& d : docs) {
    if (member_text(d.root(), "resourceType").empty()) {
      validation::Issue issue;
      issue.severity = Severity::Error;
      issue.code = "structure";
      issue.diagnostics = "a JSON object without resourceType is not a FHIR resource";
      result.outcome.add(std::move(issue));
      continue;
    }
    roots.push_back(&d.root());
  }
  map_resources(roots, tables, options, result, ndjson);
  return result;
}

}  // namespace

FromFhirResult fhir_to_records(std::string_view text, const Tables& tables, const FromFhirOptions& options) {
  return text_to_records(text, nullptr, tables, options, nullptr);
}

FromFhirResult fhir_to_records(const std::string& text, const Tables& tables, const FromFhirOptions& options) {
  return text_to_records(text, &text, tables, options, nullptr);
}

FromFhirResult fhir_to_ndjson(const std::string& text, const Tables& tables, std::string& out,
                              const FromFhirOptions& options) {
  return text_to_records(text, &text, tables, options, &out);
}

}  // namespace fhir::mappings
