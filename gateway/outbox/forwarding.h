// Forwarding as one piece for `fhirgw serve`: the router (outbox rows in the write transaction), one
// delivery thread per peer with routes, the admin endpoints, the metrics, and the recognition of
// inbound exchange traffic.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/recorder.h"
#include "http/message.h"
#include "outbox/admin.h"
#include "outbox/delivery_metrics.h"
#include "outbox/delivery_worker.h"
#include "outbox/forwarding_config.h"
#include "outbox/router.h"
#include "rest/inbound_provenance.h"
#include "search/param_catalog.h"
#include "storage/store.h"

namespace fhirgw::outbox {

class Forwarding {
 public:
  // Throws (std::invalid_argument / std::runtime_error) for routes or peer files that do not work.
  // `callers_authenticated`: the server authenticates every caller (auth on), so Request::client_id says
  // who a peer is. `audit` (optional) records each delivery and each dead letter.
  Forwarding(storage::Store& store, const ForwardingConfig& config, const search::ParamCatalog& catalog,
             bool callers_authenticated, audit::Recorder* audit, DeliveryWorker::Log log);
  ~Forwarding();

  void start();
  void stop();  // joins the delivery threads; undelivered rows stay in the outbox

  // The change sink for FhirService (nullptr when no route is configured).
  rest::ChangeSink* change_sink() { return config_.enabled() ? &router_ : nullptr; }

  // A request from a peer named in forwarding.inbound. With authentication on, the peer is the
  // authenticated client (Request::client_id; the X-Fhirgw-Peer header is not trusted then). With auth off
  // (loopback development only), the X-Fhirgw-Peer header names it.
  std::optional<rest::InboundPeer> inbound_peer(const http::Request& req) const;

  http::Response admin(const http::Request& req) { return admin_.handle(req); }
  // Prometheus text: queue depth per peer plus the delivery counters and latency.
  std::string metrics_text();

 private:
  void wake_all();
  std::string peer_error(const std::string& peer) const;

  storage::Store& store_;
  const ForwardingConfig& config_;
  bool callers_authenticated_;
  Router router_;
  DeliveryMetrics metrics_;
  std::vector<std::unique_ptr<DeliveryWorker>> workers_;
  Admin admin_;
};

}  // namespace fhirgw::outbox
