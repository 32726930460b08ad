// OpenSSL contexts for the gateway, built from files named in config (keys and CA files by path only; their
// content is never logged, and error texts name the file, not what is in it).
//
// Both sides: TLS 1.2 and 1.3 only; TLS 1.2 limited to ECDHE with AES-GCM or ChaCha20-Poly1305; no
// compression, no renegotiation.
// Server: certificate chain + key; with client_ca_file set, mutual TLS: the client certificate is verified
// against that bundle during the handshake (missing, expired, self-signed, wrong CA, or too deep a chain
// fail the handshake). With known_clients set, a verified certificate that maps to no configured client
// fails the handshake too.
// Client (towards peers): CA bundle, optional client certificate, and per connection the peer's host name
// or IP checked against its certificate (prepare_client_connection).
//
// No Asio here; tls/asio_context.h wraps a context for Boost.Asio. Do not replace the verify callback on a
// server context (Asio's set_verify_callback would): the known-client check lives in it.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "auth/result.h"
#include "tls/peer_identity.h"

namespace fhirgw::tls {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const;
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

struct ServerTlsConfig {
  std::string certificate_chain_file;                // PEM, leaf first, then intermediates
  std::string private_key_file;                      // PEM, unencrypted (protect it with file permissions)
  std::string client_ca_file;                        // PEM bundle; empty = no client certificates (one-way TLS)
  bool require_client_certificate = true;            // with client_ca_file: refuse clients without a certificate
  int verify_depth = 3;                              // max intermediates between client certificate and CA
  std::shared_ptr<const IdentityMap> known_clients;  // optional, see above
};

struct ClientTlsConfig {
  std::string ca_file;                 // PEM bundle the peer's certificate must chain to
  std::string certificate_chain_file;  // our client certificate (mutual TLS); empty = none
  std::string private_key_file;
  int verify_depth = 3;
};

auth::Result<SslCtxPtr> make_server_context(const ServerTlsConfig& config);
auth::Result<SslCtxPtr> make_client_context(const ClientTlsConfig& config);

// Before the client handshake: SNI (for host names) and the name or IP the peer certificate must carry.
bool prepare_client_connection(SSL* ssl, std::string_view host);

// Why the peer certificate was refused (X509 verify result as text), for logs.
std::string verify_result_text(const SSL* ssl);

}  // namespace fhirgw::tls
