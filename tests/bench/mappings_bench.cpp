// Throughput of the mappings, including JSON parse and write (issue 3 section 6; goal >= 200,000 records/s
// per core each way):
//   internal NDJSON text -> records_to_fhir -> Bundle JSON text
//   Bundle JSON text     -> fhir_to_ndjson  -> NDJSON text
// Input: the demo case (deploy/demo/case.ndjson) replicated with distinct ids and MRNs.
// Baselines in the same run: RapidJSON's DOM parse + Writer of the same input bytes (BM_BaselineRapidJson*).
// Run: build/bin/fhirgw_mappings_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "fhir/json/writer.h"
#include "fhir/mappings/from_fhir.h"
#include "fhir/mappings/to_fhir.h"

namespace {

namespace fm = fhir::mappings;

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

const std::string& demo_records(std::size_t copies) {
  static std::map<std::size_t, std::string> cache;
  auto& text = cache[copies];
  if (text.empty()) {
    std::ifstream in(std::string(FHIRGW_DEMO_DIR) + "/case.ndjson");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string base = ss.str();
    for (std::size_t k = 0; k < copies; ++k) {
      const std::string prefix = "B" + std::to_string(k) + "-";
      text += replace_all(replace_all(base, "\"id\":\"", "\"id\":\"" + prefix), "MRN-0001", "MRN-" + std::to_string(k));
    }
  }
  return text;
}

std::size_t count_lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

void BM_ToFhirBundleJson(benchmark::State& state) {
  const std::string& input = demo_records(static_cast<std::size_t>(state.range(0)));
  const std::size_t records = count_lines(input);
  const fm::Tables& tables = fm::Tables::builtin();
  std::string out;
  for (auto _ : state) {
    out.clear();
    auto result = fm::records_to_fhir_json(input, tables, {}, out);
    if (result.records_mapped != records) state.SkipWithError("records were not mapped");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * records));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
  state.counters["bundle_bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_ToFhirBundleJson)->Arg(1)->Arg(60)->Unit(benchmark::kMillisecond);

// Baseline for the direction above: RapidJSON's own DOM parse of every input line and its Writer, nothing else
// (numbers kept as text, as the gateway's parser does). Items are the same records.
void BM_BaselineRapidJsonNdjson(benchmark::State& state) {
  const std::string& input = demo_records(static_cast<std::size_t>(state.range(0)));
  const std::size_t records = count_lines(input);
  rapidjson::StringBuffer buffer;
  for (auto _ : state) {
    buffer.Clear();
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    std::size_t start = 0;
    while (start < input.size()) {
      std::size_t end = input.find('\n', start);
      if (end == std::string::npos) end = input.size();
      rapidjson::Document doc;
      doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(input.data() + start, end - start);
      if (doc.HasParseError()) state.SkipWithError("baseline parse failed");
      doc.Accept(writer);
      writer.Reset(buffer);
      start = end + 1;
    }
    benchmark::DoNotOptimize(buffer.GetString());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * records));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * input.size()));
}
BENCHMARK(BM_BaselineRapidJsonNdjson)->Arg(1)->Arg(60)->Unit(benchmark::kMillisecond);

void BM_FromFhirBundleJson(benchmark::State& state) {
  const std::string& input = demo_records(static_cast<std::size_t>(state.range(0)));
  const std::size_t records = count_lines(input);
  const fm::Tables& tables = fm::Tables::builtin();
  std::string bundle;
  fm::records_to_fhir_json(input, tables, {}, bundle);
  std::string out;
  for (auto _ : state) {
    out.clear();
    auto result = fm::fhir_to_ndjson(bundle, tables, out);
    if (result.records_written != records) state.SkipWithError("round trip lost records");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * records));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bundle.size()));
}
BENCHMARK(BM_FromFhirBundleJson)->Arg(1)->Arg(60)->Unit(benchmark::kMillisecond);

// Baseline for the direction above: RapidJSON's DOM parse of the same Bundle text and its Writer.
void BM_BaselineRapidJsonBundle(benchmark::State& state) {
  const std::string& input = demo_records(static_cast<std::size_t>(state.range(0)));
  const std::size_t records = count_lines(input);
  std::string bundle;
  fm::records_to_fhir_json(input, fm::Tables::builtin(), {}, bundle);
  rapidjson::StringBuffer buffer;
  for (auto _ : state) {
    buffer.Clear();
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(bundle.data(), bundle.size());
    if (doc.HasParseError()) state.SkipWithError("baseline parse failed");
    doc.Accept(writer);
    benchmark::DoNotOptimize(buffer.GetString());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * records));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bundle.size()));
}
BENCHMARK(BM_BaselineRapidJsonBundle)->Arg(1)->Arg(60)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
