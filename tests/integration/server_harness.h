// Test harness: runs the real fhirgw binary as a child process and talks HTTP/1.1 to it over loopback
// with a small blocking client (one connection per Client, keep-alive).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fhirgw::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Writes `json` to DIR/NAME (config.json by default) and returns the path, for `--config PATH`.
std::string write_config(const TempDir& dir, const std::string& json, const std::string& name = "config.json");

class ServerProcess {
 public:
  // Starts `fhirgw serve --listen 127.0.0.1:0 --data DIR [extra args]` and waits for the port line.
  ServerProcess(const std::string& data_dir, std::vector<std::string> extra_args = {});
  ~ServerProcess();  // SIGKILL if still running

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  void kill_hard();          // SIGKILL, wait
  int terminate_and_wait();  // SIGTERM; returns the exit status (or -1 on signal death)
  bool running();

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const;
};

// TLS for Client: the CA bundle that must have signed the server certificate, and an optional client
// certificate (mutual TLS). `session` (from Client::session()) resumes an earlier TLS session.
struct TlsOptions {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::shared_ptr<void> session;
  // Wait briefly after the handshake for a refusal alert (TLS 1.3 reports a refused client certificate only
  // then). Off for load generators that measure handshakes.
  bool probe_refusal = true;
};

class Client {
 public:
  explicit Client(std::uint16_t port);
  // HTTPS: connects and runs the TLS handshake (server certificate checked for 127.0.0.1). When the handshake
  // fails, connected() is false and tls_error() says why.
  Client(std::uint16_t port, const TlsOptions& tls);
  ~Client();
  HttpResponse request(const std::string& method, const std::string& target, const std::string& body = {},
                       const std::map<std::string, std::string>& headers = {});
  // Sends raw bytes and reads `count` responses (pipelining tests).
  std::vector<HttpResponse> raw(const std::string& bytes, std::size_t count);
  bool connected() const { return fd_ >= 0; }
  // Closes the TCP connection at once: no TLS close_notify (what a crashed or cut-off peer looks like).
  void drop();
  const std::string& tls_error() const { return tls_error_; }
  // The TLS session of this connection (for TlsOptions::session) and whether it was a resumed one.
  std::shared_ptr<void> session() const;
  bool resumed() const;
  // "TLSv1.3 TLS_AES_256_GCM_SHA384": the negotiated protocol and cipher (empty for plain HTTP).
  std::string tls_cipher() const;

 private:
  // `head_request`: the answer to a HEAD, which has no body whatever its Content-Length says.
  std::optional<HttpResponse> read_response(bool head_request = false);
  bool send_all(const std::string& data);
  long recv_some(char* buf, std::size_t size);
  void connect_tcp(std::uint16_t port);
  int fd_ = -1;
  std::string buffer_;
  std::shared_ptr<void> ssl_ctx_;  // SSL_CTX
  std::shared_ptr<void> ssl_;      // SSL
  std::string tls_error_;
};

// Value of a top-level string member ("id") in a JSON text, via the project's JSON parser.
std::string json_member(const std::string& json, const std::string& key);

}  // namespace fhirgw::testing
