// Forwarding metrics per peer (Prometheus text): deliveries, failed attempts, dead letters and the
// end-to-end latency (stored at this gateway -> acknowledged by the peer). Queue depth is sampled from
// the store at scrape time (serve_command.cpp). Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace fhirgw::outbox {

class DeliveryMetrics {
 public:
  // Up to 10 minutes: a peer catching up on a backlog (or a bulk load) delivers minutes after storing.
  static constexpr std::array<double, 15> kBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                   2.5,   5,    10,    30,   60,  120,  600};

  void delivered(const std::string& peer, double latency_seconds);
  void failed(const std::string& peer);  // one resource's failed attempt (or one batch's transport failure)
  void dead_lettered(const std::string& peer);
  std::string render();

 private:
  struct PerPeer {
    std::uint64_t delivered = 0;
    std::uint64_t failures = 0;
    std::uint64_t dead = 0;
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    double sum = 0;
  };
  std::mutex mutex_;
  std::map<std::string, PerPeer> peers_;
};

}  // namespace fhirgw::outbox
