// Metrics: what many I/O threads record at once is counted exactly, one Prometheus series per label set.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "server/metrics.h"

namespace fhirgw::server {
namespace {

// The value of the series `name_and_labels` in the Prometheus text, or "missing".
std::string value_of(const std::string& text, const std::string& name_and_labels) {
  const auto at = text.find(name_and_labels + " ");
  if (at == std::string::npos) return "missing";
  const auto from = at + name_and_labels.size() + 1;
  return text.substr(from, text.find('\n', from) - from);
}

TEST(Metrics, ThreadsRecordingAtOnceAddUpToOneSeriesPerLabelSet) {
  Metrics metrics;
  constexpr int kThreads = 20;
  constexpr int kEach = 1000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < kEach; ++i) {
        metrics.record("/fhir/:type/:id", "GET", 200, 0.002);
        if (t % 2 == 0) metrics.record("/fhir/:type", "POST", 201, 0.3);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const std::string text = metrics.render();
  const std::string read = "route=\"/fhir/:type/:id\"";
  const std::string create = "route=\"/fhir/:type\"";
  EXPECT_EQ(value_of(text, "fhirgw_http_requests_total{" + read + ",method=\"GET\",status=\"200\"}"), "20000");
  EXPECT_EQ(value_of(text, "fhirgw_http_requests_total{" + create + ",method=\"POST\",status=\"201\"}"), "10000");
  // Cumulative buckets: 2 ms falls in le=0.0025 and above, not in le=0.001.
  EXPECT_EQ(value_of(text, "fhirgw_http_request_duration_seconds_bucket{" + read + ",le=\"0.001\"}"), "0");
  EXPECT_EQ(value_of(text, "fhirgw_http_request_duration_seconds_bucket{" + read + ",le=\"0.0025\"}"), "20000");
  EXPECT_EQ(value_of(text, "fhirgw_http_request_duration_seconds_count{" + create + "}"), "10000");
  EXPECT_EQ(value_of(text, "fhirgw_http_request_duration_seconds_sum{" + create + "}"), "3000.000000");
  // One series per label set.
  std::size_t series = 0;
  for (std::size_t at = text.find("fhirgw_http_requests_total{"); at != std::string::npos;
       at = text.find("fhirgw_http_requests_total{", at + 1))
    ++series;
  EXPECT_EQ(series, 2u);
}

}  // namespace
}  // namespace fhirgw::server
