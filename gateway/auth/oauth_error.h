// An OAuth 2.0 error (RFC 6749 §5.2) with the HTTP status to answer and the client id when one was claimed
// (for the audit record). `description` goes to the client; it never holds secret material.
#pragma once

#include <string>

namespace fhirgw::auth {

struct OAuthError {
  int status = 400;
  std::string error;        // invalid_request, invalid_client, unsupported_grant_type, invalid_scope, ...
  std::string description;  // error_description
  std::string client_id;    // the claimed client, may be empty
};

inline OAuthError invalid_client(std::string description, std::string client_id = {}) {
  return {401, "invalid_client", std::move(description), std::move(client_id)};
}
inline OAuthError invalid_request(std::string description, std::string client_id = {}) {
  return {400, "invalid_request", std::move(description), std::move(client_id)};
}

}  // namespace fhirgw::auth
