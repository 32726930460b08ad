#include "auth/token_endpoint.h"

#include <boost/url/encode.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <charconv>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"

namespace fhirgw::auth {
namespace {

constexpr std::string_view kAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
constexpr std::size_t kMaxBody = 64 * 1024;

std::vector<std::pair<std::string, std::string>> json_headers() {
  return {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}, {"Pragma", "no-cache"}};
}

TokenReply error_reply(const OAuthError& e) {
  std::string body = "{\"error\":";
  fhir::json::write_string(e.error, body);
  body += ",\"error_description\":";
  fhir::json::write_string(e.description, body);
  body += '}';
  TokenReply r;
  r.status = e.status;
  r.body = std::move(body);
  r.headers = json_headers();
  r.client_id = e.client_id;
  r.reason = e.error + ": " + e.description;
  return r;
}

bool is_form_content_type(std::string_view ct) {
  const auto semi = ct.find(';');
  auto media = ct.substr(0, semi);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  if (media.size() != kForm.size()) return false;
  for (std::size_t i = 0; i < media.size(); ++i) {
    const char c = media[i] >= 'A' && media[i] <= 'Z' ? static_cast<char>(media[i] + 32) : media[i];
    if (c != kForm[i]) return false;
  }
  return true;
}

const std::string* param(const std::vector<std::pair<std::string, std::string>>& form, std::string_view name) {
  for (const auto& [k, v] : form) {
    if (k == name) return &v;
  }
  return nullptr;
}

// Grants the requested system/ scopes the client's allowed scopes cover.
Result<Permissions, OAuthError> grant(std::string_view requested, const RegisteredClient& client) {
  Permissions granted;
  std::size_t pos = 0;
  while (pos < requested.size()) {
    if (requested[pos] == ' ') {
      ++pos;
      continue;
    }
    auto end = requested.find(' ', pos);
    if (end == std::string_view::npos) end = requested.size();
    const auto text = requested.substr(pos, end - pos);
    pos = end;
    if (text.substr(0, 7) != "system/") continue;  // not a backend-services scope: ignored
    auto rule = parse_scope(text);
    if (!rule) return OAuthError{400, "invalid_scope", rule.error().reason, client.id};
    bool seen = false;
    for (const auto& g : granted.rules) seen = seen || g.text == rule->text;
    if (!seen && covers(client.allowed_scopes, *rule)) granted.rules.push_back(std::move(rule).value());
  }
  if (granted.empty()) {
    return OAuthError{400, "invalid_scope", "none of the requested scopes is allowed for this client", client.id};
  }
  return granted;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> parse_form_body(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  if (body.empty()) return out;
  if (!boost::urls::parse_query(body)) return fail("form body is not valid application/x-www-form-urlencoded");
  boost::urls::encoding_opts opt;
  opt.space_as_plus = true;
  // The string_view constructor (validated just above, so it cannot throw): Debian's 1.81 library does not
  // export the one taking a parsed view.
  for (const auto& p : boost::urls::params_view(body, opt)) {
    if (p.key.empty()) return fail("form body has a parameter without a name");
    for (const auto& [k, v] : out) {
      if (k == p.key) return fail("form parameter '" + k + "' is given more than once");
    }
    out.emplace_back(p.key, p.value);
  }
  return out;
}

std::string token_request_body(std::string_view client_assertion, std::string_view scope) {
  boost::urls::encoding_opts opt;
  opt.space_as_plus = true;
  std::string body = "grant_type=client_credentials&client_assertion_type=";
  body += boost::urls::encode(kAssertionType, boost::urls::unreserved_chars, opt);
  body += "&client_assertion=";
  body += boost::urls::encode(client_assertion, boost::urls::unreserved_chars, opt);
  body += "&scope=";
  body += boost::urls::encode(scope, boost::urls::unreserved_chars, opt);
  return body;
}

Result<ReceivedToken> parse_token_response(std::string_view json) {
  fhir::json::ParseOptions options;
  options.max_depth = 8;
  options.max_bytes = 64 * 1024;
  auto doc = fhir::json::parse(json, options);
  if (!doc || !doc.document->root().is_object()) return fail("token response is not a JSON object");
  const auto& root = doc.document->root();
  if (const auto* error = root.find("error"); error != nullptr && error->is_string()) {
    const auto* description = root.find("error_description");
    return fail(printable(error->text()) + ": " +
                (description != nullptr && description->is_string() ? printable(description->text(), 200) : ""));
  }
  const auto* token = root.find("access_token");
  const auto* type = root.find("token_type");
  const auto* expires = root.find("expires_in");
  if (token == nullptr || !token->is_string() || token->text().empty())
    return fail("token response has no access_token");
  if (type == nullptr || !type->is_string() || (type->text() != "bearer" && type->text() != "Bearer")) {
    return fail("token response token_type is not bearer");
  }
  ReceivedToken out;
  out.access_token = std::string(token->text());
  if (expires != nullptr) {
    const auto t = expires->text();
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out.expires_in);
    if (!expires->is_number() || ec != std::errc{} || end != t.data() + t.size() || out.expires_in <= 0) {
      return fail("token response expires_in is not a positive integer");
    }
  }
  if (const auto* scope = root.find("scope"); scope != nullptr && scope->is_string()) {
    out.scope = std::string(scope->text());
  }
  return out;
}

TokenReply TokenEndpoint::handle(const TokenRequest& request) const {
  if (!is_form_content_type(request.content_type)) {
    return error_reply(invalid_request("Content-Type must be application/x-www-form-urlencoded"));
  }
  if (request.body.size() > kMaxBody) return error_reply(invalid_request("request body too large"));
  auto form = parse_form_body(request.body);
  if (!form) return error_reply(invalid_request(form.error().reason));

  const auto* grant_type = param(*form, "grant_type");
  if (grant_type == nullptr) return error_reply(invalid_request("grant_type is missing"));
  if (*grant_type != "client_credentials") {
    return error_reply({400, "unsupported_grant_type", "only client_credentials is supported", {}});
  }
  const auto* assertion_type = param(*form, "client_assertion_type");
  if (assertion_type == nullptr || *assertion_type != kAssertionType) {
    return error_reply(invalid_request("client_assertion_type must be " + std::string(kAssertionType)));
  }
  const auto* assertion = param(*form, "client_assertion");
  if (assertion == nullptr || assertion->empty()) return error_reply(invalid_request("client_assertion is missing"));
  const auto* scope = param(*form, "scope");
  if (scope == nullptr || scope->empty()) return error_reply(invalid_request("scope is missing"));

  const std::int64_t now = clock_.now();
  auto verified = validate_client_assertion(*assertion, clients_, replay_, now, policy_);
  if (!verified) return error_reply(verified.error());
  const RegisteredClient& client = *verified->client;
  if (const auto* id = param(*form, "client_id"); id != nullptr && *id != client.id) {
    return error_reply(invalid_client("client_id differs from the assertion's issuer", client.id));
  }
  if (!request.peer_client_id.empty() && request.peer_client_id != client.id) {
    return error_reply(invalid_client("the TLS client certificate belongs to another client", client.id));
  }
  auto granted = grant(*scope, client);
  if (!granted) return error_reply(granted.error());

  auto issued = tokens_.issue(client.id, *granted, request.peer_cert_thumbprint, now);
  if (!issued) return error_reply({500, "server_error", "cannot issue a token", client.id});

  TokenReply reply;
  reply.body = "{\"access_token\":";
  fhir::json::write_string(issued->token, reply.body);
  reply.body += ",\"token_type\":\"bearer\",\"expires_in\":" + std::to_string(issued->expires_in) + ",\"scope\":";
  fhir::json::write_string(issued->scope, reply.body);
  reply.body += '}';
  reply.headers = json_headers();
  reply.granted = true;
  reply.client_id = client.id;
  reply.scope = issued->scope;
  return reply;
}

}  // namespace fhirgw::auth
