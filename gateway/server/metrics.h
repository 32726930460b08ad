// Server metrics in Prometheus text format: requests by route/method/status, latency histograms by
// route, requests in flight, open connections, store size and validation failures. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace fhirgw::server {

class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                   0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  void record(const std::string& route, const std::string& method, int status, double seconds);
  std::atomic<std::int64_t> in_flight{0};
  std::atomic<std::int64_t> connections{0};
  std::atomic<std::uint64_t> rejected_connections{0};
  std::atomic<std::uint64_t> tls_handshake_failures{0};
  std::atomic<std::uint64_t> tls_resumed{0};

  // Extra gauges sampled at scrape time (store size, validation failures).
  using Sampler = std::function<std::string()>;
  void add_sampler(Sampler s);

  std::string render();

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::vector<Sampler> samplers_;
};

// Bounded-cardinality route label of a path: "/fhir/:type/:id", never ids or query values.
std::string route_label(const std::string& path);

}  // namespace fhirgw::server
