#include "server/metrics.h"

#include <cstdio>
#include <vector>

namespace fhirgw::server {

void Metrics::record(const std::string& route, const std::string& method, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, method, status}];
  Histogram& h = latency_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::add_sampler(Sampler s) {
  std::lock_guard lock(mutex_);
  samplers_.push_back(std::move(s));
}

std::string Metrics::render() {
  std::string out;
  char buf[64];
  std::vector<Sampler> samplers;
  {
    std::lock_guard lock(mutex_);
    out += "# HELP fhirgw_http_requests_total HTTP requests by route, method and status.\n";
    out += "# TYPE fhirgw_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      const auto& [route, method, status] = key;
      out += "fhirgw_http_requests_total{route=\"" + route + "\",method=\"" + method + "\",status=\"" +
             std::to_string(status) + "\"} " + std::to_string(n) + "\n";
    }
    out += "# HELP fhirgw_http_request_duration_seconds Request latency by route.\n";
    out += "# TYPE fhirgw_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        std::snprintf(buf, sizeof buf, "%g", kBuckets[i]);
        out += "fhirgw_http_request_duration_seconds_bucket{route=\"" + route + "\",le=\"" + buf + "\"} " +
               std::to_string(h.buckets[i]) + "\n";
      }
      out += "fhirgw_http_request_duration_seconds_bucket{route=\"" + route + "\",le=\"+Inf\"} " +
             std::to_string(h.count) + "\n";
      std::snprintf(buf, sizeof buf, "%.6f", h.sum);
      out += "fhirgw_http_request_duration_seconds_sum{route=\"" + route + "\"} " + buf + "\n";
      out += "fhirgw_http_request_duration_seconds_count{route=\"" + route + "\"} " + std::to_string(h.count) + "\n";
    }
    samplers = samplers_;
  }
  out += "# HELP fhirgw_http_requests_in_flight Requests being handled.\n# TYPE fhirgw_http_requests_in_flight gauge\n";
  out += "fhirgw_http_requests_in_flight " + std::to_string(in_flight.load()) + "\n";
  out += "# HELP fhirgw_connections_open Open client connections.\n# TYPE fhirgw_connections_open gauge\n";
  out += "fhirgw_connections_open " + std::to_string(connections.load()) + "\n";
  out += "# HELP fhirgw_connections_rejected_total Connections refused at the connection cap.\n";
  out += "# TYPE fhirgw_connections_rejected_total counter\n";
  out += "fhirgw_connections_rejected_total " + std::to_string(rejected_connections.load()) + "\n";
  out +=
      "# HELP fhirgw_tls_handshake_failures_total TLS handshakes refused (bad or missing client certificate, "
      "protocol).\n# TYPE fhirgw_tls_handshake_failures_total counter\n";
  out += "fhirgw_tls_handshake_failures_total " + std::to_string(tls_handshake_failures.load()) + "\n";
  out +=
      "# HELP fhirgw_tls_resumed_total TLS handshakes that resumed a session.\n"
      "# TYPE fhirgw_tls_resumed_total counter\n";
  out += "fhirgw_tls_resumed_total " + std::to_string(tls_resumed.load()) + "\n";
  for (const auto& s : samplers) out += s();
  return out;
}

std::string route_label(const std::string& path) {
  std::vector<std::string> seg;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto next = path.find('/', start);
    if (next == std::string::npos) next = path.size();
    if (next > start) seg.push_back(path.substr(start, next - start));
    start = next + 1;
  }
  if (seg.empty()) return "/";
  if (seg[0] != "fhir") {
    if (seg.size() == 1 && (seg[0] == "healthz" || seg[0] == "readyz" || seg[0] == "metrics")) return "/" + seg[0];
    if (seg.size() == 2 && seg[0] == "internal" && seg[1] == "records") return "/internal/records";
    return "other";
  }
  if (seg.size() == 1) return "/fhir";
  if (seg[1] == "metadata" || seg[1] == "_history") return seg.size() == 2 ? "/fhir/" + seg[1] : "other";
  if (seg.size() > 5) return "other";
  std::string label = "/fhir/:type";
  for (std::size_t i = 2; i < seg.size(); ++i) {
    const std::string& s = seg[i];
    if (s == "_search" || s == "_history" || s == "$validate") {
      label += "/" + s;
    } else {
      label += i == 2 ? "/:id" : "/:vid";
    }
  }
  return label;
}

}  // namespace fhirgw::server
