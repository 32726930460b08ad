// The stored text of a version (rest::stamped_json) for every resource of the demo case as the mapping writes it
// (what A's /internal/records transaction stores), and for the same resources as a forwarding peer sends them
// (the stored text: what B stores). Baseline in the same run: the text written from the tree (/tree), against
// members copied from the request text where they are in written form (/source).
// Run: build/bin/fhirgw_stamping_bench
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fhir/json/parser.h"
#include "fhir/mappings/tables.h"
#include "fhir/mappings/to_fhir.h"
#include "rest/resource_body.h"

namespace {

constexpr std::int64_t kWhen = 1'796'081'683'007;

struct Case {
  std::string text;
  fhir::json::ParseResult parsed;
  std::vector<const fhir::json::Node*> resources;

  explicit Case(std::string t) : text(std::move(t)), parsed(fhir::json::parse(text)) {
    for (const auto& e : parsed.document->root().find("entry")->items()) resources.push_back(e.find("resource"));
  }
};

std::string mapped_demo() {
  std::ifstream in(std::string(FHIRGW_DEMO_DIR) + "/case.ndjson");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string bundle;
  fhir::mappings::records_to_fhir_json(ss.str(), fhir::mappings::Tables::builtin(), {}, bundle);
  return bundle;
}

const Case& at_a() {
  static const Case c(mapped_demo());
  return c;
}

// The same resources stored (meta first, versionId, lastUpdated), in a Bundle as a peer forwards them.
const Case& at_b() {
  static const Case c([] {
    std::string out = R"({"resourceType":"Bundle","type":"transaction","entry":[)";
    for (const auto* r : at_a().resources) {
      if (out.back() != '[') out += ',';
      out += R"({"resource":)" + fhirgw::rest::stamped_json(*r, "a-id", 1, kWhen - 1) + "}";
    }
    return out + "]}";
  }());
  return c;
}

void stamp(benchmark::State& state, const Case& c, bool from_source) {
  const std::string_view source = from_source ? std::string_view(c.text) : std::string_view();
  std::size_t bytes = 0;
  for (auto _ : state) {
    for (const auto* r : c.resources) {
      std::string s = fhirgw::rest::stamped_json(*r, "server-id", 2, kWhen, source);
      bytes += s.size();
      benchmark::DoNotOptimize(s);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.resources.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_StampAtA_tree(benchmark::State& s) { stamp(s, at_a(), false); }
void BM_StampAtA_source(benchmark::State& s) { stamp(s, at_a(), true); }
void BM_StampAtB_tree(benchmark::State& s) { stamp(s, at_b(), false); }
void BM_StampAtB_source(benchmark::State& s) { stamp(s, at_b(), true); }

}  // namespace

BENCHMARK(BM_StampAtA_tree);
BENCHMARK(BM_StampAtA_source);
BENCHMARK(BM_StampAtB_tree);
BENCHMARK(BM_StampAtB_source);

BENCHMARK_MAIN();
