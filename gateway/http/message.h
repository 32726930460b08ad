// Plain HTTP request/response values that the handlers work on. No Beast types here: the server
// (server/http_server.cpp) converts at the socket edge, so every handler is testable without sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fhir::json {
struct ParseResult;
}

namespace fhirgw::auth {
class PrincipalMemo;
struct PeerCertificate;
}  // namespace fhirgw::auth

namespace fhirgw::http {

// Header names are stored lower-case.
class Headers {
 public:
  void set(std::string_view name, std::string value);
  void add(std::string_view name, std::string value);
  std::optional<std::string_view> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  void remove(std::string_view name);
  const std::vector<std::pair<std::string, std::string>>& all() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

using QueryParams = std::vector<std::pair<std::string, std::string>>;  // decoded, in order

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: "/fhir/Patient?name=x"
  std::string path;    // decoded path: "/fhir/Patient"
  QueryParams query;   // decoded query parameters
  Headers headers;
  std::string body;
  std::string remote_address;
  std::string request_id;  // filled by the request-id filter
  // The connection's verified TLS client certificate (the server reads it once after the handshake and keeps
  // it for the connection's life): the configured client it maps to and its SHA-256 thumbprint. Null
  // without a connection; without TLS or a certificate, both fields are empty.
  const auth::PeerCertificate* peer = nullptr;
  // The connection's memo of its last Authorization header (set by the server; null without a connection).
  auth::PrincipalMemo* principal_memo = nullptr;
  // Who is calling, set by the auth filter on /fhir, /internal and /admin: the client id of the access
  // token, or "anonymous-dev" when auth is off (loopback only). The "who" of Provenance and AuditEvent.
  std::string client_id;
  // Entries of a batch Bundle the auth filter refused (Bundle.entry index -> reason): the handler answers
  // each with 403 and handles the others.
  std::map<std::size_t, std::string> refused_entries;
  // The body parsed as JSON by its first reader (http/body_json.h), so the access filter and the handler
  // of a Bundle do not parse it twice. Filled lazily, hence mutable.
  mutable std::shared_ptr<fhir::json::ParseResult> body_json;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  bool close = false;  // close the connection after this response
};

// Splits `target` into path and decoded query parameters (Boost.URL). False if it is not a valid
// origin-form target.
bool parse_target(std::string_view target, std::string& path, QueryParams& query);

// Decodes an application/x-www-form-urlencoded body (POST _search).
bool parse_form(std::string_view body, QueryParams& out);

// Lower-cases ASCII.
std::string to_lower(std::string_view s);

}  // namespace fhirgw::http
