// Generator of random internal records of every type (property tests; fixed seeds make them reproducible).
#pragma once

#include <random>
#include <string>
#include <string_view>

#include "fhir/json/writer.h"

namespace fhir::mappings::testing {

class RandomRecords {
 public:
  explicit RandomRecords(unsigned seed) : rng_(seed) {}

  std::string batch(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += one(i) + "\n";
    return out;
  }

 private:
  bool coin() { return std::uniform_int_distribution<int>(0, 1)(rng_) == 1; }
  int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <typename T, std::size_t N>
  const T& pick(const T (&a)[N]) {
    return a[static_cast<std::size_t>(between(0, static_cast<int>(N) - 1))];
  }
  std::string q(std::string_view s) {
    std::string out;
    json::write_string(s, out);
    return out;
  }
  std::string decimal() {
    static const char* kForms[] = {"0",     "12.50",   "0.001",   "1200", "7.0",
                                   "99.99", "3.14159", "100.000", "1e3",  "2.5E-2"};
    return pick(kForms);
  }
  std::string date() {
    static const char* kDates[] = {"2020", "2020-10", "2020-10-10", "2021-02-28", "2024-02-29"};
    return pick(kDates);
  }
  std::string datetime() {
    static const char* kDts[] = {"2020-10-10T09:30:00+08:00", "2021-04-21T08:30:00Z", "2021-04-21T08:30:00.123+02:00",
                                 "2021-04-21"};
    return pick(kDts);
  }
  std::string text() {
    static const char* kTexts[] = {"right hepatic lobe", "Ünïcødé 肝", "quote \" and \\ backslash", "x"};
    return pick(kTexts);
  }

  std::string head(std::string_view type, int i) {
    static const char* kSources[] = {"GDPH-LIS", "GDPH-EMR", "SRC.2_x"};
    std::string s =
        "{\"type\":" + q(type) + ",\"id\":" + q("R" + std::to_string(i) + ":x") + ",\"source\":" + q(pick(kSources));
    if (type != "patient") s += ",\"patient\":" + q("MRN-" + std::to_string(between(1, 3)));
    if (coin()) s += ",\"updated_at\":" + q(datetime());
    return s;
  }

  std::string one(int i) {
    switch (between(0, 8)) {
      case 0: {
        std::string s = head("patient", i);
        static const char* kSex[] = {"male", "female", "other", "unknown"};
        s += ",\"sex\":" + q(pick(kSex));
        if (coin()) s += ",\"name\":{\"family\":" + q(text()) + (coin() ? ",\"given\":[\"A\",\"B\"]" : "") + "}";
        if (coin()) s += ",\"birth_date\":" + q(date());
        if (coin()) s += coin() ? ",\"deceased\":false" : ",\"deceased\":" + q("2023-01-02");
        if (coin()) s += ",\"identifiers\":[{\"system\":\"urn:oid:2.16.156\",\"value\":\"ID-110\"}]";
        if (coin()) s += std::string(",\"hbv_carrier\":") + (coin() ? "true" : "false");
        if (coin()) s += ",\"status\":\"entered_in_error\"";
        return s + "}";
      }
      case 1: {
        std::string s = head("diagnosis", i);
        static const char* kCodes[] = {"HCC", "LUNG_MET", "LN_MET", "CHB", "NEW_LOCAL"};
        s += ",\"code\":" + q(pick(kCodes));
        if (coin()) s += ",\"icd10\":\"C22.0\"";
        if (coin()) s += ",\"morphology\":\"8170/3\"";
        if (coin()) s += ",\"diagnosed_on\":" + q(date());
        if (coin()) s += ",\"body_site\":" + q(coin() ? "LIVER" : text());
        if (coin()) {
          static const char* kCs[] = {"active", "remission", "resolved"};
          s += ",\"clinical_status\":" + q(pick(kCs));
        }
        const bool primary = coin();
        if (coin()) s += std::string(",\"primary\":") + (primary ? "true" : "false");
        if (!primary && coin()) s += ",\"primary_of\":\"DX-1\"";
        if (coin()) {
          static const char* kSys[] = {"BCLC", "CNLC", "TNM8"};
          s += ",\"stage\":{\"system\":" + q(pick(kSys)) + ",\"value\":\"IIIb\"}";
        }
        if (coin()) s += ",\"status\":\"entered_in_error\"";
        return s + "}";
      }
      case 2: {
        std::string s = head("drug_administration", i);
        static const char* kDrugs[] = {"LENVATINIB", "CAMRELIZUMAB", "TENOFOVIR", "OXALIPLATIN", "NEWDRUG"};
        static const char* kUnits[] = {"mg", "mg/m2", "mg/kg", "mL"};
        static const char* kRoutes[] = {"PO", "IV", "IVGTT", "SC"};
        static const char* kFreq[] = {"QD", "BID", "Q2W", "Q3W", "ONCE"};
        static const char* kIntent[] = {"conversion", "adjuvant", "palliative", "curative"};
        static const char* kStatus[] = {"completed", "in_progress", "stopped", "not_done", "entered_in_error"};
        s += ",\"drug\":" + q(pick(kDrugs));
        if (coin()) s += ",\"dose\":{\"value\":" + decimal() + ",\"unit\":" + q(pick(kUnits)) + "}";
        if (coin()) s += ",\"route\":" + q(pick(kRoutes));
        if (coin()) s += ",\"frequency\":" + q(pick(kFreq));
        s += ",\"start\":\"2020-10-10T09:30:00+08:00\"";
        if (coin()) s += ",\"end\":\"2021-04-14T09:30:00+08:00\"";
        if (coin()) s += ",\"cycle\":" + std::to_string(between(1, 20));
        if (coin()) s += ",\"regimen\":" + q(coin() ? "LEN+CAM" : text());
        if (coin()) s += ",\"intent\":" + q(pick(kIntent));
        s += ",\"status\":" + q(pick(kStatus));
        if (coin()) s += ",\"reason_not_given\":\"patient declined\"";
        if (coin()) s += ",\"order_id\":\"ORD-1\"";
        if (coin()) s += ",\"diagnosis\":\"DX-1\"";
        return s + "}";
      }
      case 3: {
        std::string s = head("lab_result", i);
        static const char* kTests[] = {"AFP", "LDH", "NLR", "NEUT_ABS", "CD5POS_B_PCT", "ALT", "NEWTEST"};
        static const char* kUnits[] = {"ng/mL", "IU/mL", "U/L", "%", "10^9/L", "g/L", "umol/L", "mmol/L"};
        static const char* kStatus[] = {"final", "preliminary", "corrected", "cancelled", "entered_in_error"};
        static const char* kFlags[] = {"H", "L", "N", "HH", "LL"};
        static const char* kCmp[] = {"<", "<=", ">", ">="};
        static const char* kSpec[] = {"serum", "plasma", "whole_blood"};
        s += ",\"test\":" + q(pick(kTests));
        const bool value = coin();
        if (value) s += ",\"value\":" + (coin() ? decimal() : q(decimal()).replace(0, 0, ""));
        if (value && coin()) s += ",\"comparator\":" + q(pick(kCmp));
        if (coin()) s += ",\"unit\":" + q(pick(kUnits));
        if (coin()) {
          s += ",\"reference_range\":{";
          std::string inner;
          if (coin()) inner += "\"low\":" + decimal();
          if (coin()) inner += std::string(inner.empty() ? "" : ",") + "\"high\":" + decimal();
          if (inner.empty() || coin()) inner += std::string(inner.empty() ? "" : ",") + "\"text\":\"<20\"";
          s += inner + "}";
        }
        if (coin()) s += ",\"flag\":" + q(pick(kFlags));
        if (coin()) s += ",\"specimen\":" + q(pick(kSpec));
        if (coin()) s += ",\"collected_at\":" + q(datetime());
        if (coin()) s += ",\"reported_at\":" + q(datetime());
        s += ",\"status\":" + q(value ? pick(kStatus) : (coin() ? "cancelled" : "entered_in_error"));
        if (coin()) s += ",\"note\":" + q(text());
        return s + "}";
      }
      case 4: {
        std::string s = head("tumor_assessment", i);
        static const char* kMethod[] = {"CT", "MRI", "PET_MRI", "PET_CT", "US"};
        static const char* kResp[] = {"CR", "PR", "SD", "PD", "NE"};
        s += ",\"assessed_on\":" + q(date());
        if (coin()) s += ",\"method\":" + q(pick(kMethod));
        if (coin()) s += ",\"criteria\":" + q(coin() ? "RECIST_1_1" : "MRECIST");
        s += ",\"response\":" + q(pick(kResp));
        if (coin()) {
          s += ",\"lesions\":[";
          const int n = between(1, 3);  // FHIR has no empty arrays: [] and absent are the same (README)
          for (int k = 0; k < n; ++k) {
            if (k) s += ",";
            s += "{\"longest_mm\":" + decimal();
            if (coin()) s += ",\"site\":" + q(text());
            if (coin()) s += ",\"short_axis_mm\":" + decimal();
            if (coin()) s += std::string(",\"target\":") + (coin() ? "true" : "false");
            s += "}";
          }
          s += "]";
        }
        if (coin()) s += ",\"diagnosis\":\"DX-1\"";
        s += ",\"status\":" + q(coin() ? "final" : "entered_in_error");
        return s + "}";
      }
      case 5: {
        std::string s = head("clinical_score", i);
        switch (between(0, 2)) {
          case 0: s += ",\"scale\":\"ECOG\",\"value\":" + std::to_string(between(0, 5)); break;
          case 1:
            s += ",\"scale\":\"CHILD_PUGH\"";
            if (coin()) s += ",\"value\":" + std::to_string(between(5, 15));
            s += ",\"class\":" + q(coin() ? "A" : "C");
            break;
          default: s += ",\"scale\":\"BCLC\",\"value\":" + q(coin() ? "C" : "0"); break;
        }
        s += ",\"assessed_on\":" + q(coin() ? date() : datetime());
        if (coin()) s += ",\"status\":\"entered_in_error\"";
        return s + "}";
      }
      case 6: {
        std::string s = head("surgery", i);
        static const char* kProc[] = {"PARTIAL_HEPATECTOMY", "RFA", "TACE", "NEWPROC"};
        static const char* kStatus[] = {"completed", "in_progress", "not_done", "entered_in_error"};
        static const char* kIntent[] = {"curative", "conversion", "palliative", "diagnostic"};
        s += ",\"procedure\":" + q(pick(kProc));
        const std::string status = pick(kStatus);
        const bool start = status == "completed" || status == "in_progress" || coin();
        if (start) s += ",\"start\":\"2021-04-21T08:30:00+08:00\"";
        if (coin()) s += ",\"end\":\"2021-04-21T13:10:00+08:00\"";
        if (coin()) s += ",\"body_sites\":[\"S5\",\"S6\"]";
        if (coin()) s += ",\"intent\":" + q(pick(kIntent));
        if (coin()) s += ",\"margin\":" + q(coin() ? "R0" : "R2");
        if (coin()) s += ",\"complications\":[\"BILE_LEAK\",\"NEW_COMPLICATION\"]";
        s += ",\"status\":" + q(status);
        if (coin()) s += ",\"diagnosis\":\"DX-1\"";
        if (coin()) s += ",\"surgeon\":" + q(text());
        return s + "}";
      }
      case 7: {
        std::string s = head("pathology", i);
        static const char* kStatus[] = {"final", "amended", "entered_in_error"};
        if (coin()) s += ",\"surgery\":\"OR-1\"";
        if (coin()) s += ",\"issued_at\":" + q(datetime());
        if (coin()) s += ",\"histology\":\"HCC\"";
        if (coin()) s += ",\"morphology\":\"8170/3\"";
        if (coin()) s += ",\"grade\":" + std::to_string(between(1, 4));
        if (coin()) s += ",\"necrosis_pct\":" + std::string(coin() ? "80" : "12.5");
        if (coin()) s += ",\"margin_status\":" + q(coin() ? "negative" : "positive");
        if (coin()) s += ",\"margin_mm\":" + decimal();
        if (coin()) s += ",\"conclusion\":" + q(text());
        s += ",\"status\":" + q(pick(kStatus));
        return s + "}";
      }
      default: {
        std::string s = head("adverse_event", i);
        static const char* kEvents[] = {"HFSR", "HYPERTENSION", "RCCEP", "NEW_AE"};
        static const char* kOutcome[] = {"resolved", "resolving", "not_resolved", "fatal"};
        s += ",\"event\":" + q(pick(kEvents));
        if (coin()) s += ",\"ctcae_grade\":" + std::to_string(between(1, 5));
        if (coin()) s += ",\"onset\":\"2020-11-15\"";
        if (coin()) s += ",\"resolved\":\"2020-12-20\"";
        if (coin()) s += std::string(",\"serious\":") + (coin() ? "true" : "false");
        if (coin()) s += ",\"suspect_drugs\":[\"LENVATINIB\",\"CAMRELIZUMAB\"]";
        if (coin()) s += ",\"outcome\":" + q(pick(kOutcome));
        if (coin()) s += ",\"status\":\"entered_in_error\"";
        return s + "}";
      }
    }
  }

  std::mt19937 rng_;
};

}  // namespace fhir::mappings::testing
