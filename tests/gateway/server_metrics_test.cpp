// Metrics: what many I/O threads record at once is counted exactly, one Prometheus series per label set.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "server/metrics.h"

namespace fhirgw::server {
namespace {

std::string line_of(const std::string& text, const std::string& prefix) {
  const auto at = text.find(prefix);
  if (at == std::string::npos) return {};
  return text.substr(at, text.find('\n', at) - at);
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
  EXPECT_EQ(line_of(text, "fhirgw_http_requests_total{route=\"/fhir/:type/:id\""),
            "fhirgw_http_requests_total{route=\"/fhir/:type/:id\",method=\"GET\",status=\"200\"} 20000");
  EXPECT_EQ(line_of(text, "fhirgw_http_requests_total{route=\"/fhir/:type\""),
            "fhirgw_http_requests_total{route=\"/fhir/:type\",method=\"POST\",status=\"201\"} 10000");
  // Cumulative buckets: 2 ms falls in le=0.0025 and above, not in le=0.001.
  EXPECT_EQ(line_of(text, "fhirgw_http_request_duration_seconds_bucket{route=\"/fhir/:type/:id\",le=\"0.001\"}"),
            "fhirgw_http_request_duration_seconds_bucket{route=\"/fhir/:type/:id\",le=\"0.001\"} 0");
  EXPECT_EQ(line_of(text, "fhirgw_http_request_duration_seconds_bucket{route=\"/fhir/:type/:id\",le=\"0.0025\"}"),
            "fhirgw_http_request_duration_seconds_bucket{route=\"/fhir/:type/:id\",le=\"0.0025\"} 20000");
  EXPECT_EQ(line_of(text, "fhirgw_http_request_duration_seconds_count{route=\"/fhir/:type\"}"),
            "fhirgw_http_request_duration_seconds_count{route=\"/fhir/:type\"} 10000");
  EXPECT_EQ(line_of(text, "fhirgw_http_request_duration_seconds_sum{route=\"/fhir/:type\"}"),
            "fhirgw_http_request_duration_seconds_sum{route=\"/fhir/:type\"} 3000.000000");
  // One series per label set.
  std::size_t series = 0;
  for (std::size_t at = text.find("fhirgw_http_requests_total{"); at != std::string::npos;
       at = text.find("fhirgw_http_requests_total{", at + 1))
    ++series;
  EXPECT_EQ(series, 2u);
}

}  // namespace
}  // namespace fhirgw::server
