#include "outbox/forwarding.h"

#include <algorithm>

namespace fhirgw::outbox {

Forwarding::Forwarding(storage::Store& store, const ForwardingConfig& config, const search::ParamCatalog& catalog,
                       bool callers_authenticated, audit::Recorder* audit, DeliveryWorker::Log log)
    : store_(store),
      config_(config),
      callers_authenticated_(callers_authenticated),
      router_(config, catalog),
      admin_(
          store, config, [this] { wake_all(); }, [this](const std::string& peer) { return peer_error(peer); }) {
  for (const PeerConfig& peer : config.peers) {
    const bool routed = std::any_of(config.routes.begin(), config.routes.end(),
                                    [&](const RouteConfig& r) { return r.peer == peer.name; });
    if (routed) workers_.push_back(std::make_unique<DeliveryWorker>(store, peer, config.node, metrics_, audit, log));
  }
  router_.on_committed = [this] { wake_all(); };
}

Forwarding::~Forwarding() { stop(); }

void Forwarding::start() {
  for (auto& w : workers_) w->start();
}

void Forwarding::stop() {
  for (auto& w : workers_) w->stop();
}

std::string Forwarding::peer_error(const std::string& peer) const {
  for (const auto& w : workers_) {
    if (w->peer_name() == peer) return w->peer_error();
  }
  return {};
}

void Forwarding::wake_all() {
  for (auto& w : workers_) w->wake();
}

std::optional<rest::InboundPeer> Forwarding::inbound_peer(const http::Request& req) const {
  std::string name;
  if (callers_authenticated_) {
    name = req.client_id;
  } else if (const auto header = req.headers.get("x-fhirgw-peer")) {
    name = std::string(*header);
  }
  if (name.empty() || std::find(config_.inbound.begin(), config_.inbound.end(), name) == config_.inbound.end()) {
    return std::nullopt;
  }
  return rest::InboundPeer{name, name};
}

std::string Forwarding::metrics_text() {
  std::string out =
      "# HELP fhirgw_outbox_pending Resource versions waiting in the outbox.\n# TYPE fhirgw_outbox_pending gauge\n";
  for (const auto& st : store_.outbox_stats()) {
    out += "fhirgw_outbox_pending{peer=\"" + st.peer + "\"} " + std::to_string(st.pending) + "\n";
  }
  return out + metrics_.render();
}

}  // namespace fhirgw::outbox
