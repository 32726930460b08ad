// Configuration of forwarding (config key `forwarding`): where this gateway sends stored changes (peers),
// which changes go where (routes), and which callers are peers whose writes are inbound exchange traffic.
// Parsed and checked at start-up; every problem is fatal and names the key. The reference text is part of
// `fhirgw serve --help-config`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fhir::json {
class Node;
}

namespace fhirgw::outbox {

struct PeerConfig {
  std::string name;  // also the name this gateway expects in the peer's X-Fhirgw-Peer header
  std::string url;   // FHIR base, e.g. https://gw-b.example.org/fhir (http:// only on loopback)
  // Mutual TLS towards the peer (https URLs): CA bundle of the peer's server certificate, our client
  // certificate chain and key (paths; the content is never logged).
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  // SMART backend services towards the peer: empty token_url = no token.
  std::string token_url;
  std::string client_id;
  std::string client_key_file;
  std::string client_key_id;  // kid of the key registered at the peer
  std::string client_alg = "RS384";
  std::string scope = "system/*.write";
  std::size_t batch_size = 1000;
  // Transaction Bundles sent at once, each on its own connection (DeliveryWorker).
  std::size_t in_flight = 4;
  int max_attempts = 10;
  std::int64_t max_age_ms = 24LL * 3600 * 1000;
  std::int64_t timeout_ms = 30'000;
  std::int64_t backoff_ms = 200;  // first retry delay; doubles per attempt (with jitter)
  std::int64_t max_backoff_ms = 60'000;
};

struct RouteConfig {
  std::string peer;
  std::vector<std::string> types;  // empty: the type of `search` (or every type when no search)
  std::string search;              // "Observation?code=http://loinc.org|1834-1"; empty: by type only
};

struct ForwardingConfig {
  std::string node;                  // this gateway's name, sent to peers in X-Fhirgw-Peer
  std::vector<std::string> inbound;  // peer names whose writes are stored with a Provenance, never sent back
  std::vector<PeerConfig> peers;
  std::vector<RouteConfig> routes;

  bool enabled() const { return !routes.empty(); }
  const PeerConfig* find_peer(std::string_view name) const;
};

// Reads the `forwarding` object. Returns an error text ("forwarding.peers[0].url must ...") or nullopt.
std::optional<std::string> parse_forwarding(const fhir::json::Node& node, ForwardingConfig& out);

// The documentation of every forwarding key (for --help-config).
std::string forwarding_reference();

}  // namespace fhirgw::outbox
