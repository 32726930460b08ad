#include "outbox/delivery_metrics.h"

#include <cstdio>

namespace fhirgw::outbox {

void DeliveryMetrics::delivered(const std::string& peer, double latency_seconds) {
  std::lock_guard lock(mutex_);
  PerPeer& p = peers_[peer];
  ++p.delivered;
  p.sum += latency_seconds;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (latency_seconds <= kBuckets[i]) ++p.buckets[i];
  }
}

void DeliveryMetrics::failed(const std::string& peer) {
  std::lock_guard lock(mutex_);
  ++peers_[peer].failures;
}

void DeliveryMetrics::dead_lettered(const std::string& peer) {
  std::lock_guard lock(mutex_);
  ++peers_[peer].dead;
}

std::string DeliveryMetrics::render() {
  std::lock_guard lock(mutex_);
  std::string out;
  auto counter = [&](const char* name, const char* help, std::uint64_t PerPeer::*field) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n";
    for (const auto& [peer, p] : peers_)
      out += std::string(name) + "{peer=\"" + peer + "\"} " + std::to_string(p.*field) + "\n";
  };
  counter("fhirgw_outbox_delivered_total", "Resource versions acknowledged by the peer.", &PerPeer::delivered);
  counter("fhirgw_outbox_failures_total", "Failed delivery attempts.", &PerPeer::failures);
  counter("fhirgw_outbox_dead_letters_total", "Resource versions given up on.", &PerPeer::dead);
  out +=
      "# HELP fhirgw_outbox_delivery_seconds Time from storing a version to the peer's acknowledgement.\n"
      "# TYPE fhirgw_outbox_delivery_seconds histogram\n";
  char le[32];
  for (const auto& [peer, p] : peers_) {
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      std::snprintf(le, sizeof le, "%g", kBuckets[i]);
      out += "fhirgw_outbox_delivery_seconds_bucket{peer=\"" + peer + "\",le=\"" + le + "\"} " +
             std::to_string(p.buckets[i]) + "\n";
    }
    out += "fhirgw_outbox_delivery_seconds_bucket{peer=\"" + peer + "\",le=\"+Inf\"} " + std::to_string(p.delivered) +
           "\n";
    out += "fhirgw_outbox_delivery_seconds_sum{peer=\"" + peer + "\"} " + std::to_string(p.sum) + "\n";
    out += "fhirgw_outbox_delivery_seconds_count{peer=\"" + peer + "\"} " + std::to_string(p.delivered) + "\n";
  }
  return out;
}

}  // namespace fhirgw::outbox
