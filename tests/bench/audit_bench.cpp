// The audit trail's work per forwarded resource (issue 5 §5): the AuditEvent of A's ingest transaction
// (one entity per written resource, 2,000 records per request give ~2,000 entities of a few types), of a
// delivery (1,000 entities, each with the rid read with its outbox row) and of a grouped read (100 entities,
// 3 resources). /build: audit::audit_event_version (JSON + index rows); /stored: that plus putting it
// into a real SQLite store (temp dir) and committing, as the audit writer does.
// The baseline is main's library: build this file at main and at the change, run both, alternating.
//   build/bin/fhirgw_audit_bench    (or: valgrind --tool=callgrind build/bin/fhirgw_audit_bench
//                                     --benchmark_filter=build --benchmark_min_time=1x)
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>
#include <string>

#include "audit/audit_event.h"
#include "fhir/model/metadata.h"
#include "search/param_catalog.h"
#include "storage/sqlite_store.h"

namespace {

using namespace fhirgw;

const search::ParamCatalog& catalog() {
  static const search::ParamCatalog c(fhir::model::Registry::r4());
  return c;
}

std::string uuid_like(std::mt19937_64& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i != 8 && i != 13 && i != 18 && i != 23) id[i] = kHex[rng() % 16];
  }
  return id;
}

// What AuditingTransaction records for A's /internal/records transaction: per patient a Patient, an
// Encounter, a Specimen and labs (Observations), each created (version 1).
audit::AuditRecord ingest_transaction(std::size_t n) {
  static const char* kTypes[] = {"Patient",     "Encounter",   "Specimen",    "Observation", "Observation",
                                 "Observation", "Observation", "Observation", "Observation", "Observation"};
  std::mt19937_64 rng(1);
  audit::AuditRecord r;
  r.interaction = "transaction";
  r.client_id = "lab-feed";
  r.network_address = "127.0.0.1";
  r.request_id = "0b5b7c5e-1111-4e5a-9a5b-0123456789ab";
  // (Entity::of_reference, not of_version: this file also builds at main, for the baseline.)
  for (std::size_t i = 0; i < n; ++i) {
    r.entities.push_back(
        audit::Entity::of_reference(std::string(kTypes[i % 10]) + "/" + uuid_like(rng) + "/_history/1", "create"));
  }
  return r;
}

// What the delivery worker records for one Bundle sent to the peer.
audit::AuditRecord delivery(std::size_t n) {
  audit::AuditRecord r = ingest_transaction(n);
  r.client_id = "hospital-a";
  r.network_address = "127.0.0.1";
  r.request_id.clear();
  std::int64_t rid = 1'000;
  for (audit::Entity& e : r.entities) {
    e.interaction = "update";
    e.rid = ++rid;
  }
  return r;
}

// A grouped read: 100 reads of 3 Patients by one client in one flush.
audit::AuditRecord grouped_read() {
  audit::AuditRecord r;
  r.interaction = "read";
  r.client_id = "ward-app";
  r.network_address = "10.0.0.7";
  r.period_start_ms = 1'800'000'000'000;
  r.recorded_ms = 1'800'000'000'900;
  for (int i = 0; i < 100; ++i) {
    r.entities.push_back(
        {"Patient/p" + std::to_string(i % 3), {}, {}, "req-" + std::to_string(i), 1'800'000'000'000 + i});
  }
  return r;
}

void build(benchmark::State& state, const audit::AuditRecord& record) {
  catalog();
  for (auto _ : state) {
    storage::NewVersion v = audit::audit_event_version(record, catalog());
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * record.entities.size()));
  state.counters["entities"] = static_cast<double>(record.entities.size());
}

void stored(benchmark::State& state, const audit::AuditRecord& record) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("fhirgw-audit-bench-" + std::to_string(std::random_device()()));
  std::filesystem::create_directories(dir);
  {
    storage::SqliteOptions options;
    options.path = (dir / "store.db").string();
    options.synchronous_full = false;
    options.read_connections = 1;
    storage::SqliteStore store(options);
    for (auto _ : state) {
      auto txn = store.begin_write(storage::WriteIntent::Unconditional);
      txn->put(audit::audit_event_version(record, catalog()), storage::Method::Create, 1);
      txn->commit();
    }
  }
  std::filesystem::remove_all(dir);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * record.entities.size()));
}

const audit::AuditRecord kIngest = ingest_transaction(2'000);
const audit::AuditRecord kDelivery = delivery(1'000);
const audit::AuditRecord kGroupedRead = grouped_read();

BENCHMARK_CAPTURE(build, ingest_transaction_2000, kIngest)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(build, delivery_1000, kDelivery)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(build, grouped_read_100, kGroupedRead)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(stored, delivery_1000, kDelivery)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(stored, grouped_read_100, kGroupedRead)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
