// A keep-alive HTTP/1.1 client for one peer (Boost.Beast), plain or TLS (mutual TLS with our client
// certificate, the peer's name checked against its certificate). Blocking calls with a time limit, used
// by that peer's delivery thread only. Reconnects when the connection was closed or broke.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace fhirgw::outbox {

struct PeerUrl {
  bool https = false;
  std::string host;
  std::string port;
  std::string path;  // e.g. /fhir (no trailing slash)
};

// Parses http(s)://host[:port]/path. Returns nullopt-like empty host on failure.
bool parse_peer_url(const std::string& url, PeerUrl& out);

struct HttpExchange {
  bool sent = false;  // false: connect / TLS / I/O failure (see error); nothing is known about the peer's state
  std::string error;
  int status = 0;
  std::string body;
  std::string retry_after;  // the Retry-After header, if any
};

struct ClientTls {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

class PeerClient {
 public:
  // Throws std::runtime_error when the TLS files cannot be loaded.
  PeerClient(PeerUrl url, const ClientTls& tls, std::int64_t timeout_ms);
  ~PeerClient();
  PeerClient(const PeerClient&) = delete;
  PeerClient& operator=(const PeerClient&) = delete;

  // `target` is an absolute path ("/fhir"); headers are name/value pairs added to the request. `body` is
  // moved into the request (a delivery Bundle is hundreds of kilobytes).
  HttpExchange post(const std::string& target, const std::string& content_type, std::string body,
                    const std::vector<std::pair<std::string, std::string>>& headers);
  // Opens the connection (TCP, and the TLS handshake for https) unless one is open. Returns why it could
  // not, empty on success.
  std::string connect();
  void close();
  // From another thread: ends a request in progress (it fails with "operation aborted") and every later
  // one. Used on shutdown so a slow peer does not hold the process for timeout_ms.
  void abort();

  const PeerUrl& url() const { return url_; }

 private:
  struct Impl;
  PeerUrl url_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fhirgw::outbox
