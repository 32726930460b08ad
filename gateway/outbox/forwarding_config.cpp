#include "outbox/forwarding_config.h"

#include <functional>

#include "config/json_values.h"
#include "fhir/json/node.h"

namespace fhirgw::outbox {

using fhir::json::Node;

const PeerConfig* ForwardingConfig::find_peer(std::string_view name) const {
  for (const PeerConfig& p : peers) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

namespace {

// One member of an object: its documentation and how it is applied ("" = fine, else the problem).
template <typename T>
struct Member {
  const char* name;
  const char* fallback;
  const char* help;
  std::function<std::string(const Node&, T&)> apply;
};

std::string text(const Node& n, std::string& out) { return config::want_string(n, out); }

std::string names(const Node& n, std::vector<std::string>& out) { return config::want_strings(n, out, true); }

template <typename I>
std::string integer(const Node& n, I& out, long long lo, long long hi) {
  return config::want_int(n, out, lo, hi);
}

const std::vector<Member<PeerConfig>>& peer_members() {
  static const std::vector<Member<PeerConfig>> m = {
      {"name", "(required)", "peer name; routes refer to it; the peer sends it as X-Fhirgw-Peer when it calls us",
       [](const Node& n, PeerConfig& p) { return text(n, p.name); }},
      {"url", "(required)", "the peer's FHIR base URL (http://HOST:PORT/fhir or https://...)",
       [](const Node& n, PeerConfig& p) { return text(n, p.url); }},
      {"tls.ca_file", "\"\"", "PEM bundle the peer's server certificate must chain to (https)",
       [](const Node& n, PeerConfig& p) { return text(n, p.tls_ca_file); }},
      {"tls.cert_file", "\"\"", "our client certificate chain for mutual TLS",
       [](const Node& n, PeerConfig& p) { return text(n, p.tls_cert_file); }},
      {"tls.key_file", "\"\"", "private key of tls.cert_file",
       [](const Node& n, PeerConfig& p) { return text(n, p.tls_key_file); }},
      {"auth.token_url", "\"\"", "the peer's token endpoint (SMART backend services); empty: no token sent",
       [](const Node& n, PeerConfig& p) { return text(n, p.token_url); }},
      {"auth.client_id", "\"\"", "our client id at the peer",
       [](const Node& n, PeerConfig& p) { return text(n, p.client_id); }},
      {"auth.key_file", "\"\"", "PEM private key that signs our client assertions",
       [](const Node& n, PeerConfig& p) { return text(n, p.client_key_file); }},
      {"auth.kid", "\"\"", "kid of that key as registered at the peer",
       [](const Node& n, PeerConfig& p) { return text(n, p.client_key_id); }},
      {"auth.alg", "RS384", "RS384 or ES384",
       [](const Node& n, PeerConfig& p) {
         if (auto e = text(n, p.client_alg); !e.empty()) return e;
         return p.client_alg == "RS384" || p.client_alg == "ES384" ? std::string()
                                                                   : std::string("must be RS384 or ES384");
       }},
      {"auth.scope", "system/*.write", "scope asked for",
       [](const Node& n, PeerConfig& p) { return text(n, p.scope); }},
      {"batch_size", "1000", "resources per transaction Bundle",
       [](const Node& n, PeerConfig& p) { return integer(n, p.batch_size, 1, 10'000); }},
      {"in_flight", "4", "transaction Bundles sent at once (one connection each; a resource is in one of them)",
       [](const Node& n, PeerConfig& p) { return integer(n, p.in_flight, 1, 64); }},
      {"max_attempts", "10", "failed attempts of one resource before it goes to the dead letters",
       [](const Node& n, PeerConfig& p) { return integer(n, p.max_attempts, 1, 1000); }},
      {"max_age_s", "86400", "a resource still undelivered this long after it was stored goes to the dead letters",
       [](const Node& n, PeerConfig& p) {
         std::int64_t s = 0;
         if (auto e = integer(n, s, 1, 365LL * 86400); !e.empty()) return e;
         p.max_age_ms = s * 1000;
         return std::string();
       }},
      {"timeout_ms", "30000", "connect + request + response time limit",
       [](const Node& n, PeerConfig& p) { return integer(n, p.timeout_ms, 100, 600'000); }},
      {"backoff_ms", "200", "first retry delay; doubles per failure, +-50% jitter, Retry-After wins",
       [](const Node& n, PeerConfig& p) { return integer(n, p.backoff_ms, 1, 600'000); }},
      {"max_backoff_ms", "60000", "largest retry delay",
       [](const Node& n, PeerConfig& p) { return integer(n, p.max_backoff_ms, 1, 3'600'000); }},
  };
  return m;
}

const std::vector<Member<RouteConfig>>& route_members() {
  static const std::vector<Member<RouteConfig>> m = {
      {"peer", "(required)", "name of a peer in forwarding.peers",
       [](const Node& n, RouteConfig& r) { return text(n, r.peer); }},
      {"types", "[]", "resource types forwarded, \"*\" = all (empty with a search: the search's type)",
       [](const Node& n, RouteConfig& r) { return names(n, r.types); }},
      {"search", "\"\"",
       "a FHIR search the stored version must match, e.g. Observation?code=http://loinc.org|1834-1 (deletes of "
       "that type are always forwarded)",
       [](const Node& n, RouteConfig& r) { return text(n, r.search); }},
  };
  return m;
}

// Applies the members of `obj` (dotted names for nested objects) to `out`.
template <typename T>
std::string apply_object(const Node& obj, const std::vector<Member<T>>& members, const std::string& where, T& out,
                         const std::string& prefix = {}) {
  if (!obj.is_object()) return where + " must be an object";
  for (const auto& m : obj.members()) {
    const std::string name = prefix + std::string(m.key);
    const Member<T>* def = nullptr;
    bool section = false;
    for (const auto& d : members) {
      if (name == d.name) def = &d;
      if (std::string_view(d.name).starts_with(name + ".")) section = true;
    }
    if (def) {
      if (auto e = def->apply(m.value, out); !e.empty()) return where + "." + name + " " + e;
    } else if (section) {
      if (auto e = apply_object(m.value, members, where, out, name + "."); !e.empty()) return e;
    } else {
      return "unknown config key '" + where + "." + name + "' (see fhirgw serve --help-config)";
    }
  }
  return {};
}

template <typename T>
std::string apply_array(const Node& n, const std::vector<Member<T>>& members, const std::string& where,
                        std::vector<T>& out) {
  if (!n.is_array()) return where + " must be an array of objects";
  out.clear();
  for (std::size_t i = 0; i < n.items().size(); ++i) {
    T item;
    if (auto e = apply_object(n.items()[i], members, where + "[" + std::to_string(i) + "]", item); !e.empty()) return e;
    out.push_back(std::move(item));
  }
  return {};
}

bool loopback_http(std::string_view url) {
  for (const char* p : {"http://127.", "http://localhost:", "http://localhost/", "http://[::1]"}) {
    if (url.starts_with(p)) return true;
  }
  return false;
}

std::string check(const ForwardingConfig& c) {
  for (std::size_t i = 0; i < c.peers.size(); ++i) {
    const PeerConfig& p = c.peers[i];
    const std::string at = "forwarding.peers[" + std::to_string(i) + "]";
    if (p.name.empty()) return at + ".name is required";
    for (std::size_t j = 0; j < i; ++j) {
      if (c.peers[j].name == p.name) return at + ".name '" + p.name + "' is used twice";
    }
    if (p.url.empty()) return at + ".url is required";
    const bool https = p.url.starts_with("https://");
    if (!https && !loopback_http(p.url)) return at + ".url must be https:// (plain http:// only to a loopback address)";
    if (https && p.tls_ca_file.empty()) return at + ".tls.ca_file is required for an https url";
    if (p.tls_cert_file.empty() != p.tls_key_file.empty()) return at + ".tls.cert_file and tls.key_file go together";
    if (!p.token_url.empty() && (p.client_id.empty() || p.client_key_file.empty() || p.client_key_id.empty())) {
      return at + ".auth.token_url needs auth.client_id, auth.key_file and auth.kid";
    }
  }
  for (std::size_t i = 0; i < c.routes.size(); ++i) {
    const RouteConfig& r = c.routes[i];
    const std::string at = "forwarding.routes[" + std::to_string(i) + "]";
    if (!c.find_peer(r.peer)) return at + ".peer '" + r.peer + "' is not in forwarding.peers";
    if (r.types.empty() && r.search.empty()) return at + " needs types or search";
    if (!r.search.empty() && r.search.find('?') == std::string::npos) return at + ".search must be Type?params";
  }
  if (!c.routes.empty() && c.node.empty()) return "forwarding.node is required when there are routes";
  return {};
}

template <typename T>
void document(const std::vector<Member<T>>& members, const char* prefix, std::string& out) {
  for (const auto& m : members) {
    out += std::string("  ") + prefix + m.name + "\n      default " + m.fallback + "\n      " + m.help + "\n";
  }
}

}  // namespace

std::optional<std::string> parse_forwarding(const Node& node, ForwardingConfig& out) {
  if (!node.is_object()) return "forwarding must be an object";
  for (const auto& m : node.members()) {
    std::string e;
    if (m.key == "node") {
      e = text(m.value, out.node);
      if (e.empty() && out.node.empty()) e = "must not be empty";
      if (!e.empty()) e = "forwarding.node " + e;
    } else if (m.key == "inbound") {
      e = names(m.value, out.inbound);
      if (!e.empty()) e = "forwarding.inbound " + e;
    } else if (m.key == "peers") {
      e = apply_array(m.value, peer_members(), "forwarding.peers", out.peers);
    } else if (m.key == "routes") {
      e = apply_array(m.value, route_members(), "forwarding.routes", out.routes);
    } else {
      e = "unknown config key 'forwarding." + std::string(m.key) + "' (see fhirgw serve --help-config)";
    }
    if (!e.empty()) return e;
  }
  if (auto e = check(out); !e.empty()) return e;
  return std::nullopt;
}

std::string forwarding_reference() {
  std::string out =
      "\nforwarding (object; see README \"Forwarding\")\n"
      "  forwarding.node\n      default \"\"\n      this gateway's name, sent to peers as X-Fhirgw-Peer and "
      "X-Source-System; required with routes\n"
      "  forwarding.inbound\n      default []\n      peer names whose writes (X-Fhirgw-Peer) are stored with a "
      "Provenance and never forwarded back to them\n";
  document(peer_members(), "forwarding.peers[].", out);
  document(route_members(), "forwarding.routes[].", out);
  return out;
}

}  // namespace fhirgw::outbox
