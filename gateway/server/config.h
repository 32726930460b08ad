// `fhirgw serve` configuration: one JSON file plus command-line overrides. Every key, its default and
// its meaning are in one table (config.cpp, kKeys), which also prints as `fhirgw serve --help-config`.
// Unknown keys and bad values are fatal at start-up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/security.h"
#include "outbox/forwarding_config.h"

namespace fhirgw::server {

struct ServerConfig {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string data_dir = "./data";
  bool allow_plain_http_non_loopback = false;
  std::string tls_cert_file;  // both set: HTTPS (TLS 1.2+) instead of plain HTTP
  std::string tls_key_file;
  std::string tls_client_ca_file;  // set: mutual TLS, client certificates verified against this bundle
  bool tls_require_client_cert = true;
  int tls_verify_depth = 3;
  bool tls_known_clients_only = true;  // a certificate that maps to no auth.clients entry fails the handshake
  std::optional<bool> auth_enabled;    // unset: on with TLS or a non-loopback listener; see auth_on()
  auth::SecurityConfig security;       // auth.* (security.auth_enabled is set from auth_on())
  bool audit_enabled = true;
  int audit_flush_ms = 50;
  std::size_t audit_batch = 5000;
  std::size_t audit_queue_max = 10'000;
  int threads = 4;
  // Threads that run write requests (every method but GET, HEAD, OPTIONS) instead of the I/O threads: a
  // write waits for its group commit's WAL sync, meanwhile its I/O thread serves others. 0: inline.
  int write_threads = 16;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 32 * 1024 * 1024;
  std::size_t max_connections = 1024;
  std::size_t max_in_flight = 256;
  int read_timeout_ms = 30'000;
  int idle_timeout_ms = 60'000;
  int shutdown_grace_ms = 10'000;
  std::string synchronous = "full";  // full | normal
  std::size_t read_connections = 8;
  int reader_cache_mib = 8;            // storage::kReaderCacheKiB
  std::string validation = "lenient";  // strict | lenient | off
  std::size_t default_count = 20;
  std::size_t max_count = 1000;
  std::size_t max_search_results = 10'000;
  std::string base_url;
  std::string log_level = "info";
  bool access_log = true;
  std::vector<std::string> packages;  // FHIR package folders whose profiles the validator loads
  outbox::ForwardingConfig forwarding;
};

// Applies a JSON config text. Returns an error message (with the key) on the first problem.
std::optional<std::string> apply_config_json(std::string_view json_text, ServerConfig& config);

// "HOST:PORT" ("[::1]:8080" for IPv6). Returns an error message on failure.
std::optional<std::string> apply_listen(std::string_view value, ServerConfig& config);

// Whether requests to /fhir, /internal and /admin need an access token: auth.enabled if given, otherwise
// on whenever TLS is configured or the listener is not loopback.
bool auth_on(const ServerConfig& config);

// Checks cross-key rules (e.g. plain HTTP off loopback). Returns an error message on failure.
std::optional<std::string> check_config(const ServerConfig& config);

// The documentation table: key, default, meaning.
std::string config_reference();

}  // namespace fhirgw::server
