// Internal records -> FHIR R4 / mCODE STU4. One function per record type; see mappings/README.md for the
// field-by-field decisions.
#include "fhir/mappings/to_fhir.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include "datetime.h"
#include "fhir/mappings/ids.h"
#include "fhir/validation/primitives.h"
#include "fhir_names.h"
#include "json_out.h"
#include "key_table.h"
#include "node_build.h"

namespace fhir::mappings {

using Node = json::CompactNode;  // the input records
using validation::Severity;

namespace {

std::string_view str(const Node& rec, std::string_view key) { return member_text(rec, key); }

// An index key of up to three texts of the input records (views into the parsed batch, which outlives the
// Mapper): no string is built to insert or to look up.
struct TextKey {
  std::string_view a, b, c = {};
  bool operator==(const TextKey&) const = default;
};
struct TextKeyHash {
  std::size_t operator()(const TextKey& k) const noexcept {
    return hash_text(k.a) ^ (hash_text(k.b) * 0x9E3779B97F4A7C15ull) ^ (hash_text(k.c) * 0xC2B2AE3D27D4EB4Full);
  }
};

// Identity of a record: (type, source, id); a patient's source is not part of it.
struct RecordKey {
  static TextKey of(const Node& rec) {
    const auto type = str(rec, "type");
    return TextKey{type, type == "patient" ? std::string_view{} : str(rec, "source"), str(rec, "id")};
  }
};

// The resource ids of a batch's records and of their parts ("stage", "lesion-2"): (record, part) -> id, each
// computed once (SHA-1). Open addressing over 32-byte slots, no allocation per id; the ids themselves are kept in
// a deque, so a view of one stays valid while the table grows.
class IdCache {
 public:
  void reserve(std::size_t ids) {
    std::size_t size = 16;
    while (size < ids * 2) size *= 2;
    if (size > slots_.size()) rehash(size);
  }
  template <typename Make>
  const UuidText& get(const Node* rec, std::string_view part, Make&& make) {
    if (part.size() > kMaxPart) throw std::length_error("resource id part name too long");  // cannot happen
    if ((count_ + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 64 : slots_.size() * 2);
    Slot* slot = find(rec, part);
    if (slot->rec == nullptr) {
      slot->rec = rec;
      slot->part_size = static_cast<std::uint8_t>(part.size());
      std::copy(part.begin(), part.end(), slot->part);
      slot->index = static_cast<std::uint32_t>(ids_.size());
      ids_.push_back(make());
      ++count_;
    }
    return ids_[slot->index];
  }

 private:
  static constexpr std::size_t kMaxPart = 19;
  struct Slot {
    const Node* rec = nullptr;  // nullptr: free
    std::uint32_t index = 0;
    std::uint8_t part_size = 0;
    char part[kMaxPart] = {};
  };
  static std::size_t hash(const Node* rec, std::string_view part) noexcept {
    std::size_t h = reinterpret_cast<std::uintptr_t>(rec) * 0x9E3779B97F4A7C15ull;
    for (char c : part) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
    return h ^ (h >> 29);
  }
  Slot* find(const Node* rec, std::string_view part) noexcept {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(rec, part) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.rec == nullptr || (s.rec == rec && std::string_view(s.part, s.part_size) == part)) return &s;
    }
  }
  void rehash(std::size_t size) {
    std::vector<Slot> old(size);
    old.swap(slots_);
    for (const Slot& s : old)
      if (s.rec != nullptr) *find(s.rec, std::string_view(s.part, s.part_size)) = s;
  }

  std::vector<Slot> slots_;  // a power of two, at most half full
  std::deque<UuidText> ids_;
  std::size_t count_ = 0;
};

class Mapper {
 public:
  // Entries are appended to `out` (the text of Bundle.entry between its brackets) as they are mapped.
  Mapper(const Tables& t, bool with_request, std::string& out)
      : t_(t), b_(pool_), ns_(gateway_namespace(t.local_base())), out_(out), with_request_(with_request) {}

  void index(const std::vector<const Node*>& records) {
    // Sized once for the batch: no rehashing while indexing and planning.
    by_type_id_.reserve(records.size());
    labs_.reserve(records.size());
    ids_.reserve(records.size() * 2);
    in_bundle_.reserve(records.size() * 2);
    for (const Node* r : records) {
      const auto type = str(*r, "type");
      const auto id = str(*r, "id");
      const auto source = str(*r, "source");
      if (type == "patient") continue;
      by_type_id_[TextKey{type, id}].emplace_back(source);
      const auto patient = str(*r, "patient");
      if (type == "drug_administration") {
        admins_[TextKey{patient, str(*r, "drug")}].push_back({str(*r, "start"), rid(*r)});
      } else if (type == "lab_result") {
        labs_[TextKey{patient, str(*r, "test"), str(*r, "collected_at")}] = rid(*r);
      }
    }
  }

  // Maps `rec`; every entry it emits is noted as coming from `records[index]` (entry_records()).
  void map(const Node& rec, std::size_t index) {
    current_record_ = index;
    const auto type = str(rec, "type");
    if (type == "patient") return patient(rec);
    if (type == "diagnosis") return diagnosis(rec);
    if (type == "drug_administration") return drug_administration(rec);
    if (type == "lab_result") return lab_result(rec);
    if (type == "tumor_assessment") return tumor_assessment(rec);
    if (type == "clinical_score") return clinical_score(rec);
    if (type == "surgery") return surgery(rec);
    if (type == "pathology") return pathology(rec);
    if (type == "adverse_event") return adverse_event(rec);
  }

  std::size_t resources() const { return resources_; }
  // For each entry written so far, in Bundle order: the index of the record it was mapped from.
  const std::vector<std::size_t>& entry_records() const { return entry_records_; }

 private:
  // ---- building blocks ----------------------------------------------------------------------------------
  // A resource, opened with its resourceType, id and meta.profile. By default it is written in place: as the
  // next entry of the Bundle, straight into the output (no copy), so nothing else may be emitted before it is;
  // `detached` ones (built before a resource emitted ahead of them) have a buffer of their own.
  Out base(std::string_view resource_type, std::string_view id, std::string_view profile, bool detached = false) {
    if (!detached && writing_in_place_)
      throw std::logic_error("to_fhir: a resource opened before the last was emitted");
    if (!detached) {
      entry_prefix(id);
      writing_in_place_ = true;
    }
    Out r = detached ? b_.obj() : Out::object_in_place(out_);
    b_.add_str(r, "resourceType", resource_type);
    b_.add_str(r, "id", id);
    if (!profile.empty()) {
      std::string& meta = r.member_text("meta");
      meta.append(R"({"profile":[)");
      scratch_.assign(kMcode).append(profile);
      json::write_string(scratch_, meta);
      meta.append("]}");
    }
    return r;
  }

  Out ext(std::string_view name, std::string_view value_key, Out value) const {
    return b_.extension(t_.extension_url(name), value_key, std::move(value));
  }

  // Adds `system` and `value` of the record identifier to `idn`.
  void add_record_identifier(Out& idn, const Node& rec, std::string_view part = {}) const {
    add_record_system(idn, str(rec, "source"), str(rec, "type"));
    if (part.empty()) return b_.add_str(idn, "value", str(rec, "id"));
    scratch_.assign(str(rec, "id")).append("/").append(part);
    b_.add_str(idn, "value", scratch_);
  }
  // `system`: the identifier system of (source, record type).
  // (Rendered once per batch: `source` and `type` are texts of the batch or literals.)
  void add_record_system(Out& idn, std::string_view source, std::string_view type) const {
    auto [it, inserted] = system_memo_.try_emplace(TextKey{source, type});
    if (inserted) {
      scratch_.clear();
      append_record_system(scratch_, t_, source, type);
      json::write_string(scratch_, it->second);
    }
    idn.member_text("system").append(it->second);
  }
  Out record_identifier(const Node& rec, std::string_view part = {}) const {
    Out idn = b_.obj();
    add_record_identifier(idn, rec, part);
    return idn;
  }
  Out identifiers(const Node& rec, std::string_view part = {}) const {
    Out a = b_.arr();
    a.push_back(record_identifier(rec, part));
    return a;
  }

  // The resource id of a record or of one of its parts, computed once per batch; the view stays valid.
  std::string_view rid(const Node& rec, std::string_view part = {}) {
    return view(ids_.get(&rec, part, [&] {
      return record_resource_uuid(ns_, str(rec, "source"), str(rec, "type"), str(rec, "id"), part);
    }));
  }
  std::string_view target_id(std::string_view source, std::string_view type, std::string_view id) {
    auto [it, inserted] = target_cache_.try_emplace(std::make_tuple(source, type, id));
    if (inserted) it->second = record_resource_uuid(ns_, source, type, id);
    return view(it->second);
  }

  // A reference to a resource with a deterministic id: urn:uuid inside the bundle, Type/id outside.
  Out ref(std::string_view type, std::string_view id) const {
    if (in_bundle_.contains(id))
      scratch_.assign("urn:uuid:").append(id);
    else
      scratch_.assign(type).append("/").append(id);
    return b_.reference(scratch_);
  }
  // The same with Reference.identifier (system, value).
  Out ref(std::string_view type, std::string_view id, std::string_view id_system, std::string_view id_value) const {
    Out r = ref(type, id);
    if (id_value.empty()) return r;
    Out idn = b_.obj();
    b_.add_str(idn, "system", id_system);
    b_.add_str(idn, "value", id_value);
    b_.add(r, "identifier", std::move(idn));
    return r;
  }
  // The same for every record of a patient in a batch (in_bundle_ is complete before mapping starts), so it is
  // rendered once per MRN.
  Out patient_ref(const Node& rec) {
    const auto mrn = str(rec, "patient");
    auto [it, inserted] = patient_refs_.try_emplace(mrn);
    if (inserted) ref("Patient", view(patient_resource_uuid(ns_, mrn)), mrn_system_, mrn).append_to(it->second);
    return OutBuilder::view(it->second);
  }
  // Reference to another record of this hospital named by its id (`diagnosis`, `primary_of`, `surgery`).
  // The target's source: the referencing record's own source if the batch holds such a record, else the only
  // other source that sent that id in this batch, else the referencing record's source.
  std::string_view target_id_of(std::string_view source, std::string_view type, std::string_view id) {
    return target_id(source, type, id);
  }
  Out record_ref(const Node& rec, std::string_view target_type, std::string_view fhir_type,
                 std::string_view target_id) {
    std::string_view source = str(rec, "source");
    auto it = by_type_id_.find(TextKey{target_type, target_id});
    if (it != by_type_id_.end()) {
      bool same = false;
      for (const auto& s : it->second) same = same || s == source;
      if (!same && it->second.size() == 1) source = it->second.front();
    }
    Out r = ref(fhir_type, target_id_of(source, target_type, target_id));
    Out idn = b_.obj();
    add_record_system(idn, source, target_type);
    b_.add_str(idn, "value", target_id);
    b_.add(r, "identifier", std::move(idn));
    return r;
  }

  // Appends the standard codings of a local code from the table, then the local coding, always, to `codings`.
  // Returns the table's first row of the code (nullptr for an unknown code).
  const CodeRow* add_codings(Out& codings, std::string_view kind, std::string_view local,
                             std::string_view qualifier = {}) const {
    const CodeTable* table = t_.table(kind);
    const CodeRow* row = table ? table->first(local) : nullptr;
    if (table) {
      for (const CodeRow* r : table->forward(local, qualifier))
        OutBuilder::push_coding(codings, r->system, r->code, r->display);
    }
    OutBuilder::push_coding(codings, t_.local_system(kind), local,
                            row ? std::string_view(row->display) : std::string_view{});
    return row;
  }
  Out codeable_of(Out codings, std::string_view text) const {
    Out cc = b_.obj();
    b_.add(cc, "coding", std::move(codings));
    if (!text.empty()) b_.add_str(cc, "text", text);
    return cc;
  }
  static std::string_view display_of(const CodeRow* row) {
    return row ? std::string_view(row->display) : std::string_view{};
  }
  // CodeableConcept: standard codings from the table, then the local coding; text = the row's display.
  // A code always gives the same JSON, so each (kind, code, qualifier) is rendered once per batch (keyed by views
  // of literals and of the batch's texts, which outlive the Mapper) and added without a copy.
  Out codeable(std::string_view kind, std::string_view local, std::string_view qualifier = {}) const {
    auto [it, inserted] = codeable_memo_.try_emplace(TextKey{kind, local, qualifier});
    if (inserted) {
      Out codings = b_.arr();
      const CodeRow* row = add_codings(codings, kind, local, qualifier);
      codeable_of(std::move(codings), display_of(row)).append_to(it->second);
    }
    return OutBuilder::view(it->second);
  }
  // {"coding":[{"system":..,"code":..,"display":..}]}, written in one piece.
  Out fixed_concept(std::string_view system, std::string_view code, std::string_view display = {}) const {
    Out cc = b_.obj();
    std::string& text = cc.member_text("coding");
    text.push_back('[');
    OutBuilder::write_coding(text, system, code, display);
    text.push_back(']');
    return cc;
  }
  Out category(std::string_view code) const {
    Out a = b_.arr();
    OutBuilder::write_concept(a.item_text(), "http://terminology.hl7.org/CodeSystem/observation-category", code);
    return a;
  }

  // Quantity with the unit as written, and its UCUM code when the unit table knows it.
  // The members written for a unit ("unit", then "system" and "code" when UCUM knows it) are the same each time:
  // rendered once per unit and batch (`unit` is a literal or a text of the batch).
  Out quantity(std::string_view value, std::string_view unit, std::string_view comparator = {}) {
    Out q = b_.obj();
    q.member_text("value").append(value);
    if (!comparator.empty()) b_.add_str(q, "comparator", comparator);
    if (!unit.empty()) {
      auto [it, inserted] = unit_memo_.try_emplace(unit);
      if (inserted) {
        Out members = b_.obj();
        b_.add_str(members, "unit", unit);
        const CodeTable* units = units_;
        if (const CodeRow* row = units ? units->forward_first(unit) : nullptr) {
          b_.add_str(members, "system", row->system);
          b_.add_str(members, "code", row->code);
        } else {
          unit_warnings_.insert(std::string(unit));
        }
        it->second.count = members.size();
        members.append_to(it->second.json);
        it->second.json = it->second.json.substr(1, it->second.json.size() - 2);  // without the braces
      }
      q.append_members(it->second.json, it->second.count);
    }
    return q;
  }

  void common_extensions(const Node& rec, Out& extensions) const {
    if (auto u = str(rec, "updated_at"); !u.empty())
      extensions.push_back(ext(ext::kUpdatedAt, "valueDateTime", b_.str(u)));
  }
  static void add_if_any(Out& r, std::string_view key, Out v) {
    if (v.size() > 0) r.append_member(key, std::move(v));
  }
  // Writes one Bundle entry (ids are UUIDs and types literals: nothing to escape): the part before the resource,
  // then the resource and the rest (emit).
  void entry_prefix(std::string_view id) {
    if (resources_++ > 0) out_.push_back(',');
    entry_records_.push_back(current_record_);
    out_.append(R"({"fullUrl":"urn:uuid:)").append(id).append(R"(","resource":)");
  }
  void emit(std::string_view type, std::string_view id, Out resource) {
    if (resource.in_place()) {
      resource.close_in_place();
      writing_in_place_ = false;
    } else {
      if (writing_in_place_) throw std::logic_error("to_fhir: a resource emitted inside another");
      entry_prefix(id);
      resource.append_to(out_);
    }
    if (with_request_)
      out_.append(R"(,"request":{"method":"PUT","url":")").append(type).append("/").append(id).append(R"("})");
    out_.push_back('}');
  }
  static bool retracted(const Node& rec) { return str(rec, "status") == "entered_in_error"; }

 public:
  // Must be called for every record before map(): registers the ids of the resources that will be in the bundle.
  void plan(const Node& rec) {
    const auto type = str(rec, "type");
    if (type == "patient") {
      in_bundle_.insert(view(patient_resource_uuid(ns_, str(rec, "id"))));
      return;
    }
    in_bundle_.insert(rid(rec));
    if (type == "diagnosis" && member(rec, "stage")) in_bundle_.insert(rid(rec, "stage"));
    if (type == "drug_administration" || type == "lab_result") {
      if (type == "lab_result" && member(rec, "specimen")) in_bundle_.insert(rid(rec, "specimen"));
    }
    if (type == "tumor_assessment") {
      if (const Node* l = member(rec, "lesions"))
        for (std::size_t k = 1; k <= l->items().size(); ++k) {
          in_bundle_.insert(rid(rec, "lesion-" + std::to_string(k)));
          in_bundle_.insert(rid(rec, "tumor-" + std::to_string(k)));
        }
    }
    if (type == "pathology")
      for (auto part : {"histology", "grade", "necrosis", "margin"}) in_bundle_.insert(rid(rec, part));
  }
  const std::set<std::string>& unit_warnings() const { return unit_warnings_; }

 private:
  // ---- patient -> Patient (CancerPatient) -------------------------------------------------------------------
  void patient(const Node& rec) {
    const UuidText patient_id = patient_resource_uuid(ns_, str(rec, "id"));
    const std::string_view id = view(patient_id);
    Out r = base("Patient", id, "mcode-cancer-patient");
    Out exts = b_.arr();
    common_extensions(rec, exts);
    if (const Node* h = member(rec, "hbv_carrier"))
      exts.push_back(ext(ext::kHbvCarrier, "valueBoolean", b_.boolean(h->as_bool())));
    if (retracted(rec)) exts.push_back(ext(ext::kRecordStatus, "valueCode", b_.str("entered-in-error")));
    add_if_any(r, "extension", std::move(exts));

    Out ids = b_.arr();
    Out mrn = b_.obj();
    b_.add_str(mrn, "use", "usual");
    Out mr_type = fixed_concept(t_.system("v2-0203"), "MR", "Medical record number");
    b_.add(mrn, "type", std::move(mr_type));
    b_.add_str(mrn, "system", mrn_system(t_));
    b_.add_str(mrn, "value", str(rec, "id"));
    ids.push_back(std::move(mrn));
    ids.push_back(record_identifier(rec));
    if (const Node* list = member(rec, "identifiers")) {
      for (const Node& x : list->items()) {
        Out idn = b_.obj();
        b_.add_str(idn, "system", str(x, "system"));
        b_.add_str(idn, "value", str(x, "value"));
        ids.push_back(std::move(idn));
      }
    }
    b_.add(r, "identifier", std::move(ids));
    if (retracted(rec)) b_.add(r, "active", b_.boolean(false));

    Out names = b_.arr();
    Out name = b_.obj();
    const Node* n = member(rec, "name");
    bool any_name = false;
    if (n) {
      if (auto f = str(*n, "family"); !f.empty()) {
        b_.add_str(name, "family", f);
        any_name = true;
      }
      if (const Node* given = member(*n, "given")) {
        Out g = b_.arr();
        for (const Node& x : given->items()) g.push_back(b_.str(x.text()));
        b_.add(name, "given", std::move(g));
        any_name = true;
      }
    }
    if (!any_name) {  // US Core: a name or a data-absent-reason (us-core-6)
      Out e = b_.arr();
      e.push_back(b_.extension(kDataAbsentReason, "valueCode", b_.str("unknown")));
      b_.add(name, "extension", std::move(e));
    }
    names.push_back(std::move(name));
    b_.add(r, "name", std::move(names));
    b_.add_str(r, "gender", str(rec, "sex"));
    if (auto bd = str(rec, "birth_date"); !bd.empty()) b_.add_str(r, "birthDate", bd);
    if (const Node* d = member(rec, "deceased")) {
      if (d->is_string())
        b_.add_str(r, "deceasedDateTime", d->text());
      else
        b_.add(r, "deceasedBoolean", b_.boolean(false));
    }
    emit("Patient", id, std::move(r));
  }

  // ---- diagnosis -> Condition (+ stage Observation) ---------------------------------------------------------
  void diagnosis(const Node& rec) {
    const auto code = str(rec, "code");
    const CodeTable* table = t_.table("diagnosis");
    const CodeRow* row = table ? table->first(code) : nullptr;
    std::string_view kind = row && row->has_flag("primary")     ? "primary"
                            : row && row->has_flag("secondary") ? "secondary"
                                                                : "comorbidity";
    if (const Node* p = member(rec, "primary"))
      kind = p->as_bool() ? "primary" : (kind == "primary" ? "comorbidity" : kind);
    if (member(rec, "primary_of")) kind = "secondary";
    const std::string_view profile = kind == "primary"     ? "mcode-primary-cancer-condition"
                                     : kind == "secondary" ? "mcode-secondary-cancer-condition"
                                                           : "";
    const std::string_view id = rid(rec);
    Out r = base("Condition", id, profile);
    Out exts = b_.arr();
    common_extensions(rec, exts);
    if (const Node* p = member(rec, "primary"))
      exts.push_back(ext(ext::kPrimary, "valueBoolean", b_.boolean(p->as_bool())));
    if (auto d = str(rec, "diagnosed_on"); !d.empty())
      exts.push_back(b_.extension(kAssertedDate, "valueDateTime", b_.str(d)));
    if (auto m = str(rec, "morphology"); !m.empty()) {
      exts.push_back(b_.extension(std::string(kMcode) + "mcode-histology-morphology-behavior", "valueCodeableConcept",
                                  fixed_concept(t_.system("icdo3"), m)));
    }
    if (auto p = str(rec, "primary_of"); !p.empty())
      exts.push_back(b_.extension(kConditionRelated, "valueReference", record_ref(rec, "diagnosis", "Condition", p)));
    const bool retract = retracted(rec);
    if (retract) {
      if (auto cs = str(rec, "clinical_status"); !cs.empty())
        exts.push_back(ext(ext::kClinicalStatus, "valueCode", b_.str(cs)));
    }
    add_if_any(r, "extension", std::move(exts));
    b_.add(r, "identifier", identifiers(rec));
    if (!retract) {
      if (auto cs = str(rec, "clinical_status"); !cs.empty())
        b_.add(r, "clinicalStatus", fixed_concept("http://terminology.hl7.org/CodeSystem/condition-clinical", cs));
    } else {
      b_.add(r, "verificationStatus",
             fixed_concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "entered-in-error"));
    }
    Out cat = b_.arr();
    cat.push_back(fixed_concept("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item"));
    b_.add(r, "category", std::move(cat));
    Out codings = b_.arr();
    // The record's ICD-10 (WHO) code goes first; the table's codings follow.
    if (auto icd = str(rec, "icd10"); !icd.empty()) OutBuilder::push_coding(codings, t_.system("icd10"), icd);
    const CodeRow* code_row = add_codings(codings, "diagnosis", code);
    b_.add(r, "code", codeable_of(std::move(codings), display_of(code_row)));
    if (auto site = str(rec, "body_site"); !site.empty()) {
      Out sites = b_.arr();
      const CodeTable* bs = t_.table("body_site");
      if (bs && bs->knows(site)) {
        sites.push_back(codeable("body_site", site));
      } else {
        Out s = b_.obj();
        b_.add_str(s, "text", site);
        sites.push_back(std::move(s));
      }
      b_.add(r, "bodySite", std::move(sites));
    }
    b_.add(r, "subject", patient_ref(rec));
    const Node* stage = member(rec, "stage");
    if (stage) {
      Out stages = b_.arr();
      Out st = b_.obj();
      Out assessment = b_.arr();
      assessment.push_back(ref("Observation", rid(rec, "stage")));
      b_.add(st, "assessment", std::move(assessment));
      stages.push_back(std::move(st));
      b_.add(r, "stage", std::move(stages));
    }
    emit("Condition", id, std::move(r));
    if (stage) stage_observation(rec, *stage, profile == "mcode-primary-cancer-condition");
  }

  void stage_observation(const Node& rec, const Node& stage, bool focus_is_primary) {
    const auto system = str(stage, "system");
    const auto value = str(stage, "value");
    const std::string_view id = rid(rec, "stage");
    Out r = base("Observation", id, focus_is_primary ? "mcode-cancer-stage" : "");
    b_.add(r, "identifier", identifiers(rec, "stage"));
    b_.add_str(r, "status", retracted(rec) ? "entered-in-error" : "final");
    b_.add(r, "category", category("laboratory"));
    const CodeTable* table = t_.table("stage_system");
    Out code = b_.obj();
    Out codings = b_.arr();
    if (table)
      for (const CodeRow* row : table->forward(system, "type"))
        OutBuilder::push_coding(codings, row->system, row->code, row->display);
    OutBuilder::push_coding(codings, t_.local_system("stage_system"), system);
    b_.add(code, "coding", std::move(codings));
    b_.add(r, "code", std::move(code));
    b_.add(r, "subject", patient_ref(rec));
    Out focus = b_.arr();
    focus.push_back(ref("Condition", rid(rec)));
    b_.add(r, "focus", std::move(focus));
    if (auto d = str(rec, "diagnosed_on"); !d.empty()) b_.add_str(r, "effectiveDateTime", d);
    Out v = b_.obj();
    Out vc = b_.arr();
    OutBuilder::push_coding(vc, t_.local_system("stage-" + std::string(system)), value);
    b_.add(v, "coding", std::move(vc));
    b_.add_str(v, "text", std::string(system) + " " + std::string(value));
    b_.add(r, "valueCodeableConcept", std::move(v));
    if (table) {
      const auto methods = table->forward(system, "method");
      if (!methods.empty())
        b_.add(r, "method", fixed_concept(methods.front()->system, methods.front()->code, methods.front()->display));
    }
    emit("Observation", id, std::move(r));
  }

  // ---- drug_administration -> MedicationAdministration ------------------------------------------------------
  void drug_administration(const Node& rec) {
    const auto drug = str(rec, "drug");
    const CodeTable* drugs = t_.table("drug");
    const CodeRow* row = drugs ? drugs->first(drug) : nullptr;
    const bool anticancer = row && row->has_flag("anticancer");
    const std::string_view id = rid(rec);
    Out r = base("MedicationAdministration", id, anticancer ? "mcode-cancer-related-medication-administration" : "");
    Out exts = b_.arr();
    common_extensions(rec, exts);
    if (auto intent = str(rec, "intent"); !intent.empty())
      exts.push_back(b_.extension(std::string(kMcode) + "mcode-procedure-intent", "valueCodeableConcept",
                                  codeable("intent", intent)));
    const Node* dose = member(rec, "dose");
    if (dose && anticancer) {
      const CodeTable* basis = t_.table("dose_basis");
      const auto rows = basis ? basis->forward(str(*dose, "unit")) : std::vector<const CodeRow*>{};
      if (!rows.empty())
        exts.push_back(b_.extension(std::string(kMcode) + "mcode-normalization-basis", "valueCodeableConcept",
                                    fixed_concept(rows.front()->system, rows.front()->code, rows.front()->display)));
    }
    if (auto f = str(rec, "frequency"); !f.empty())
      exts.push_back(ext(ext::kFrequency, "valueCodeableConcept", codeable("frequency", f)));
    // Dosage needs a dose or rate (mad-1): without a dose the route goes into a gateway extension.
    if (auto route = str(rec, "route"); !route.empty() && !dose)
      exts.push_back(ext(ext::kRoute, "valueCodeableConcept", codeable("route", route)));
    if (const Node* c = member(rec, "cycle")) exts.push_back(ext(ext::kCycle, "valueInteger", b_.num(c->text())));
    if (auto g = str(rec, "regimen"); !g.empty()) exts.push_back(ext(ext::kRegimen, "valueString", b_.str(g)));
    add_if_any(r, "extension", std::move(exts));
    b_.add(r, "identifier", identifiers(rec));
    static const std::map<std::string_view, std::string_view> kStatus = {{"completed", "completed"},
                                                                         {"in_progress", "in-progress"},
                                                                         {"stopped", "stopped"},
                                                                         {"not_done", "not-done"},
                                                                         {"entered_in_error", "entered-in-error"}};
    b_.add_str(r, "status", kStatus.at(str(rec, "status")));
    if (auto why = str(rec, "reason_not_given"); !why.empty()) {
      Out sr = b_.arr();
      Out c = b_.obj();
      b_.add_str(c, "text", why);
      sr.push_back(std::move(c));
      b_.add(r, "statusReason", std::move(sr));
    }
    b_.add(r, "medicationCodeableConcept", codeable("drug", drug));
    b_.add(r, "subject", patient_ref(rec));
    const auto start = str(rec, "start");
    if (auto end = str(rec, "end"); !end.empty()) {
      Out p = b_.obj();
      b_.add_str(p, "start", start);
      b_.add_str(p, "end", end);
      b_.add(r, "effectivePeriod", std::move(p));
    } else {
      b_.add_str(r, "effectiveDateTime", start);
    }
    if (auto dx = str(rec, "diagnosis"); !dx.empty()) {
      Out reasons = b_.arr();
      reasons.push_back(record_ref(rec, "diagnosis", "Condition", dx));
      b_.add(r, "reasonReference", std::move(reasons));
    }
    if (auto order = str(rec, "order_id"); !order.empty()) {
      Out req = b_.obj();
      Out idn = b_.obj();
      add_record_system(idn, str(rec, "source"), "order");
      b_.add_str(idn, "value", order);
      b_.add(req, "identifier", std::move(idn));
      b_.add(r, "request", std::move(req));
    }
    if (dose) {
      Out dosage = b_.obj();
      if (auto route = str(rec, "route"); !route.empty()) b_.add(dosage, "route", codeable("route", route));
      b_.add(dosage, "dose", quantity(member_text(*dose, "value"), str(*dose, "unit")));
      b_.add(r, "dosage", std::move(dosage));
    }
    emit("MedicationAdministration", id, std::move(r));
  }

  // ---- lab_result -> Observation (TumorMarkerTest / laboratory) + Specimen ------------------------------------
  void lab_result(const Node& rec) {
    const auto test = str(rec, "test");
    const auto unit = str(rec, "unit");
    const CodeTable* tests = lab_tests_;
    const CodeRow* row = tests ? tests->first(test) : nullptr;
    // TumorMarkerTest requires a value: a cancelled / retracted result without one is a plain lab Observation.
    const bool marker = row && row->has_flag("tumor-marker") && member(rec, "value");
    const std::string_view id = rid(rec);
    const bool retract = retracted(rec);
    Out r = base("Observation", id, marker ? "mcode-tumor-marker-test" : "");
    Out exts = b_.arr();
    common_extensions(rec, exts);
    const auto reported = str(rec, "reported_at");
    const bool reported_is_instant = !reported.empty() && validation::check_instant(reported) == nullptr;
    if (!reported.empty() && !reported_is_instant)
      exts.push_back(ext(ext::kReportedAt, "valueDateTime", b_.str(reported)));
    // Without a value there is no Quantity to carry the unit: keep it in a gateway extension.
    if (!member(rec, "value") && !unit.empty()) exts.push_back(ext(ext::kResultUnit, "valueString", b_.str(unit)));
    add_if_any(r, "extension", std::move(exts));
    b_.add(r, "identifier", identifiers(rec));
    const auto status = str(rec, "status");
    b_.add_str(r, "status", retract ? "entered-in-error" : status);
    b_.add(r, "category", category("laboratory"));
    b_.add(r, "code", codeable("lab_test", test, unit));
    b_.add(r, "subject", patient_ref(rec));
    if (auto c = str(rec, "collected_at"); !c.empty()) b_.add_str(r, "effectiveDateTime", c);
    if (reported_is_instant) b_.add_str(r, "issued", reported);
    if (const Node* v = member(rec, "value")) {
      b_.add(r, "valueQuantity", quantity(v->text(), unit, str(rec, "comparator")));
    } else {
      b_.add(
          r, "dataAbsentReason",
          fixed_concept("http://terminology.hl7.org/CodeSystem/data-absent-reason", "not-performed", "Not Performed"));
    }
    if (auto flag = str(rec, "flag"); !flag.empty()) {
      Out interp = b_.arr();
      interp.push_back(fixed_concept(t_.system("obs-interp"), flag));
      b_.add(r, "interpretation", std::move(interp));
    }
    if (auto note = str(rec, "note"); !note.empty()) {
      Out notes = b_.arr();
      Out n = b_.obj();
      b_.add_str(n, "text", note);
      notes.push_back(std::move(n));
      b_.add(r, "note", std::move(notes));
    }
    const auto specimen = str(rec, "specimen");
    if (!specimen.empty()) b_.add(r, "specimen", ref("Specimen", rid(rec, "specimen")));
    if (const Node* rr = member(rec, "reference_range")) {
      Out ranges = b_.arr();
      Out range = b_.obj();
      if (const Node* lo = member(*rr, "low")) b_.add(range, "low", simple_quantity(lo->text(), unit));
      if (const Node* hi = member(*rr, "high")) b_.add(range, "high", simple_quantity(hi->text(), unit));
      if (auto tx = str(*rr, "text"); !tx.empty()) b_.add_str(range, "text", tx);
      if (range.size() > 0) {
        ranges.push_back(std::move(range));
        b_.add(r, "referenceRange", std::move(ranges));
      }
    }
    if (row) {
      const std::string_view derived = row->flag_value("derived-from=");
      if (!derived.empty()) {
        Out from = b_.arr();
        std::size_t start = 0;
        while (start <= derived.size()) {
          auto plus = derived.find('+', start);
          if (plus == std::string::npos) plus = derived.size();
          const TextKey key{str(rec, "patient"), derived.substr(start, plus - start), str(rec, "collected_at")};
          if (auto it = labs_.find(key); it != labs_.end()) from.push_back(ref("Observation", it->second));
          start = plus + 1;
        }
        add_if_any(r, "derivedFrom", std::move(from));
      }
    }
    emit("Observation", id, std::move(r));
    if (!specimen.empty()) {
      const std::string_view sid = rid(rec, "specimen");
      Out s = base("Specimen", sid, "mcode-human-specimen");
      b_.add(s, "identifier", identifiers(rec, "specimen"));
      b_.add_str(s, "status", retract ? "entered-in-error" : "available");
      b_.add(s, "type", codeable("specimen", specimen));
      b_.add(s, "subject", patient_ref(rec));
      if (auto c = str(rec, "collected_at"); !c.empty()) {
        Out col = b_.obj();
        b_.add_str(col, "collectedDateTime", c);
        b_.add(s, "collection", std::move(col));
      }
      emit("Specimen", sid, std::move(s));
    }
  }
  Out simple_quantity(std::string_view value, std::string_view unit) { return quantity(value, unit); }

  // ---- tumor_assessment -> CancerDiseaseStatus + TumorSize/Tumor per lesion ---------------------------------
  void tumor_assessment(const Node& rec) {
    const std::string_view id = rid(rec);
    const bool retract = retracted(rec);
    const auto status = retract ? "entered-in-error" : "final";
    Out r = base("Observation", id, "mcode-cancer-disease-status");
    Out exts = b_.arr();
    common_extensions(rec, exts);
    exts.push_back(b_.extension(std::string(kMcode) + "mcode-cancer-disease-status-evidence-type",
                                "valueCodeableConcept",
                                fixed_concept(t_.system("sct"), "363679005", "Imaging (procedure)")));
    if (auto c = str(rec, "criteria"); !c.empty())
      exts.push_back(ext(ext::kCriteria, "valueCodeableConcept", codeable("criteria", c)));
    b_.add(r, "extension", std::move(exts));
    b_.add(r, "identifier", identifiers(rec));
    b_.add_str(r, "status", status);
    b_.add(r, "category", category("imaging"));
    b_.add(r, "code", fixed_concept(t_.system("loinc"), "97509-4", "Cancer Disease Progression"));
    b_.add(r, "subject", patient_ref(rec));
    const auto dx = str(rec, "diagnosis");
    if (!dx.empty()) {
      Out focus = b_.arr();
      focus.push_back(record_ref(rec, "diagnosis", "Condition", dx));
      b_.add(r, "focus", std::move(focus));
    }
    b_.add_str(r, "effectiveDateTime", str(rec, "assessed_on"));
    Out response = b_.arr();
    add_codings(response, "response", str(rec, "response"));
    const auto criteria = str(rec, "criteria");
    b_.add(r, "valueCodeableConcept",
           codeable_of(std::move(response), (criteria.empty() ? std::string() : std::string(criteria) + " ") +
                                                std::string(str(rec, "response"))));
    const auto method = str(rec, "method");
    if (!method.empty()) b_.add(r, "method", codeable("imaging_method", method));
    const Node* lesions = member(rec, "lesions");
    if (lesions && lesions->size() > 0) {
      Out derived = b_.arr();
      for (std::size_t k = 1; k <= lesions->items().size(); ++k)
        derived.push_back(ref("Observation", rid(rec, "lesion-" + std::to_string(k))));
      b_.add(r, "derivedFrom", std::move(derived));
    }
    emit("Observation", id, std::move(r));
    if (!lesions) return;
    for (std::size_t k = 1; k <= lesions->items().size(); ++k) {
      const Node& lesion = lesions->items()[k - 1];
      const std::string n = std::to_string(k);
      const std::string_view tumor_id = rid(rec, "tumor-" + n);
      Out tumor = base("BodyStructure", tumor_id, "mcode-tumor");
      if (!dx.empty()) {
        Out te = b_.arr();
        te.push_back(b_.extension(std::string(kMcode) + "mcode-related-condition", "valueReference",
                                  record_ref(rec, "diagnosis", "Condition", dx)));
        b_.add(tumor, "extension", std::move(te));
      }
      Out tids = b_.arr();
      Out with_type = b_.obj();
      b_.add_str(with_type, "use", "usual");
      b_.add(with_type, "type", fixed_concept("http://hl7.org/fhir/resource-types", "BodyStructure"));
      add_record_identifier(with_type, rec, "tumor-" + n);
      tids.push_back(std::move(with_type));
      b_.add(tumor, "identifier", std::move(tids));
      if (retract) b_.add(tumor, "active", b_.boolean(false));
      Out loc = b_.obj();
      const auto site = str(lesion, "site");
      b_.add_str(loc, "text", site.empty() ? "unspecified lesion site" : site);
      b_.add(tumor, "location", std::move(loc));
      b_.add(tumor, "patient", patient_ref(rec));
      emit("BodyStructure", tumor_id, std::move(tumor));

      const std::string_view size_id = rid(rec, "lesion-" + n);
      Out s = base("Observation", size_id, "mcode-tumor-size");
      if (const Node* target = member(lesion, "target")) {
        Out se = b_.arr();
        se.push_back(ext(ext::kLesionTarget, "valueBoolean", b_.boolean(target->as_bool())));
        b_.add(s, "extension", std::move(se));
      }
      b_.add(s, "identifier", identifiers(rec, "lesion-" + n));
      b_.add_str(s, "status", status);
      b_.add(s, "category", category("imaging"));
      b_.add(s, "code", fixed_concept(t_.system("loinc"), "21889-1", "Size Tumor"));
      b_.add(s, "subject", patient_ref(rec));
      Out focus = b_.arr();
      focus.push_back(ref("BodyStructure", tumor_id));
      b_.add(s, "focus", std::move(focus));
      b_.add_str(s, "effectiveDateTime", str(rec, "assessed_on"));
      if (!site.empty()) {
        Out bs = b_.obj();
        b_.add_str(bs, "text", site);
        b_.add(s, "bodySite", std::move(bs));
      }
      if (!method.empty()) b_.add(s, "method", codeable("imaging_method", method));
      Out comps = b_.arr();
      Out longest = b_.obj();
      b_.add(longest, "code", fixed_concept(t_.system("loinc"), "33728-7", "Size.maximum dimension in Tumor"));
      b_.add(longest, "valueQuantity", quantity(member_text(lesion, "longest_mm"), "mm"));
      comps.push_back(std::move(longest));
      if (const Node* sh = member(lesion, "short_axis_mm")) {
        Out other = b_.obj();
        b_.add(other, "code", fixed_concept(t_.system("loinc"), "33729-5", "Size additional dimension in Tumor"));
        b_.add(other, "valueQuantity", quantity(sh->text(), "mm"));
        comps.push_back(std::move(other));
      }
      b_.add(s, "component", std::move(comps));
      emit("Observation", size_id, std::move(s));
    }
  }

  // ---- clinical_score -> ECOG / Child-Pugh / BCLC Observation -----------------------------------------------
  void clinical_score(const Node& rec) {
    const auto scale = str(rec, "scale");
    const std::string_view id = rid(rec);
    Out r = base("Observation", id, scale == "ECOG" ? "mcode-ecog-performance-status" : "");
    Out exts = b_.arr();
    common_extensions(rec, exts);
    add_if_any(r, "extension", std::move(exts));
    b_.add(r, "identifier", identifiers(rec));
    b_.add_str(r, "status", retracted(rec) ? "entered-in-error" : "final");
    b_.add(r, "category", category("survey"));
    if (scale == "ECOG") {
      b_.add(r, "code", fixed_concept(t_.system("loinc"), "89247-1", "ECOG Performance Status score"));
    } else {
      b_.add(r, "code", codeable("score", scale));
    }
    b_.add(r, "subject", patient_ref(rec));
    b_.add_str(r, "effectiveDateTime", str(rec, "assessed_on"));
    const Node* v = member(rec, "value");
    if (v && v->is_number()) {
      b_.add(r, "valueInteger", b_.num(v->text()));
    } else if (v) {
      Out cc = b_.obj();
      Out codings = b_.arr();
      OutBuilder::push_coding(codings, t_.local_system("score-" + std::string(scale)), v->text());
      b_.add(cc, "coding", std::move(codings));
      b_.add_str(cc, "text", v->text());
      b_.add(r, "valueCodeableConcept", std::move(cc));
    }
    if (scale == "ECOG" && v) {
      const CodeTable* answers = t_.table("ecog");
      const auto rows = answers ? answers->forward(v->text()) : std::vector<const CodeRow*>{};
      if (!rows.empty()) {
        Out interp = b_.arr();
        interp.push_back(fixed_concept(rows.front()->system, rows.front()->code, rows.front()->display));
        b_.add(r, "interpretation", std::move(interp));
      }
    }
    if (scale == "BCLC") {
      const CodeTable* st = t_.table("stage_system");
      const auto methods = st ? st->forward("BCLC", "method") : std::vector<const CodeRow*>{};
      if (!methods.empty())
        b_.add(r, "method", fixed_concept(methods.front()->system, methods.front()->code, methods.front()->display));
    }
    if (auto cls = str(rec, "class"); !cls.empty()) {
      Out comps = b_.arr();
      Out c = b_.obj();
      b_.add(c, "code", codeable("score", "CHILD_PUGH_CLASS"));
      Out vc = b_.obj();
      Out codings = b_.arr();
      OutBuilder::push_coding(codings, t_.local_system("child-pugh-class"), cls);
      b_.add(vc, "coding", std::move(codings));
      b_.add_str(vc, "text", "Child-Pugh class " + std::string(cls));
      b_.add(c, "valueCodeableConcept", std::move(vc));
      comps.push_back(std::move(c));
      b_.add(r, "component", std::move(comps));
    }
    emit("Observation", id, std::move(r));
  }

  // ---- surgery -> Procedure (CancerRelatedSurgicalProcedure) ------------------------------------------------
  void surgery(const Node& rec) {
    const std::string_view id = rid(rec);
    Out r = base("Procedure", id, "mcode-cancer-related-surgical-procedure");
    Out exts = b_.arr();
    common_extensions(rec, exts);
    if (auto intent = str(rec, "intent"); !intent.empty())
      exts.push_back(b_.extension(std::string(kMcode) + "mcode-procedure-intent", "valueCodeableConcept",
                                  codeable("intent", intent)));
    add_if_any(r, "extension", std::move(exts));
    b_.add(r, "identifier", identifiers(rec));
    static const std::map<std::string_view, std::string_view> kStatus = {{"completed", "completed"},
                                                                         {"in_progress", "in-progress"},
                                                                         {"not_done", "not-done"},
                                                                         {"entered_in_error", "entered-in-error"}};
    b_.add_str(r, "status", kStatus.at(str(rec, "status")));
    b_.add(r, "code", codeable("procedure", str(rec, "procedure")));
    b_.add(r, "subject", patient_ref(rec));
    const auto start = str(rec, "start");
    const auto end = str(rec, "end");
    if (!end.empty()) {
      Out p = b_.obj();
      if (!start.empty()) b_.add_str(p, "start", start);
      b_.add_str(p, "end", end);
      b_.add(r, "performedPeriod", std::move(p));
    } else if (!start.empty()) {
      b_.add_str(r, "performedDateTime", start);
    }
    if (auto surgeon = str(rec, "surgeon"); !surgeon.empty()) {
      Out performers = b_.arr();
      Out p = b_.obj();
      Out actor = b_.obj();
      b_.add_str(actor, "display", surgeon);
      b_.add(p, "actor", std::move(actor));
      performers.push_back(std::move(p));
      b_.add(r, "performer", std::move(performers));
    }
    if (auto dx = str(rec, "diagnosis"); !dx.empty()) {
      Out reasons = b_.arr();
      reasons.push_back(record_ref(rec, "diagnosis", "Condition", dx));
      b_.add(r, "reasonReference", std::move(reasons));
    }
    if (const Node* sites = member(rec, "body_sites")) {
      Out bs = b_.arr();
      for (const Node& s : sites->items()) bs.push_back(codeable("liver_segment", s.text()));
      add_if_any(r, "bodySite", std::move(bs));
    }
    if (auto margin = str(rec, "margin"); !margin.empty()) b_.add(r, "outcome", codeable("margin", margin));
    if (const Node* comps = member(rec, "complications")) {
      Out cs = b_.arr();
      for (const Node& c : comps->items()) cs.push_back(codeable("complication", c.text()));
      add_if_any(r, "complication", std::move(cs));
    }
    emit("Procedure", id, std::move(r));
  }

  // ---- pathology -> DiagnosticReport + Observations ---------------------------------------------------------
  void pathology(const Node& rec) {
    const std::string_view id = rid(rec);
    const bool retract = retracted(rec);
    const auto status = str(rec, "status");
    const std::string_view obs_status = retract ? "entered-in-error" : status;
    const auto issued = str(rec, "issued_at");
    const bool issued_instant = !issued.empty() && validation::check_instant(issued) == nullptr;
    const auto surgery_id = str(rec, "surgery");

    std::vector<std::pair<std::string_view, Out>> results;
    auto observation = [&](std::string_view part, std::string_view profile, Out code) {
      Out o = base("Observation", rid(rec, part), profile, /*detached=*/true);  // emitted after the report
      b_.add(o, "identifier", identifiers(rec, part));
      if (!surgery_id.empty()) {
        Out part_of = b_.arr();
        part_of.push_back(record_ref(rec, "surgery", "Procedure", surgery_id));
        b_.add(o, "partOf", std::move(part_of));
      }
      b_.add_str(o, "status", obs_status);
      b_.add(o, "category", category("laboratory"));
      b_.add(o, "code", std::move(code));
      b_.add(o, "subject", patient_ref(rec));
      if (!issued.empty()) b_.add_str(o, "effectiveDateTime", issued);
      return o;
    };
    auto local_code = [&](std::string_view code, std::string_view display) {
      Out cc = b_.obj();
      Out codings = b_.arr();
      OutBuilder::push_coding(codings, t_.local_system("pathology"), code, display);
      b_.add(cc, "coding", std::move(codings));
      b_.add_str(cc, "text", display);
      return cc;
    };
    const auto histology = str(rec, "histology");
    const auto morphology = str(rec, "morphology");
    if (!histology.empty() || !morphology.empty()) {
      Out o =
          observation("histology", "mcode-histologic-behavior-and-type", fixed_concept(t_.system("loinc"), "31206-6"));
      Out v = b_.obj();
      Out codings = b_.arr();
      if (!morphology.empty()) OutBuilder::push_coding(codings, t_.system("icdo3"), morphology);
      if (!histology.empty()) add_codings(codings, "histology", histology);
      b_.add(v, "coding", std::move(codings));
      b_.add(o, "valueCodeableConcept", std::move(v));
      results.emplace_back(rid(rec, "histology"), std::move(o));
    }
    if (const Node* grade = member(rec, "grade")) {
      Out o = observation("grade", "mcode-histologic-grade",
                          fixed_concept(t_.system("ncit"), "C18000", "Histologic Grade"));
      b_.add(o, "valueCodeableConcept", codeable("grade", grade->text()));
      results.emplace_back(rid(rec, "grade"), std::move(o));
    }
    if (const Node* necrosis = member(rec, "necrosis_pct")) {
      Out o = observation("necrosis", "", local_code("TUMOR_NECROSIS_PCT", "Tumour necrosis (% of tumour)"));
      b_.add(o, "valueQuantity", quantity(necrosis->text(), "%"));
      results.emplace_back(rid(rec, "necrosis"), std::move(o));
    }
    const auto margin_status = str(rec, "margin_status");
    const Node* margin_mm = member(rec, "margin_mm");
    if (!margin_status.empty() || margin_mm) {
      Out o = observation("margin", "", local_code("RESECTION_MARGIN", "Resection margin"));
      if (!margin_status.empty()) b_.add(o, "valueCodeableConcept", codeable("margin", margin_status));
      if (margin_mm) {
        Out comps = b_.arr();
        Out c = b_.obj();
        b_.add(c, "code", local_code("MARGIN_DISTANCE_MM", "Distance of tumour from the closest margin"));
        b_.add(c, "valueQuantity", quantity(margin_mm->text(), "mm"));
        comps.push_back(std::move(c));
        b_.add(o, "component", std::move(comps));
      }
      results.emplace_back(rid(rec, "margin"), std::move(o));
    }

    Out r = base("DiagnosticReport", id, "");
    Out exts = b_.arr();
    common_extensions(rec, exts);
    if (!surgery_id.empty())
      exts.push_back(b_.extension(kEventPartOf, "valueReference", record_ref(rec, "surgery", "Procedure", surgery_id)));
    if (!issued.empty() && !issued_instant) exts.push_back(ext(ext::kReportedAt, "valueDateTime", b_.str(issued)));
    add_if_any(r, "extension", std::move(exts));
    b_.add(r, "identifier", identifiers(rec));
    b_.add_str(r, "status", obs_status);
    Out cat = b_.arr();
    cat.push_back(fixed_concept(t_.system("v2-0074"), "SP", "Surgical Pathology"));
    b_.add(r, "category", std::move(cat));
    b_.add(r, "code", local_code("SURGICAL_PATHOLOGY_REPORT", "Surgical pathology report"));
    b_.add(r, "subject", patient_ref(rec));
    if (!issued.empty()) b_.add_str(r, "effectiveDateTime", issued);
    if (issued_instant) b_.add_str(r, "issued", issued);
    if (!results.empty()) {
      Out refs = b_.arr();
      for (auto& [rid_, o] : results) refs.push_back(ref("Observation", rid_));
      b_.add(r, "result", std::move(refs));
    }
    if (auto c = str(rec, "conclusion"); !c.empty()) b_.add_str(r, "conclusion", c);
    emit("DiagnosticReport", id, std::move(r));
    for (auto& [rid_, o] : results) emit("Observation", rid_, std::move(o));
  }

  // ---- adverse_event -> AdverseEvent ----------------------------------------------------------------------
  void adverse_event(const Node& rec) {
    const std::string_view id = rid(rec);
    Out r = base("AdverseEvent", id, "");
    Out exts = b_.arr();
    common_extensions(rec, exts);
    if (retracted(rec)) exts.push_back(ext(ext::kRecordStatus, "valueCode", b_.str("entered-in-error")));
    if (const Node* g = member(rec, "ctcae_grade"))
      exts.push_back(ext(ext::kCtcaeGrade, "valueInteger", b_.num(g->text())));
    if (auto res = str(rec, "resolved"); !res.empty()) exts.push_back(ext(ext::kResolved, "valueDate", b_.str(res)));
    add_if_any(r, "extension", std::move(exts));
    b_.add(r, "identifier", record_identifier(rec));  // AdverseEvent.identifier is 0..1
    b_.add_str(r, "actuality", "actual");
    b_.add(r, "event", codeable("adverse_event", str(rec, "event")));
    b_.add(r, "subject", patient_ref(rec));
    const auto onset = str(rec, "onset");
    if (!onset.empty()) b_.add_str(r, "date", onset);
    if (const Node* s = member(rec, "serious")) {
      b_.add(r, "seriousness",
             fixed_concept("http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
                           s->as_bool() ? "Serious" : "Non-serious", s->as_bool() ? "Serious" : "Non-serious"));
    }
    if (const Node* g = member(rec, "ctcae_grade")) {
      const auto gv = g->text();
      const std::string_view sev = gv == "1" ? "mild" : gv == "2" ? "moderate" : "severe";
      b_.add(r, "severity", fixed_concept("http://terminology.hl7.org/CodeSystem/adverse-event-severity", sev));
    }
    if (auto out = str(rec, "outcome"); !out.empty()) {
      static const std::map<std::string_view, std::string_view> kOutcome = {
          {"resolved", "resolved"}, {"resolving", "recovering"}, {"not_resolved", "ongoing"}, {"fatal", "fatal"}};
      b_.add(r, "outcome",
             fixed_concept("http://terminology.hl7.org/CodeSystem/adverse-event-outcome", kOutcome.at(out)));
    }
    if (const Node* drugs = member(rec, "suspect_drugs")) {
      Out suspects = b_.arr();
      Out contained = b_.arr();
      std::size_t k = 0;
      for (const Node& d : drugs->items()) {
        ++k;
        Out se = b_.obj();
        Out se_ext = b_.arr();
        se_ext.push_back(ext(ext::kSuspectDrug, "valueCodeableConcept", codeable("drug", d.text())));
        b_.add(se, "extension", std::move(se_ext));
        // The suspect administration in this batch: the latest one of that drug started on or before onset.
        std::string_view admin;
        if (auto it = admins_.find(TextKey{str(rec, "patient"), d.text()}); it != admins_.end()) {
          for (const auto& [start, rid_] : it->second) {
            if (onset.empty() || !certainly_before(onset, start)) admin = rid_;
          }
          if (admin.empty()) admin = it->second.front().second;
        }
        if (!admin.empty()) {
          Out instance = ref("MedicationAdministration", admin);
          b_.add(se, "instance", std::move(instance));
        } else {
          const std::string cid = "drug" + std::to_string(k);
          Out med = b_.obj();
          b_.add_str(med, "resourceType", "Medication");
          b_.add_str(med, "id", cid);
          b_.add(med, "code", codeable("drug", d.text()));
          contained.push_back(std::move(med));
          b_.add(se, "instance", b_.reference("#" + cid));
        }
        suspects.push_back(std::move(se));
      }
      if (contained.size() > 0) {
        // `contained` belongs before `extension` by convention; position does not matter in JSON.
        b_.add(r, "contained", std::move(contained));
      }
      add_if_any(r, "suspectEntity", std::move(suspects));
    }
    emit("AdverseEvent", id, std::move(r));
  }

  const Tables& t_;
  OutPool pool_;
  OutBuilder b_;
  Uuid ns_;
  std::string& out_;
  bool with_request_;
  std::size_t resources_ = 0;
  std::size_t current_record_ = 0;          // the record map() is mapping
  std::vector<std::size_t> entry_records_;  // see entry_records()
  bool writing_in_place_ = false;           // a resource opened by base() is being written into out_
  mutable TextSet in_bundle_;               // the ids of the resources in the bundle (a lookup applies pending inserts)
  // Keys and values are views of the input records' texts and of ids_ (stable).
  std::unordered_map<TextKey, std::vector<std::string_view>, TextKeyHash> by_type_id_;  // (type, id) -> sources
  std::unordered_map<TextKey, std::vector<std::pair<std::string_view, std::string_view>>, TextKeyHash>
      admins_;                                                       // (patient, drug) -> (start, resource id)
  std::unordered_map<TextKey, std::string_view, TextKeyHash> labs_;  // (patient, test, collected_at) -> id
  std::set<std::string> unit_warnings_;
  IdCache ids_;
  std::map<std::tuple<std::string_view, std::string_view, std::string_view>, UuidText> target_cache_;
  std::unordered_map<std::string_view, std::string> patient_refs_;  // MRN (a view of the batch) -> Reference JSON
  std::string mrn_system_ = mrn_system(t_);
  const CodeTable* units_ = t_.table("unit");  // looked up once: used for every quantity
  const CodeTable* lab_tests_ = t_.table("lab_test");
  mutable std::string scratch_;  // text of one string value being written (no allocation per value)
  mutable std::unordered_map<TextKey, std::string, TextKeyHash> codeable_memo_;  // see codeable()
  mutable std::unordered_map<TextKey, std::string, TextKeyHash> system_memo_;    // see add_record_system()
  struct UnitMembers {
    std::string json;  // "unit":..,"system":..,"code":..
    std::size_t count = 0;
  };
  std::unordered_map<std::string_view, UnitMembers> unit_memo_;  // see quantity()
};

}  // namespace

const char* bundle_type_code(BundleType t) {
  switch (t) {
    case BundleType::Transaction: return "transaction";
    case BundleType::Batch: return "batch";
    case BundleType::Collection: return "collection";
  }
  return "transaction";
}

std::size_t map_records(const std::vector<const Node*>& records, const Tables& tables, const ToFhirOptions& options,
                        validation::Outcome& outcome, std::string& out, std::vector<std::size_t>* entry_records) {
  out.append(R"({"resourceType":"Bundle","type":")").append(bundle_type_code(options.bundle_type)).append("\"");
  const std::size_t no_entries = out.size();
  out.append(R"(,"entry":[)");
  Mapper mapper(tables, options.bundle_type != BundleType::Collection, out);
  mapper.index(records);
  for (const Node* r : records) mapper.plan(*r);
  for (std::size_t i = 0; i < records.size(); ++i) mapper.map(*records[i], i);
  if (mapper.resources() == 0)
    out.resize(no_entries);  // FHIR has no empty arrays
  else
    out.push_back(']');
  out.push_back('}');
  for (const auto& unit : mapper.unit_warnings()) {
    validation::Issue issue;
    issue.severity = Severity::Warning;
    issue.code = "code-invalid";
    issue.diagnostics = "unit '" + unit + "' has no UCUM code in the unit table; sent as text only";
    issue.expression = "unit";
    outcome.add(std::move(issue));
  }
  if (entry_records) *entry_records = mapper.entry_records();
  return mapper.resources();
}

namespace {

// Reads, checks and maps `text`; appends the Bundle to `out` unless nothing may be sent.
void map_text(std::string_view text, const Tables& tables, const ToFhirOptions& options, ToFhirResult& result,
              std::string& out) {
  RecordBatch batch = RecordBatch::read(text, result.outcome);
  auto& records = batch.records();
  result.records_read = records.size();
  // Check every record; keep the last version of each (source, type, id).
  std::unordered_map<TextKey, std::size_t, TextKeyHash> last;  // views of the batch's texts: no string per record
  last.reserve(records.size());
  std::vector<bool> superseded(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    InputRecord& in = records[i];
    if (!in.node || !check_record(*in.node, in.line, tables, result.outcome)) {
      in.rejected = true;
      ++result.records_rejected;
      continue;
    }
    auto [it, inserted] = last.try_emplace(RecordKey::of(*in.node), i);
    if (!inserted) {
      add_record_issue(result.outcome, Severity::Information, "informational", records[it->second].line, "id",
                       "superseded by the later version of the same record on line " + std::to_string(in.line));
      superseded[it->second] = true;
      it->second = i;
    }
  }
  if (result.records_read == 0 && !result.outcome.has_errors()) {
    add_record_issue(result.outcome, Severity::Warning, "required", 0, "", "no records in the input");
  }
  if (options.all_or_nothing && result.records_rejected > 0) {
    validation::Issue issue;
    issue.severity = Severity::Error;
    issue.code = "processing";
    issue.diagnostics = "all-or-nothing: " + std::to_string(result.records_rejected) + " of " +
                        std::to_string(result.records_read) + " records rejected, nothing mapped";
    result.outcome.add(std::move(issue));
    return;
  }
  std::vector<const Node*> good;
  std::vector<std::uint32_t> good_lines;
  good.reserve(last.size());
  good_lines.reserve(last.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i].rejected || superseded[i]) continue;
    good.push_back(records[i].node);
    good_lines.push_back(records[i].line);
  }
  result.records_mapped = good.size();
  std::vector<std::size_t> entry_records;
  result.resources = map_records(good, tables, options, result.outcome, out, &entry_records);
  result.entries.reserve(entry_records.size());
  for (const std::size_t i : entry_records) {
    const Node& rec = *good[i];
    EntryOrigin& e = result.entries.emplace_back();
    e.record.append(str(rec, "source")).append("/").append(str(rec, "type")).append("/").append(str(rec, "id"));
    e.line = good_lines[i];
  }
}

}  // namespace

ToFhirResult records_to_fhir_json(std::string_view text, const Tables& tables, const ToFhirOptions& options,
                                  std::string& out) {
  ToFhirResult result;
  map_text(text, tables, options, result, out);
  return result;
}

ToFhirResult records_to_fhir(std::string_view text, const Tables& tables, const ToFhirOptions& options,
                             const json::Node::allocator_type& alloc) {
  // The bundle lives in the caller's allocator: assigning a tree from another memory resource would deep-copy it.
  ToFhirResult result(alloc);
  std::string out;
  map_text(text, tables, options, result, out);
  if (out.empty()) return result;
  auto parsed = json::parse(out);
  if (!parsed) {  // cannot happen: the mapper writes JSON it composed itself
    validation::Issue issue;
    issue.severity = Severity::Fatal;
    issue.code = "exception";
    issue.diagnostics = "internal error: the Bundle written is not valid JSON: " + parsed.error->message;
    result.outcome.add(std::move(issue));
    return result;
  }
  result.bundle = json::Node(parsed.document->root(), alloc);
  return result;
}

}  // namespace fhir::mappings
