// POST /auth/token as a pure function: form body in, JSON token response or OAuth error out. No sockets,
// no logging; the server writes the reply, logs `reason` and audits `client_id` + outcome.
//
// Request (SMART Backend Services): Content-Type application/x-www-form-urlencoded with
//   grant_type=client_credentials
//   client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
//   client_assertion=<JWT>   scope=<space-separated system/ scopes>   [client_id=<must equal the iss>]
// Scope grant: each requested system/ scope is granted when the client's allowed scopes cover it; other
// requested scopes (patient/, user/, openid ...) are ignored; a malformed system/ scope or nothing granted
// is invalid_scope. Over mutual TLS the certificate's client id must equal the assertion's, and the
// token is bound to the certificate (cnf x5t#S256).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/access_token.h"
#include "auth/client_assertion.h"
#include "auth/clock.h"

namespace fhirgw::auth {

struct TokenRequest {
  std::string_view content_type;
  std::string_view body;
  std::string_view peer_client_id;        // from the verified client certificate, empty without mTLS
  std::string_view peer_cert_thumbprint;  // base64url SHA-256 of that certificate (DER)
};

struct TokenReply {
  int status = 200;
  std::string body;  // JSON
  std::vector<std::pair<std::string, std::string>> headers;
  bool granted = false;
  std::string client_id;  // the (claimed) client, for the audit record; may be empty
  std::string scope;      // granted scope
  std::string reason;     // why it was refused, for logs and audit
};

class TokenEndpoint {
 public:
  // All references must outlive the endpoint.
  TokenEndpoint(const ClientRegistry& clients, ReplayCache& replay, const AccessTokens& tokens, AssertionPolicy policy,
                const Clock& clock)
      : clients_(clients), replay_(replay), tokens_(tokens), policy_(std::move(policy)), clock_(clock) {}

  TokenReply handle(const TokenRequest& request) const;

 private:
  const ClientRegistry& clients_;
  ReplayCache& replay_;
  const AccessTokens& tokens_;
  AssertionPolicy policy_;
  const Clock& clock_;
};

// Decodes an application/x-www-form-urlencoded body ('+' is a space). Error on malformed escapes or a
// parameter given twice (RFC 6749 §3.2).
Result<std::vector<std::pair<std::string, std::string>>> parse_form_body(std::string_view body);

// The body a client posts to a peer's token endpoint.
std::string token_request_body(std::string_view client_assertion, std::string_view scope);

// A peer's answer to that request, read by the client side (the outbox). An OAuth error answer becomes an
// Error with "<error>: <error_description>".
struct ReceivedToken {
  std::string access_token;
  std::int64_t expires_in = 0;
  std::string scope;
};
Result<ReceivedToken> parse_token_response(std::string_view json);

}  // namespace fhirgw::auth
