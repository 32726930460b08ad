// The HTTP/1.1 server on Boost.Beast/Asio — the only translation unit that includes Beast (it is slow
// to compile). One strand per connection, keep-alive, requests of a connection answered in order
// (pipelined requests wait in the connection's bounded read buffer), header/body limits (413), read
// and idle timeouts, a connection cap (503), graceful shutdown on SIGTERM/SIGINT.
#pragma once

#include <cstdint>
#include <memory>

#include "server/application.h"
#include "server/config.h"
#include "server/metrics.h"
#include "tls/peer_identity.h"

namespace fhirgw::server {

class HttpServer {
 public:
  HttpServer(Application& app, const ServerConfig& config, Metrics& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; returns the bound port (useful with port 0). Throws std::runtime_error.
  std::uint16_t bind();
  // With tls.cert_file: loads the TLS context (throws std::runtime_error). `identities` maps client
  // certificates to client ids (and, with tls.known_clients_only, refuses unknown ones at the handshake).
  // run() calls it with no identities if it was not called.
  void prepare_tls(std::shared_ptr<const tls::IdentityMap> identities);
  // Serves until SIGTERM/SIGINT or stop(); then stops accepting, lets in-flight requests finish
  // within shutdown_grace_ms and returns.
  void run();
  // Starts the graceful shutdown (thread-safe).
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace fhirgw::server
