// The access token this gateway presents to one peer (SMART backend services, client_credentials with a
// signed client assertion), cached until 30 seconds before it expires. Used by that peer's delivery
// thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "auth/keys.h"
#include "auth/result.h"
#include "outbox/forwarding_config.h"
#include "outbox/peer_client.h"

namespace fhirgw::outbox {

class PeerToken {
 public:
  // Loads the client key; throws std::runtime_error naming the key file when it cannot.
  explicit PeerToken(const PeerConfig& peer);

  // A valid token (fetched when none is cached or it is about to expire).
  auth::Result<std::string> get(std::int64_t now_s);
  // Forget the cached token (the peer answered 401).
  void invalidate() { token_.clear(); }

 private:
  const PeerConfig& peer_;
  auth::Pkey key_;
  auth::JwsAlg alg_;
  PeerUrl token_url_;
  std::unique_ptr<PeerClient> client_;
  std::string token_;
  std::int64_t refresh_at_ = 0;
};

}  // namespace fhirgw::outbox
