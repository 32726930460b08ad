// The hospital side over HTTP (shared/internal-records.md):
//   POST /internal/records   NDJSON internal records -> mapped to FHIR -> stored as ONE transaction.
//   GET  /internal/records?patient=MRN[&type=T][&since=DATE]   stored FHIR data -> internal NDJSON.
// Mapping is done by the mappings library; storing goes through FhirService (same validation, same
// transaction code as POST /fhir).
#pragma once

#include "fhir/mappings/tables.h"
#include "http/message.h"
#include "rest/fhir_service.h"
#include "search/param_catalog.h"
#include "storage/store.h"

namespace fhirgw::rest {

class InternalRecords {
 public:
  InternalRecords(FhirService& fhir, storage::Store& store, const search::ParamCatalog& catalog,
                  const fhir::mappings::Tables& tables)
      : fhir_(fhir), store_(store), catalog_(catalog), tables_(tables) {}

  http::Response handle(const http::Request& req);

 private:
  http::Response post(const http::Request& req);
  http::Response get(const http::Request& req);

  FhirService& fhir_;
  storage::Store& store_;
  const search::ParamCatalog& catalog_;
  const fhir::mappings::Tables& tables_;
};

}  // namespace fhirgw::rest
