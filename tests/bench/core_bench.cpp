// Throughput of the FHIR core over the official R4 package, next to the raw RapidJSON baseline on the
// same bytes. One benchmark iteration = one pass over the whole corpus; results in MB/s (bytes_per_second)
// and resources/s (items_per_second) per CPU second (single-threaded), so a busy shared machine does not
// distort the comparison. Run: build/bin/fhirgw_core_bench (or tests/bench/run-core-bench.sh).
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "corpus.h"
#include "fhir/json/compact.h"
#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/model/canonical_writer.h"
#include "fhir/validation/validator.h"

namespace fhirgw::bench {
namespace {

void report(benchmark::State& state) {
  const Corpus& c = corpus();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.texts.size()));
  state.counters["files"] = static_cast<double>(c.texts.size());
}

void BM_RapidJsonDomParse(benchmark::State& state) {
  for (auto _ : state) {
    for (const std::string& text : corpus().texts) {
      rapidjson::Document doc;
      doc.Parse(text.data(), text.size());
      if (doc.HasParseError()) state.SkipWithError("RapidJSON parse error");
      benchmark::DoNotOptimize(doc);
    }
  }
  report(state);
}

void BM_RapidJsonParseWrite(benchmark::State& state) {
  rapidjson::StringBuffer out;
  for (auto _ : state) {
    for (const std::string& text : corpus().texts) {
      rapidjson::Document doc;
      doc.Parse(text.data(), text.size());
      out.Clear();
      rapidjson::Writer<rapidjson::StringBuffer> writer(out);
      doc.Accept(writer);
      benchmark::DoNotOptimize(out.GetString());
    }
  }
  report(state);
}

void BM_FhirParse(benchmark::State& state) {
  for (auto _ : state) {
    for (const std::string& text : corpus().texts) {
      auto result = fhir::json::parse(text);
      if (!result) state.SkipWithError("parse error");
      benchmark::DoNotOptimize(result);
    }
  }
  report(state);
}

// The read-only 32-byte-node tree (json::parse_compact, same strict checks): what the parse share of the
// validation would cost if the validator read this tree instead of json::Node.
void BM_FhirParseCompact(benchmark::State& state) {
  for (auto _ : state) {
    for (const std::string& text : corpus().texts) {
      auto result = fhir::json::parse_compact(text);
      if (!result) state.SkipWithError("parse error");
      benchmark::DoNotOptimize(result);
    }
  }
  report(state);
}

void BM_FhirParseCanonicalWrite(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    for (const std::string& text : corpus().texts) {
      auto result = fhir::json::parse(text);
      out.clear();
      fhir::model::write_resource(result.document->root(), out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  report(state);
}

// state.range(0) = 1: errors only (ValidateOptions::errors_only, what a transaction with Prefer:
// return=minimal asks for), against 0: every issue.
void BM_FhirParseValidate(benchmark::State& state) {
  const fhir::validation::Validator validator;
  fhir::validation::ValidateOptions options;
  options.errors_only = state.range(0) == 1;
  for (auto _ : state) {
    for (const std::string& text : corpus().texts) {
      auto result = fhir::json::parse(text);
      auto outcome = validator.validate(result.document->root(), &result.document->lines(), options);
      benchmark::DoNotOptimize(outcome);
    }
  }
  report(state);
}

BENCHMARK(BM_RapidJsonDomParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RapidJsonParseWrite)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FhirParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FhirParseCompact)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FhirParseCanonicalWrite)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FhirParseValidate)->Arg(0)->Arg(1)->ArgName("errors_only")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fhirgw::bench

int main(int argc, char** argv) {
  // Read the corpus before any timing: otherwise the first benchmark's first pass pays for the file reads.
  (void)fhirgw::bench::corpus();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
