// The compact metadata format: what fhirgw_generate_metadata writes into fhir_models/spec/ and what
// Registry::load_compact reads. One JSON object per file:
//
//   {"generated": "<note: generated, by which command>", "format": "fhirgw-metadata/1",
//    "constraints": [[key, "error"|"warning", human, expression], ...],      // shared by the types below
//    "types": [{"name", "url", "id"?, "base"?, "kind", "abstract"?, "profile"?,
//               "elements": [{"p": path, "u": parent index?, "s": sliceName?, "c": "min..max",
//                             "t": [code | {"code", "profile"?, "targetProfile"?}], "b": [strength,
//                             valueSet]?, "cr": contentReference?, "fixed"?: JSON text, "pattern"?: JSON
//                             text, "k": [constraint index]?, "sl": {"d": [[type, path]], "o": ordered?, "r":
//                             rules}?, "mod"?: 1, "sum"?: 1, "ms"?: 1}]}],
//    "valueSets": [{"url", "complete": bool, "codes": {system: [code, ...]}}],
//    "codeSystems": [{"url", "content", "caseSensitive"?: false, "concepts": [[code, display], ...]}],
//    "searchParams": [{"name", "url", "type", "base": [...], "expression"?, "target"?: [...]}]}
//
// An element's JSON name and choice flag are not stored: they follow from its path (the last segment;
// a "[x]" suffix marks a choice). Parents precede their children ("u" < own index).
// Every section is optional. Output is deterministic (sorted where the source order carries no meaning)
// and written one item per line so that diffs of regenerated files stay readable.
#pragma once

#include <memory>
#include <string>

#include "fhir/model/metadata.h"

namespace fhir::model {

class CompactWriter {
 public:
  // `generated_note` becomes the first member ("generated"): say that the file is generated and how.
  explicit CompactWriter(std::string generated_note);
  ~CompactWriter();
  CompactWriter(const CompactWriter&) = delete;
  CompactWriter& operator=(const CompactWriter&) = delete;

  void add_type(const TypeDef& type);
  void add_value_set(const ValueSetExpansion& vs);
  void add_code_system(const CodeSystemInfo& cs);
  void add_search_param(const SearchParamDef& sp);

  // Bytes written so far (approximate size of the final file).
  std::size_t size() const;
  bool empty() const;
  // The complete file text (ends with a newline).
  std::string finish() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace fhir::model
