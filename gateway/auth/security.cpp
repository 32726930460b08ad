#include "auth/security.h"

#include <limits>

#include "auth/smart_configuration.h"

namespace fhirgw::auth {

Result<Principal, AuthError> Security::authenticate(std::optional<std::string_view> authorization,
                                                    const PeerCertificate& peer) const {
  return auth::authenticate(settings, tokens ? &*tokens : nullptr, authorization, peer, clock->now());
}

Result<const Principal*, AuthError> Security::authenticate(std::optional<std::string_view> authorization,
                                                           const PeerCertificate& peer, PrincipalMemo& memo) const {
  const std::int64_t now = clock->now();
  const std::string_view header = authorization.value_or(std::string_view());
  if (const Principal* known = memo.find(header, now)) return known;
  auto fresh = auth::authenticate(settings, tokens ? &*tokens : nullptr, authorization, peer, now);
  if (!fresh) return std::move(fresh).error();
  // Accepted with auth on means a verified token, valid while the token check would still accept it.
  const std::int64_t valid_until =
      settings.enabled ? fresh->expires_at + tokens->policy().clock_skew : std::numeric_limits<std::int64_t>::max();
  return &memo.remember(header, std::move(fresh).value(), valid_until);
}

bool Security::is_admin(std::string_view client_id) const {
  if (!settings.enabled) return true;  // the loopback development principal
  for (const auto& id : admin_clients) {
    if (id == client_id) return true;
  }
  return false;
}

Result<std::unique_ptr<Security>> build_security(const SecurityConfig& config, std::string_view listen_host,
                                                 const Clock& clock) {
  auto out = std::make_unique<Security>();
  out->clock = &clock;
  out->settings.enabled = config.auth_enabled;
  if (!config.auth_enabled) {
    if (!loopback_only(listen_host)) {
      return fail("auth can be switched off only on a loopback listener, not on '" + std::string(listen_host) + "'");
    }
    return out;
  }
  if (config.public_base_url.empty()) return fail("security: public_base_url is required when auth is on");
  std::string base = config.public_base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();

  for (const auto& c : config.clients) {
    auto client = load_client(c.id, c.jwks_file, c.scopes);
    if (!client) return std::move(client).error();
    if (auto added = out->clients.add(std::move(client).value()); !added) return std::move(added).error();
    if (c.admin) out->admin_clients.push_back(c.id);
    for (const auto& rule : c.certificate_names) {
      if (auto added = out->identities->add(rule, c.id); !added) {
        return fail("client '" + c.id + "': " + added.error().reason);
      }
    }
  }

  auto key = load_private_key_pem(config.token_signing_key_file);
  if (!key) return fail("token signing key: " + key.error().reason);
  const auto alg = alg_for_key(key->get());
  if (!alg)
    return fail("token signing key '" + config.token_signing_key_file + "' is not EC P-256, EC P-384 or RSA >= 2048");
  KeySet older;
  for (const auto& path : config.previous_token_jwks_files) {
    auto set = load_jwks_file(path);
    if (!set) return std::move(set).error();
    for (const auto& k : set->keys()) older.add(k);
  }
  AccessTokenPolicy policy{base + "/auth", base, config.token_lifetime, config.clock_skew};
  auto tokens =
      AccessTokens::create({*alg, std::move(key).value(), config.token_signing_kid}, policy, std::move(older));
  if (!tokens) return std::move(tokens).error();
  out->tokens.emplace(std::move(tokens).value());
  auto jwks = out->tokens->public_jwks();
  if (!jwks) return std::move(jwks).error();
  out->token_jwks = std::move(jwks).value();

  out->replay = std::make_unique<ReplayCache>(config.replay_cache_entries);
  AssertionPolicy assertion;
  assertion.token_endpoint = base + "/auth/token";
  assertion.clock_skew = config.clock_skew;
  out->token_endpoint = std::make_unique<TokenEndpoint>(out->clients, *out->replay, *out->tokens, assertion, clock);

  SmartConfiguration smart;
  smart.issuer = policy.issuer;
  smart.token_endpoint = assertion.token_endpoint;
  smart.jwks_uri = base + "/auth/jwks.json";
  smart.scopes_supported = {"system/*.read", "system/*.write", "system/*.*", "system/*.rs", "system/*.cruds"};
  out->smart_configuration = smart_configuration_json(smart);
  return out;
}

}  // namespace fhirgw::auth
