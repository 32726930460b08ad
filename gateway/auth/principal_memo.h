// One connection's last accepted Authorization header and the principal it gave. A client that sends the
// same header again on a keep-alive connection costs a byte comparison: no token parse, no verified-token
// cache lookup, no copy of its claims. Expiry is still checked on every request (with the same clock skew
// as the token check). Not thread-safe: one per connection, whose requests are handled one at a time; the
// connection's client certificate cannot change, so it is not part of the key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/authenticate.h"

namespace fhirgw::auth {

class PrincipalMemo {
 public:
  // The remembered principal if `authorization` is byte for byte the remembered header and `now` is
  // before `valid_until`; otherwise null.
  const Principal* find(std::string_view authorization, std::int64_t now) const {
    if (!principal_ || now >= valid_until_ || authorization != header_) return nullptr;
    return &*principal_;
  }

  const Principal& remember(std::string_view authorization, Principal principal, std::int64_t valid_until) {
    header_.assign(authorization);
    valid_until_ = valid_until;
    return principal_.emplace(std::move(principal));
  }

 private:
  std::string header_;
  std::optional<Principal> principal_;
  std::int64_t valid_until_ = 0;
};

}  // namespace fhirgw::auth
