#include "auth/authenticate.h"

#include <cctype>

namespace fhirgw::auth {
namespace {

// Characters allowed in a quoted-string value we build; anything else is dropped.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') out += c;
  }
  out += '"';
  return out;
}

AuthError unauthorized(const AuthSettings& s, std::string reason, bool token_present) {
  AuthError e;
  e.status = 401;
  e.www_authenticate = "Bearer realm=" + quoted(s.realm);
  if (token_present) {
    e.www_authenticate += ", error=\"invalid_token\", error_description=" + quoted(reason);
  }
  e.reason = std::move(reason);
  return e;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// ASCII only, without the locale lookup of std::isalnum (this runs over every byte of every token).
constexpr bool ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// b64token (RFC 6750 §2.1): 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool is_b64token(std::string_view t) {
  if (t.empty()) return false;
  std::size_t i = 0;
  for (; i < t.size() && t[i] != '='; ++i) {
    const char c = t[i];
    if (!ascii_alnum(c) && c != '-' && c != '.' && c != '_' && c != '~' && c != '+' && c != '/') return false;
  }
  if (i == 0) return false;
  for (; i < t.size(); ++i) {
    if (t[i] != '=') return false;
  }
  return true;
}

}  // namespace

Result<Principal, AuthError> authenticate(const AuthSettings& settings, const AccessTokens* tokens,
                                          std::optional<std::string_view> authorization_header,
                                          const PeerCertificate& peer, std::int64_t now) {
  if (!settings.enabled) {
    Principal dev;
    dev.client_id = "anonymous-dev";
    dev.permissions.rules.push_back({"*", rights::all, "system/*.cruds"});
    dev.authenticated = false;
    return dev;
  }
  if (!authorization_header || authorization_header->empty()) {
    return unauthorized(settings, "no access token", false);
  }
  auto header = *authorization_header;
  const auto space = header.find(' ');
  if (space == std::string_view::npos || !iequals(header.substr(0, space), "Bearer")) {
    return unauthorized(settings, "Authorization is not a Bearer token", false);
  }
  auto token = header.substr(space + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (!is_b64token(token)) return unauthorized(settings, "malformed bearer token", true);
  if (tokens == nullptr) return unauthorized(settings, "no token verifier configured", true);

  auto claims = tokens->verify(token, now);
  if (!claims) return unauthorized(settings, claims.error().reason, true);
  if (!claims->cert_thumbprint.empty() && claims->cert_thumbprint != peer.thumbprint) {
    return unauthorized(settings, "token is bound to another client certificate", true);
  }
  if (!peer.client_id.empty() && peer.client_id != claims->client_id) {
    return unauthorized(settings, "token belongs to another client than the TLS certificate", true);
  }
  Principal p;
  p.client_id = std::move(claims->client_id);
  p.permissions = std::move(claims->permissions);
  p.token_id = std::move(claims->jti);
  p.expires_at = claims->expires_at;
  return p;
}

std::optional<AuthError> authorize(const AuthSettings& settings, const Principal& principal,
                                   std::string_view resource_type, Interaction interaction) {
  if (!settings.enabled || allows(principal.permissions, resource_type, interaction)) return std::nullopt;
  // Name the scope that would have been enough (SMART v2 form).
  static constexpr std::string_view kLetters = "cruds";
  std::string needed = "system/" + (resource_type.empty() ? std::string("*") : printable(resource_type)) + ".";
  const auto bits = required_rights(interaction);
  for (std::size_t i = 0; i < kLetters.size(); ++i) {
    if (bits & (1u << i)) needed += kLetters[i];
  }
  AuthError e;
  e.status = 403;
  e.www_authenticate =
      "Bearer realm=" + quoted(settings.realm) + ", error=\"insufficient_scope\", scope=" + quoted(needed);
  e.reason = "client '" + principal.client_id + "' lacks scope " + needed;
  return e;
}

bool loopback_only(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  if (host.substr(0, 4) != "127.") return false;
  int dots = 0;
  for (const char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

}  // namespace fhirgw::auth
