#include "server/config.h"

#include <charconv>
#include <functional>

#include "config/json_values.h"
#include "fhir/json/parser.h"

namespace fhirgw::server {
namespace {

using fhir::json::Node;

struct KeyDef {
  const char* path;  // dotted JSON path
  const char* fallback;
  const char* help;
  // Applies a value; returns an error text ("" = fine).
  std::function<std::string(const Node&, ServerConfig&)> apply;
};

using config::one_of;
using config::want_bool;
using config::want_int;
using config::want_string;
using config::want_strings;

// auth.clients: an array of objects; unknown members and missing id/jwks_file/scopes are errors.
std::string apply_clients(const Node& n, std::vector<auth::ClientConfig>& out) {
  if (!n.is_array()) return "must be an array of client objects";
  out.clear();
  for (const Node& item : n.items()) {
    const std::string at = "[" + std::to_string(out.size()) + "]";
    if (!item.is_object()) return at + " must be an object";
    auth::ClientConfig client;
    for (const auto& m : item.members()) {
      std::string e;
      if (m.key == "id") {
        e = want_string(m.value, client.id);
      } else if (m.key == "jwks_file") {
        e = want_string(m.value, client.jwks_file);
      } else if (m.key == "scopes") {
        e = want_string(m.value, client.scopes);
      } else if (m.key == "certificate") {
        e = want_strings(m.value, client.certificate_names);
      } else if (m.key == "admin") {
        e = want_bool(m.value, client.admin);
      } else {
        e = "is unknown (id, jwks_file, scopes, certificate, admin)";
      }
      if (!e.empty()) return at + "." + std::string(m.key) + " " + e;
    }
    if (client.id.empty() || client.jwks_file.empty() || client.scopes.empty()) {
      return at + " needs id, jwks_file and scopes";
    }
    out.push_back(std::move(client));
  }
  return {};
}

const std::vector<KeyDef>& keys() {
  static const std::vector<KeyDef> kKeys = {
      {"listen", "127.0.0.1:8080", "HOST:PORT to listen on; port 0 picks a free port (reported on stdout)",
       [](const Node& n, ServerConfig& c) {
         std::string v;
         if (auto e = want_string(n, v); !e.empty()) return e;
         auto err = apply_listen(v, c);
         return err ? *err : std::string();
       }},
      {"data_dir", "./data", "folder of the SQLite database (created if missing) and the port file",
       [](const Node& n, ServerConfig& c) { return want_string(n, c.data_dir); }},
      {"allow_plain_http_non_loopback", "false",
       "allow plain HTTP on a non-loopback address (otherwise refused at start-up)",
       [](const Node& n, ServerConfig& c) { return want_bool(n, c.allow_plain_http_non_loopback); }},
      {"tls.cert_file", "\"\"", "PEM certificate chain; with tls.key_file the server speaks HTTPS only (TLS 1.2+)",
       [](const Node& n, ServerConfig& c) { return want_string(n, c.tls_cert_file); }},
      {"tls.key_file", "\"\"", "PEM private key of tls.cert_file",
       [](const Node& n, ServerConfig& c) { return want_string(n, c.tls_key_file); }},
      {"tls.client_ca_file", "\"\"",
       "PEM CA bundle for client certificates: mutual TLS (missing, expired, self-signed or wrong-CA client "
       "certificates fail the handshake)",
       [](const Node& n, ServerConfig& c) { return want_string(n, c.tls_client_ca_file); }},
      {"tls.require_client_cert", "true", "with tls.client_ca_file: refuse clients that present no certificate",
       [](const Node& n, ServerConfig& c) { return want_bool(n, c.tls_require_client_cert); }},
      {"tls.verify_depth", "3", "most intermediate CAs between a client certificate and tls.client_ca_file",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.tls_verify_depth, 0, 10); }},
      {"tls.known_clients_only", "true",
       "with tls.client_ca_file: a verified certificate that matches no auth.clients[].certificate rule fails "
       "the handshake",
       [](const Node& n, ServerConfig& c) { return want_bool(n, c.tls_known_clients_only); }},
      {"auth.enabled", "on with TLS or a non-loopback listener, else off",
       "bearer tokens required on /fhir, /internal and /admin; false is accepted only on a loopback listener",
       [](const Node& n, ServerConfig& c) {
         bool v = true;
         auto e = want_bool(n, v);
         c.auth_enabled = v;
         return e;
       }},
      {"auth.public_base_url", "scheme://HOST:PORT of the listener",
       "this gateway's public URL: access-token audience, issuer = URL/auth, token endpoint = URL/auth/token "
       "(the aud of client assertions)",
       [](const Node& n, ServerConfig& c) { return want_string(n, c.security.public_base_url); }},
      {"auth.token_signing_key_file", "\"\"",
       "PEM private key signing the access tokens (EC P-256 -> ES256, the shortest and cheapest; EC P-384 -> ES384; "
       "RSA >= 2048 -> RS384); required with auth",
       [](const Node& n, ServerConfig& c) { return want_string(n, c.security.token_signing_key_file); }},
      {"auth.token_signing_kid", "fhirgw-1", "kid of the signing key in /auth/jwks.json and token headers",
       [](const Node& n, ServerConfig& c) { return want_string(n, c.security.token_signing_kid); }},
      {"auth.previous_token_jwks_files", "[]", "JWKS files of older signing keys still accepted (key rotation)",
       [](const Node& n, ServerConfig& c) { return want_strings(n, c.security.previous_token_jwks_files); }},
      {"auth.token_lifetime_s", "300", "access-token lifetime",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.security.token_lifetime, 30, 3600); }},
      {"auth.clock_skew_s", "60", "tolerated clock difference for exp/iat/nbf",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.security.clock_skew, 0, 300); }},
      {"auth.replay_cache_entries", "100000", "client-assertion jti values remembered; full of live ones = 503",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.security.replay_cache_entries, 100, 10'000'000); }},
      {"auth.clients", "[]",
       "registered clients: [{\"id\", \"jwks_file\" (public keys of its assertions), \"scopes\" (allowed, e.g. "
       "\"system/*.rs system/Observation.cu\"), \"certificate\": [\"cn:..\"|\"dns:..\"|\"uri:..\"] (its TLS "
       "certificate), \"admin\": bool (may call /admin)}]",
       [](const Node& n, ServerConfig& c) { return apply_clients(n, c.security.clients); }},
      {"audit.enabled", "true", "record AuditEvents (searchable at /fhir/AuditEvent)",
       [](const Node& n, ServerConfig& c) { return want_bool(n, c.audit_enabled); }},
      {"audit.flush_ms", "50",
       "read/search AuditEvents are committed in groups at least this often (writes: in the write's transaction)",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.audit_flush_ms, 1, 10'000); }},
      {"audit.batch", "5000", "read/search AuditEvents per group commit at most (the writer takes what is queued)",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.audit_batch, 1, 100'000); }},
      {"audit.queue_max", "10000",
       "read/search AuditEvents waiting for the writer; when full, requests wait for room (503 after 2 s) rather than "
       "go unaudited",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.audit_queue_max, 100, 10'000'000); }},
      {"threads", "4", "I/O and handler threads",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.threads, 1, 256); }},
      {"write_threads", "16",
       "threads that run write requests (all methods but GET, HEAD, OPTIONS) while they wait for their commit's sync; "
       "0: the I/O threads run them",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.write_threads, 0, 256); }},
      {"limits.max_header_bytes", "16384", "largest request header block; more is answered 413",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.max_header_bytes, 1024, 1 << 20); }},
      {"limits.max_body_bytes", "33554432", "largest request body; more is answered 413",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.max_body_bytes, 1024, 1LL << 32); }},
      {"limits.max_connections", "1024", "open connections; more are answered 503 and closed",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.max_connections, 1, 1'000'000); }},
      {"limits.max_in_flight", "256", "requests handled at once; more are answered 429 (0 = no limit)",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.max_in_flight, 0, 1'000'000); }},
      {"limits.read_timeout_ms", "30000", "time to receive one whole request; slower clients are cut off",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.read_timeout_ms, 100, 3'600'000); }},
      {"limits.idle_timeout_ms", "60000", "keep-alive connections idle longer than this are closed",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.idle_timeout_ms, 100, 3'600'000); }},
      {"limits.shutdown_grace_ms", "10000", "on SIGTERM/SIGINT, time in-flight requests get before exit",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.shutdown_grace_ms, 0, 600'000); }},
      {"storage.synchronous", "full",
       "SQLite synchronous: full (every 2xx survives power loss) or normal (faster; may lose the last "
       "commits on power loss, never on a crash)",
       [](const Node& n, ServerConfig& c) {
         if (auto e = want_string(n, c.synchronous); !e.empty()) return e;
         return one_of(c.synchronous, {"full", "normal"});
       }},
      {"storage.read_connections", "8", "pooled read-only SQLite connections",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.read_connections, 1, 256); }},
      {"storage.reader_cache_mib", "8",
       "page cache of each pooled reader (MiB); a reader drops it whole when its snapshot is renewed after a "
       "commit, on a request's thread (~0.5 ms per 8 MiB), so a larger one pays only with few commits (audit off)",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.reader_cache_mib, 1, 4096); }},
      {"fhir.validation", "lenient",
       "strict: invalid resources get 422; lenient: stored, issues returned; off: not validated",
       [](const Node& n, ServerConfig& c) {
         if (auto e = want_string(n, c.validation); !e.empty()) return e;
         return one_of(c.validation, {"strict", "lenient", "off"});
       }},
      {"fhir.default_count", "20", "search page size without _count",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.default_count, 1, 10'000); }},
      {"fhir.max_count", "1000", "largest _count honoured",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.max_count, 1, 100'000); }},
      {"fhir.max_search_results", "10000", "matches kept for paging one search",
       [](const Node& n, ServerConfig& c) { return want_int(n, c.max_search_results, 1, 10'000'000); }},
      {"fhir.base_url", "\"\"", "public base URL for links (e.g. https://gw.example.org/fhir); empty: from Host",
       [](const Node& n, ServerConfig& c) { return want_string(n, c.base_url); }},
      {"fhir.packages", "[]", "extra FHIR package folders whose profiles the validator loads",
       [](const Node& n, ServerConfig& c) { return want_strings(n, c.packages); }},
      {"log.level", "info", "trace, debug, info, warn, error or off (JSON lines on stderr)",
       [](const Node& n, ServerConfig& c) {
         if (auto e = want_string(n, c.log_level); !e.empty()) return e;
         return one_of(c.log_level, {"trace", "debug", "info", "warn", "error", "off"});
       }},
      {"forwarding", "{}", "peers, routes and inbound peers of the exchange (keys below)",
       [](const Node& n, ServerConfig& c) {
         c.forwarding = {};
         auto err = outbox::parse_forwarding(n, c.forwarding);
         return err ? "invalid: " + *err : std::string();
       }},
      {"log.access_log", "true", "one JSON line per request (request id, route, status, bytes, time)",
       [](const Node& n, ServerConfig& c) { return want_bool(n, c.access_log); }},
  };
  return kKeys;
}

std::optional<std::string> walk(const Node& obj, const std::string& prefix, ServerConfig& config) {
  for (const auto& m : obj.members()) {
    const std::string path = prefix.empty() ? std::string(m.key) : prefix + "." + std::string(m.key);
    const KeyDef* def = nullptr;
    bool is_section = false;
    for (const KeyDef& k : keys()) {
      if (path == k.path) def = &k;
      if (std::string_view(k.path).starts_with(path + ".")) is_section = true;
    }
    if (def) {
      if (auto err = def->apply(m.value, config); !err.empty()) return "config key '" + path + "' " + err;
    } else if (is_section && m.value.is_object()) {
      if (auto err = walk(m.value, path, config)) return err;
    } else {
      return "unknown config key '" + path + "' (see fhirgw serve --help-config)";
    }
  }
  return std::nullopt;
}

bool is_loopback(const std::string& host) { return auth::loopback_only(host); }

}  // namespace

std::optional<std::string> apply_config_json(std::string_view json_text, ServerConfig& config) {
  auto parsed = fhir::json::parse(json_text);
  if (!parsed) {
    const auto& e = *parsed.error;
    return "config is not valid JSON at line " + std::to_string(e.location.line) + ", column " +
           std::to_string(e.location.column) + ": " + e.message;
  }
  if (!parsed.document->root().is_object()) return "config must be a JSON object";
  return walk(parsed.document->root(), {}, config);
}

std::optional<std::string> apply_listen(std::string_view value, ServerConfig& config) {
  std::string host;
  std::string_view port_text;
  if (value.starts_with("[")) {
    const auto close = value.find("]:");
    if (close == std::string_view::npos) return "listen '" + std::string(value) + "' must be [IPv6]:PORT";
    host = std::string(value.substr(1, close - 1));
    port_text = value.substr(close + 2);
  } else {
    const auto colon = value.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return "listen '" + std::string(value) + "' must be HOST:PORT";
    host = std::string(value.substr(0, colon));
    port_text = value.substr(colon + 1);
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535 || port_text.empty()) {
    return "listen '" + std::string(value) + "': port must be 0..65535";
  }
  config.listen_host = host;
  config.listen_port = static_cast<std::uint16_t>(port);
  return std::nullopt;
}

bool auth_on(const ServerConfig& config) {
  if (config.auth_enabled) return *config.auth_enabled;
  return !config.tls_cert_file.empty() || !is_loopback(config.listen_host);
}

std::optional<std::string> check_config(const ServerConfig& config) {
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return "tls.cert_file and tls.key_file must be set together";
  }
  const bool tls = !config.tls_cert_file.empty();
  if (!tls && !config.tls_client_ca_file.empty()) return "tls.client_ca_file needs tls.cert_file and tls.key_file";
  if (auth_on(config)) {
    if (config.security.token_signing_key_file.empty()) {
      return "auth is on (TLS or a non-loopback listener): set auth.token_signing_key_file, or auth.enabled: "
             "false on a loopback listener";
    }
  } else if (!is_loopback(config.listen_host)) {
    return "auth.enabled: false is accepted only on a loopback listener, not on '" + config.listen_host + "'";
  }
  if (!tls && !is_loopback(config.listen_host) && !config.allow_plain_http_non_loopback) {
    return "refusing plain HTTP on non-loopback address '" + config.listen_host +
           "'; set allow_plain_http_non_loopback: true (e.g. behind a TLS proxy)";
  }
  return std::nullopt;
}

std::string config_reference() {
  std::string out = "fhirgw serve configuration (JSON file given with --config; --listen/--data override it)\n\n";
  for (const KeyDef& k : keys()) {
    out += "  " + std::string(k.path) + "\n      default " + k.fallback + "\n      " + k.help + "\n";
  }
  return out + outbox::forwarding_reference();
}

}  // namespace fhirgw::server
