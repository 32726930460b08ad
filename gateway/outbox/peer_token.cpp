#include "outbox/peer_token.h"

#include <algorithm>
#include <stdexcept>

#include "auth/client_assertion.h"
#include "auth/token_endpoint.h"

namespace fhirgw::outbox {

namespace {
constexpr std::int64_t kRefreshMargin = 30;  // seconds before expiry a new token is fetched
}

PeerToken::PeerToken(const PeerConfig& peer) : peer_(peer), alg_(*auth::parse_jws_alg(peer.client_alg)) {
  auto key = auth::load_private_key_pem(peer.client_key_file);
  if (!key) throw std::runtime_error("forwarding peer " + peer.name + ": " + key.error().reason);
  key_ = std::move(key).value();
  if (!auth::key_fits(key_.get(), alg_)) {
    throw std::runtime_error("forwarding peer " + peer.name + ": auth.key_file does not fit auth.alg " +
                             peer.client_alg);
  }
  if (!parse_peer_url(peer.token_url, token_url_)) {
    throw std::runtime_error("forwarding peer " + peer.name + ": auth.token_url is not an http(s) URL");
  }
  client_ = std::make_unique<PeerClient>(token_url_, ClientTls{peer.tls_ca_file, peer.tls_cert_file, peer.tls_key_file},
                                         peer.timeout_ms);
}

auth::Result<std::string> PeerToken::get(std::int64_t now_s) {
  if (!token_.empty() && now_s < refresh_at_) return token_;
  auto assertion =
      auth::make_client_assertion(peer_.client_id, peer_.token_url, alg_, key_.get(), peer_.client_key_id, now_s);
  if (!assertion) return auth::Error{"client assertion: " + assertion.error().reason};
  const auto reply = client_->post(token_url_.path.empty() ? "/" : token_url_.path, "application/x-www-form-urlencoded",
                                   auth::token_request_body(*assertion, peer_.scope), {});
  if (!reply.sent) return auth::Error{"token endpoint: " + reply.error};
  auto token = auth::parse_token_response(reply.body);
  if (!token)
    return auth::Error{"token endpoint answered " + std::to_string(reply.status) + ": " + token.error().reason};
  token_ = token->access_token;
  refresh_at_ = now_s + std::max<std::int64_t>(token->expires_in - kRefreshMargin, 1);
  return token_;
}

}  // namespace fhirgw::outbox
